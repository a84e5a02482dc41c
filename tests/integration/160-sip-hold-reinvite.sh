#!/bin/sh
# 160-sip-hold-reinvite.sh: re-INVITE on an answered call between a station (sipp) and an
# intercom server on a link card (sipp): the station holds (a=sendonly) and the server gets a
# re-INVITE with a=sendonly; the station resumes with a codec change to PCMU and the server gets
# a=sendrecv while the station's leg changes codec in the running session (the stream toward
# the server keeps its SSRC and sequence numbers, the station now gets PCMU); a re-INVITE
# without SDP is answered with an offer and the ACK's answer is taken. The server answers the
# first hold re-INVITE 491 (glare): the bridge sends it again after 2.1 to 4 s.
. "$top_srcdir/tests/lib/linkcall.sh"
tap_plan 10

linkcall_conf 160 | sb_conf c.conf
linkcall_server hold-server.xml "" 50
linkcall_start c.conf
linkcall_station hold-call.xml "s/@HOLD@/5000/g" 50

# media: the server's end sends to the port the bridge offered it; the door's end answers
# whatever reaches it, in PCMU once the door has switched (flag file)
bport=$(awk '/^INVITE sip:555@/ { m = 1 } m && /^m=audio/ { print $2; exit }' "$sb_tmp/server.log")
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$smp" 20 "$bport" \
	>"$sb_tmp/server-rtp.json" 2>&1 &
srtp_pid=$!
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$dmp" 19 - "$sb_tmp/pcmu" \
	>"$sb_tmp/door-rtp.json" 2>&1 &
drtp_pid=$!
pids="$pids $srtp_pid $drtp_pid"

# (the station holds for 5 s, the server's 491 makes the bridge wait 2.1 to 4 s)
# the door's leg changes codec in the session (show calls: the a side's codec)
pcmu() { ctl --json show calls | grep -q '"PCMU"'; }
sb_poll 25 pcmu
tap_ok $? "after the station's re-INVITE with PCMU, show calls names PCMU on its side" ||
	tap_diag "$(ctl --json show calls)" "$(grep -i 're-invite\|codec\|offer' "$sb_tmp/daemon.log" | tail -8)"
touch "$sb_tmp/pcmu"

wait "$door_pid"
tap_ok $? "the station: hold answered recvonly, PCMU accepted, offer in the 200 to an INVITE without SDP, UPDATE with SDP answered, BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/door.out")" "$(tail -8 "$sb_tmp/daemon.log")"
wait "$srv_pid"
tap_ok $? "the server: a re-INVITE with a=sendonly (hold), 491, the same again, then a=sendrecv (resume), BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/server.out")" "$(tail -8 "$sb_tmp/daemon.log")"
# RFC 3261 section 14.1: the owner of the Call-ID retries after 2.1 to 4 s
ms=$(sed -n 's/.*met 491 (glare): again in \([0-9]*\) ms.*/\1/p' "$sb_tmp/daemon.log")
[ -n "$ms" ] && [ "$ms" -ge 2100 ] && [ "$ms" -le 4000 ]
tap_ok $? "the re-INVITE that met 491 was sent again after $ms ms (2100..4000)" ||
	tap_diag "$(grep -h 're-INVITE' "$sb_tmp/daemon.log")"
wait "$srtp_pid"; wait "$drtp_pid"
pids=
srv=$(cat "$sb_tmp/server-rtp.json")
door=$(cat "$sb_tmp/door-rtp.json")
tap_diag "rtp at the server: $srv" "rtp at the station: $door" \
	"$(grep -h 're-INVITE\|says\|now uses' "$sb_tmp/daemon.log")"
echo "$srv" | json_get "j['rx'] > 500 and len(j['ssrcs']) == 1 and j['breaks'] == 0" | grep -q True
tap_ok $? "toward the server: one SSRC, sequence unbroken through hold, resume and codec change" ||
	tap_diag "server: $srv"
echo "$door" | json_get "j['switched'] and j['rx_after_switch'].get('0', 0) > 20" | grep -q True
tap_ok $? "toward the station: PCMU after its codec change" || tap_diag "door: $door"
echo "$door" | json_get "len(j['ssrcs']) == 1 and j['breaks'] == 0" | grep -q True
tap_ok $? "toward the station: one SSRC, sequence unbroken across the codec change" ||
	tap_diag "door: $door"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
