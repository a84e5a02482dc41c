#!/bin/sh
# 162-sip-dtmf-info.sh: a link card with dtmf = "info": the station's RFC 4733 digit 5 reaches
# the intercom server (sipp) as one SIP INFO (application/dtmf-relay, Signal=5) and not in its
# stream; the server's INFO digit 7 reaches the station once, as RFC 4733. A dtmf value other
# than rfc4733, info or inband is refused by the configuration check.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp
tap_plan 9

pids=
cleanup162() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap cleanup162 EXIT

sip_port=$(sb_free_port)
lp=$(sb_free_port)
rtp=$((20000 + ($$ % 400) * 100))
sb_license_calls 4 1
conf() {
	cat <<CONF
$lic_conf
system: { name = "t162"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; };
stations = ( { user = "door"; password = "door-secret-162"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:2/555"; } ); },
  { slot = 2; type = "link"; name = "intercom"; protocol = "net"; transport = "udp";
    peer = "127.0.0.1:$lp"; dtmf = "$1"; } );
CONF
}
conf tones | sb_conf bad.conf
out=$("$SYMBRIDGED" -t -c "$sb_tmp/bad.conf" 2>&1)
echo "$out" | grep -q 'dtmf.*"tones".*rfc4733.*info.*inband'
tap_ok $? "dtmf = \"tones\" on a link card is refused, naming the allowed values" ||
	tap_diag "$out"
conf info | sb_conf c.conf

smp=$(sb_free_port)
sed "s/@MPORT@/$smp/g; s/@DIGIT_IN@/5/; s/@DIGIT_OUT@/7/; s/@PAUSE@/1000/" \
	"$top_srcdir/tests/peers/sipp/info-server.xml" >"$sb_tmp/info-server.xml"
(cd "$sb_tmp" && exec timeout 60 sipp -sf info-server.xml -i 127.0.0.1 -p "$lp" -m 2 -nostdin \
	-timeout 40s -timeout_error -trace_msg -message_file server.log >server.out 2>&1) &
srv_pid=$!
pids="$pids $srv_pid"
sb_start c.conf && ctl license install "$lic_file" >/dev/null
link_up() { [ "$(ctl --json show links | json_get "j['rows'][0]['state']")" = up ]; }
sb_poll 10 link_up
tap_ok $? "the link to the sipp intercom server is up" || tap_diag "$(ctl show links)"

dmp=$(sb_free_port)
sed -e "s/@USER@/door/g; s/@NUMBER@/400/g; s/@MPORT@/$dmp/g; s/@HOLD@/6000/g" \
	-e "/<!--BYE-WAITING-->/,/<!--\/BYE-WAITING-->/d" \
	"$top_srcdir/tests/peers/sipp/station-call.xml" >"$sb_tmp/door.xml"
(cd "$sb_tmp" && exec timeout 60 sipp -sf door.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-au door -ap door-secret-162 -timeout 40s -timeout_error -nostdin -trace_msg \
	-message_file door.log "127.0.0.1:$sip_port" >door.out 2>&1) &
door_pid=$!
pids="$pids $door_pid"
call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
sb_poll 15 up
tap_ok $? "door's call to 400 is answered by the server on the link" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"

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

wait "$srv_pid"
tap_ok $? "the server got digit 5 as SIP INFO (application/dtmf-relay, Signal=5, Duration=); its INFO 7 was answered 200" ||
	tap_diag "$(tail -15 "$sb_tmp/server.out")" "$(tail -8 "$sb_tmp/daemon.log")"
wait "$door_pid"
tap_ok $? "the station's call ended with its BYE" || tap_diag "$(tail -12 "$sb_tmp/door.out")"
wait "$srtp_pid"; wait "$drtp_pid"
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
