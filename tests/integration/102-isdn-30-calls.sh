#!/bin/sh
# 102-isdn-30-calls.sh: 30 simultaneous calls fill one E1 (and its partner span): all connect,
# show spans counts 30 busy B-channels, all release back to
# idle with 30 call records; then B-channel blocking: a blocked channel takes no calls.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 12

isdn_pair_conf
sb_start c.conf && isdn_license_install
tap_ok $? "daemon starts"
isdn_pair_peers
tap_ok $? "both spans up"
peer b auto-answer

t0=$(date +%s%N)
i=1
while [ $i -le 30 ]; do
	peer a call 100 49301$i
	i=$((i + 1))
done
peer_wait a '^answer ' 30
tap_ok $? "30 calls placed at once are all answered" || tap_diag "$(grep -c '^answer' "$sb_tmp/a.out") answered"
t1=$(date +%s%N)
tap_diag "30 calls SETUP to CONNECT through two spans in $(( (t1 - t0) / 1000000 )) ms"

wait_ctl 'len(j["rows"]) == 30 and all(r["state"] == "up" for r in j["rows"])' show calls
tap_ok $? "show calls lists 30 calls up" || tap_diag "$(ctl show calls | tail -3)"
wait_ctl 'all(r["busy"] == 30 and r["idle"] == 0 for r in j["rows"])' show spans
tap_ok $? "show spans: 30 busy B-channels on each span" || tap_diag "$(ctl show spans)"


i=1
while [ $i -le 30 ]; do
	peer a hangup $i 16
	i=$((i + 1))
done
peer_wait b '^hangup [0-9]+ cause 16' 30 && wait_ctl 'len(j["rows"]) == 0' show calls
tap_ok $? "30 releases from the caller reach the called side; no call is left" || tap_diag "$(grep -c '^hangup' "$sb_tmp/b.out")"
wait_ctl 'all(r["busy"] == 0 and r["idle"] == 30 for r in j["rows"])' show spans
tap_ok $? "every B-channel is idle again" || tap_diag "$(ctl show spans)"
n=$(ctl --json cdr list --limit 100 | json_get 'sum(1 for r in j["rows"] if r["reason"] == "normal")')
[ "$n" = 30 ]
tap_ok $? "30 call records with reason normal" || tap_diag "$n"

# the network side (span 3) places calls from the top: block 30, the next call takes 29
ctl span block 3 30 >/dev/null &&
	wait_ctl 'j["rows"][29]["state"] == "blocked"' show spans 3
tap_ok $? "span block 3 30 shows the channel blocked" || tap_diag "$(ctl show spans 3 | tail -3)"
peer a call 100 4930777
peer_wait b '^ring 31 from 4930777 to 555 channel 29 '
tap_ok $? "a call avoids the blocked channel" || tap_diag "$(tail -2 "$sb_tmp/b.out")"
peer a hangup 31 16
ctl span unblock 3 30 >/dev/null && wait_ctl 'j["rows"][29]["state"] == "idle" and j["rows"][28]["state"] == "idle"' show spans 3
tap_ok $? "span unblock puts it back" || tap_diag "$(ctl show spans 3 | tail -3)"

peer_stop a
peer_stop b
sb_stop
tap_ok $? "daemon stops cleanly (exit 0)"
tap_done
