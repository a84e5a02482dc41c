#!/bin/sh
# 162-sip-dtmf-info.sh: a link card with dtmf = "info": the station's RFC 4733 digit 5 reaches
# the intercom server (sipp) as one SIP INFO (application/dtmf-relay, Signal=5) and not in its
# stream; the server's INFO digit 7 reaches the station once, as RFC 4733. A dtmf value other
# than rfc4733, info or inband is refused by the configuration check. The call lasts until both
# RTP peers are done (they start after the answer, late on a loaded machine), then the test ends
# it with `symbridgectl hangup`: no fixed hold races the peers' start.
. "$top_srcdir/tests/lib/linkcall.sh"
tap_plan 9

linkcall_conf 162 "" 'dtmf = "tones";' | sb_conf bad.conf
out=$("$SYMBRIDGED" -t -c "$sb_tmp/bad.conf" 2>&1)
echo "$out" | grep -q 'dtmf.*"tones".*rfc4733.*info.*inband'
tap_ok $? "dtmf = \"tones\" on a link card is refused, naming the allowed values" ||
	tap_diag "$out"
linkcall_conf 162 "" 'dtmf = "info";' | sb_conf c.conf
linkcall_server info-server.xml "s/@DIGIT_IN@/5/; s/@DIGIT_OUT@/7/; s/@PAUSE@/1000/" 40
linkcall_start c.conf
linkcall_station station-call.xml "s/@HOLD@/40000/g; /<!--BYE-SENDING-->/,/<!--\/BYE-SENDING-->/d" 50
id=$(call id)

# media: the server's end sends to the bridge's port for it; the door's end answers and sends
# the digit 5 as RFC 4733 after 1 s
bport=$(awk '/^INVITE sip:555@/ { m = 1 } m && /^m=audio/ { print $2; exit }' "$sb_tmp/server.log")
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$smp" 5 "$bport" \
	>"$sb_tmp/server-rtp.json" 2>&1 &
srtp_pid=$!
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$dmp" 4 - - 5 \
	>"$sb_tmp/door-rtp.json" 2>&1 &
drtp_pid=$!
pids="$pids $srtp_pid $drtp_pid"

# the peers run 5 s (server) and 4 s (door, its digit after 1 s; the server's INFO 7 follows
# the INFO 5 after 1 s); when both are done the call has carried both digits
wait "$srtp_pid"; wait "$drtp_pid"
ctl hangup "$id" >/dev/null
wait "$srv_pid"
tap_ok $? "the server got digit 5 as SIP INFO (application/dtmf-relay, Signal=5, Duration=); its INFO 7 was answered 200" ||
	tap_diag "$(tail -15 "$sb_tmp/server.out")" "$(tail -8 "$sb_tmp/daemon.log")"
wait "$door_pid"
tap_ok $? "symbridgectl hangup ended the call: BYE to the station and to the server" ||
	tap_diag "$(tail -12 "$sb_tmp/door.out")"
pids=
srv=$(cat "$sb_tmp/server-rtp.json")
door=$(cat "$sb_tmp/door-rtp.json")
tap_diag "rtp at the server: $srv" "rtp at the station: $door"
echo "$door" | json_get "j['digits'] == '7'" | grep -q True
tap_ok $? "the server's INFO digit 7 reached the station once, as RFC 4733" || tap_diag "$door"
echo "$srv" | json_get "j['rx'] > 50 and j['digits'] == '' and '101' not in j['pts']" | grep -q True
tap_ok $? "digit 5 did not also reach the server in its stream (each digit once)" ||
	tap_diag "$srv"
n=$(awk '/message received/ { m = 1; next } /^---/ { m = 0 } m' "$sb_tmp/server.log" | grep -c '^INFO ')
[ "$n" -eq 1 ]
tap_ok $? "the server got exactly one INFO ($n)"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
