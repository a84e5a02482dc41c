#!/bin/sh
# 165-sip-session-refresh-fails.sh: session timers (RFC 4028): the bridge refreshes the link
# leg (the server made it the refresher) with UPDATE at about half the interval, and the server
# answers 503: the refresh failed, so the whole call ends at once (BYE to the server and to the
# station, long before the station's own session would expire), with cause 102 in the call
# record.
. "$top_srcdir/tests/lib/timer.sh"
tap_plan 7

timer_call 165 "503 Service Unavailable" '/<!--REFRESH-->/,/<!--\/REFRESH-->/d; s/"se,refreshed"/"se"/'

wait "$door_pid"
tap_ok $? "the station gets BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/door.out")" "$(tail -8 "$sb_tmp/daemon.log")"
t_bye=$(date +%s)
wait "$srv_pid"
tap_ok $? "the server: the bridge refreshes with UPDATE, answered 503, then BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/server.out")" "$(tail -8 "$sb_tmp/daemon.log")"
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
