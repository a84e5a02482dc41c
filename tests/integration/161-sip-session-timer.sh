#!/bin/sh
# 161-sip-session-timer.sh: session timers (RFC 4028) with sip.session_interval = 90 (the
# floor): the INVITE the bridge sends offers 90 s, the 200 it sends accepts the station's timer;
# on the link leg (the server makes the bridge the refresher) the bridge refreshes with UPDATE;
# the station, which was to refresh, never does: its leg expires, gets BYE, and so does the
# server, and the call record says cause 102 (recovery on timer expiry). About 85 s.
. "$top_srcdir/tests/lib/timer.sh"
tap_plan 7

timer_call 161 "200 OK" '/<!--REFRESH-->/,/<!--\/REFRESH-->/d; s/"se,refreshed"/"se"/'

wait "$door_pid"
tap_ok $? "the station: the 200 accepts its 90 s timer (refresher=uac); unrefreshed, it gets BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/door.out")" "$(tail -8 "$sb_tmp/daemon.log")"
t_bye=$(date +%s)
wait "$srv_pid"
tap_ok $? "the server: the INVITE offers 90 s, the bridge refreshes with UPDATE, then BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/server.out")" "$(tail -8 "$sb_tmp/daemon.log")"
pids=
# RFC 4028 section 10 lets the side that does not refresh end the session from
# interval - min(32, interval/3) = 60 s on; sofia-sip's nua does it at 80 s, before the 90 s
el=$((t_bye - t_up))
[ "$el" -ge 55 ] && [ "$el" -le 92 ]
tap_ok $? "the expired leg was ended $el s after the answer (60..90 s)"
id=$(ctl --json cdr list | json_get "j['rows'][0]['id']")
rec=$(ctl --json cdr show "$id")
echo "$rec" | json_get "j['item']['a_q850'] == 102 and j['item']['b_q850'] == 102" | grep -q True
tap_ok $? "the call record gives cause 102 (recovery on timer expiry)" || tap_diag "$rec"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
