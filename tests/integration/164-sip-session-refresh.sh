#!/bin/sh
# 164-sip-session-refresh.sh: session timers (RFC 4028), the other half of 164: the station
# refreshes its 90 s session with an UPDATE after 40 s (answered 200 with Session-Expires), so
# its leg is still up after the 80 s at which an unrefreshed one ends; hangup from the CLI then
# ends the call normally (cause 16). About 90 s.
. "$top_srcdir/tests/lib/timer.sh"
tap_plan 7

timer_call 164 "200 OK" 's/@REFRESH@/40000/'

# the unrefreshed leg of test 161 ends 80 s after the answer: look past that
late() { [ $(($(date +%s) - t_up)) -ge 86 ] || [ "$(call state)" != up ]; }
sb_poll 100 late
[ "$(call state)" = up ]
tap_ok $? "refreshed by its UPDATE, the call is still up $(($(date +%s) - t_up)) s after the answer" ||
	tap_diag "$(tail -8 "$sb_tmp/daemon.log")"
id=$(call id)
ctl hangup "$id" >/dev/null
wait "$door_pid"
tap_ok $? "the station's UPDATE got 200 with Session-Expires: 90;refresher=uac; the hangup's BYE came" ||
	tap_diag "$(tail -15 "$sb_tmp/door.out")" "$(tail -8 "$sb_tmp/daemon.log")"
wait "$srv_pid"
tap_ok $? "the server: the bridge refreshed its side with UPDATE, then BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/server.out")" "$(tail -8 "$sb_tmp/daemon.log")"
pids=
rec=$(ctl --json cdr show "$(ctl --json cdr list | json_get "j['rows'][0]['id']")")
echo "$rec" | json_get "j['item']['a_q850'] != 102 and j['item']['b_q850'] != 102" | grep -q True
tap_ok $? "the call record gives no timer cause" || tap_diag "$rec"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
