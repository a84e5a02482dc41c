#!/bin/sh
# 201-sip-trace.sh: symbridgectl trace sip: with the trace on, a REGISTER and a call (sipp
# station door calls 400, placed on a link card to a sipp intercom server) reach the log as
# complete messages with direction, transport and peer, and a `trace sip --follow` client sees
# the INVITE and the 200 as they pass; trace off ends the follower and the logging; a follower
# that goes away (Ctrl-C) is forgotten.
. "$top_srcdir/tests/lib/linkcall.sh"
tap_plan 14

linkcall_conf 201 | sb_conf c.conf
linkcall_server link-server.xml "s/@DELAY@/300/" 40
linkcall_start c.conf

[ "$(ctl --json trace sip | json_get 'j["item"]["trace"]')" = off ]
tap_ok $? "trace sip: off at start"

# the follower, ready once its greeting is there
timeout 90 "$SYMBRIDGECTL" -s "$sb_tmp/ctl.sock" trace sip --follow >"$sb_tmp/follow.out" 2>"$sb_tmp/follow.err" &
follow_pid=$!
pids="$pids $follow_pid"
greeted() { grep -q '^--- following SIP messages' "$sb_tmp/follow.out"; }
sb_poll 10 greeted
tap_ok $? "trace sip --follow: the stream opens" || tap_diag "$(cat "$sb_tmp/follow.err")"
out=$(ctl trace sip on)
tap_ok $? "trace sip on ($out)"

sb_sipp_register door "$door_pw" 300 200
tap_ok $? "door registers (digest)" || tap_diag "$(tail -5 "$sb_tmp/sipp-door-200.out")"
linkcall_station station-call.xml \
	"s/@HOLD@/3000/g; /<!--BYE-WAITING-->/,/<!--\/BYE-WAITING-->/d" 30
wait "$door_pid"

# the follower saw the INVITE from door and the 200 the server sent, each under its header
seen() {
	grep -q '^--- recv from udp 127\.0\.0\.1:[0-9]* ([0-9]* bytes)' "$sb_tmp/follow.out" &&
		grep -q '^INVITE sip:400@' "$sb_tmp/follow.out" &&
		grep -q '^--- send to udp 127\.0\.0\.1:'"$lp"' ' "$sb_tmp/follow.out" &&
		grep -q '^INVITE sip:555@127\.0\.0\.1:'"$lp" "$sb_tmp/follow.out" &&
		grep -q '^SIP/2.0 200 OK' "$sb_tmp/follow.out" &&
		grep -q '^BYE sip:' "$sb_tmp/follow.out"
}
sb_poll 10 seen
tap_ok $? "the follower sees the INVITE (station side and link side), the 200 and the BYE" ||
	tap_diag "$(head -60 "$sb_tmp/follow.out")"
awk '/^INVITE sip:400@/ { m = 1 } m && /^$/ { exit } m' "$sb_tmp/follow.out" |
	grep -q '^Content-Type: application/sdp' &&
	grep -q '^m=audio' "$sb_tmp/follow.out"
tap_ok $? "whole messages: headers and the SDP body"

# the log: the same messages, each line under one number
n=$(sed -n 's/.*notice sip: trace \([0-9]*\): recv from udp 127\.0\.0\.1:[0-9]* (.*bytes).*/\1/p' \
	"$sb_tmp/daemon.log" | head -1)
grep -q "notice sip: trace [0-9]*: | REGISTER sip:127.0.0.1:$sip_port SIP/2.0" "$sb_tmp/daemon.log" &&
	grep -q "notice sip: trace [0-9]*: | Authorization: Digest username=\"door\"" "$sb_tmp/daemon.log" &&
	grep -q "notice sip: trace [0-9]*: | INVITE sip:555@127.0.0.1:$lp" "$sb_tmp/daemon.log" &&
	[ -n "$n" ]
tap_ok $? "the log has the REGISTER (with its Authorization) and the INVITE, line by line" ||
	tap_diag "$(grep 'trace' "$sb_tmp/daemon.log" | head -20)"
! grep -q "$door_pw" "$sb_tmp/daemon.log" "$sb_tmp/follow.out"
tap_ok $? "the station's password appears nowhere (only the digest response)"

out=$(ctl trace sip off)
wait "$follow_pid"; rc=$?
[ $rc -eq 0 ] && tail -1 "$sb_tmp/follow.out" | grep -q '^--- sip trace off'
tap_ok $? "trace sip off ends the follower, exit 0 ($out)" || tap_diag "rc $rc" "$(tail -3 "$sb_tmp/follow.out")"
before=$(grep -c 'notice sip: trace ' "$sb_tmp/daemon.log")
sb_sipp_register door "$door_pw" 300 200 &&
	[ "$(grep -c 'notice sip: trace ' "$sb_tmp/daemon.log")" = "$before" ]
tap_ok $? "after trace off a REGISTER is not logged"

# a follower that goes away: Ctrl-C
timeout 90 "$SYMBRIDGECTL" -s "$sb_tmp/ctl.sock" trace sip --follow >"$sb_tmp/follow2.out" 2>&1 &
f2=$!
greeted2() { grep -q '^--- following' "$sb_tmp/follow2.out"; }
sb_poll 10 greeted2 && kill -INT "$f2" && wait "$f2"
gone() { [ "$(ctl --json trace sip | json_get 'j["item"]["followers"]')" = 0 ]; }
sb_poll 10 gone && grep -q 'sip trace followed by uid' "$sb_tmp/daemon.log"
tap_ok $? "a follower stopped with Ctrl-C is forgotten (followers 0)"
wait "$srv_pid"
pids=
sb_stop
tap_ok $? "daemon exits 0"
tap_done
