#!/bin/sh
# 165-sip-session-refresh-fails.sh: session timers (RFC 4028): the bridge refreshes the link
# leg (the server made it the refresher) with UPDATE at about half the interval, and the server
# answers 408: the session is gone (RFC 4028 section 10: 408 or 481 end it; any other refusal
# keeps the call), so the whole call ends at once (BYE to the station, long before its own
# session would expire), with cause 102 in the call record.
. "$top_srcdir/tests/lib/timer.sh"
tap_plan 7

timer_call 165 "408 Request Timeout" '/<!--REFRESH-->/,/<!--\/REFRESH-->/d; s/"se,refreshed"/"se"/'

wait "$door_pid"
tap_ok $? "the station gets BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/door.out")" "$(tail -8 "$sb_tmp/daemon.log")"
t_bye=$(date +%s)
# the dialog with the server is over with its 408 (sofia-sip ends it at once, RFC 3261
# 12.2.1.2, so no BYE goes there); its sipp is stopped here
grep -q '^UPDATE ' "$sb_tmp/server.log" && grep -q '^SIP/2.0 408 ' "$sb_tmp/server.log"
tap_ok $? "the server: the bridge refreshed with UPDATE, answered 408" ||
	tap_diag "$(tail -15 "$sb_tmp/server.out")" "$(tail -8 "$sb_tmp/daemon.log")"
kill "$srv_pid" 2>/dev/null
wait "$srv_pid" 2>/dev/null
pids=
# nua refreshes at about half the interval (39 s seen); the station's session would last
# until 80 s, so an end well before that is the refresh's
el=$((t_bye - t_up))
[ "$el" -ge 25 ] && [ "$el" -le 60 ]
tap_ok $? "the call ended $el s after the answer, at the failed refresh (25..60 s)"
id=$(ctl --json cdr list | json_get "j['rows'][0]['id']")
rec=$(ctl --json cdr show "$id")
echo "$rec" | json_get "j['item']['a_q850'] == 102 and j['item']['b_q850'] == 102" | grep -q True
tap_ok $? "the call record gives cause 102 (recovery on timer expiry)" || tap_diag "$rec"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
