#!/bin/sh
# 103-isdn-dchannel.sh: D-channel loss and return. With a call up across two spans, the peer of
# one span cuts its D-channel: the call ends on the other span with cause 38, the record is closed
# with that cause, show spans says down with the reason and every B-channel is idle; when the
# D-channel returns the span comes up by itself and carries calls again. Also: the other side
# cuts during ringing, and a peer that reconnects replaces its old connection.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 11

isdn_pair_conf
sb_start c.conf && isdn_license_install
tap_ok $? "daemon starts"
isdn_pair_peers
tap_ok $? "both spans up"

peer a call 100 4930123
peer_wait b '^ring 1 '
peer b answer 1
peer_wait a '^answer 1'
tap_ok $? "a call is up across both spans"

peer b drop-dchannel
peer_wait a '^hangup 1 cause 38'
tap_ok $? "the D-channel of span 3 is cut: the caller on span 2 gets cause 38" || tap_diag "$(tail -3 "$sb_tmp/a.out")"
wait_ctl 'any(r["slot"] == 3 and r["dchannel"] == "down" and r["busy"] == 0 and r["idle"] == 30 and "closed" in r["alarm"] for r in j["rows"])' show spans
tap_ok $? "show spans: span 3 down with the reason, every B-channel idle" || tap_diag "$(ctl show spans)"
wait_ctl 'len(j["rows"]) == 0' show calls &&
	wait_ctl 'all(r["busy"] == 0 for r in j["rows"])' show spans
tap_ok $? "no call is left, span 2 is idle too" || tap_diag "$(ctl show calls; ctl show spans)"
rec=$(ctl --json cdr list --limit 1)
echo "$rec" | json_get 'j["rows"][0]["state"] == "ended" and j["rows"][0]["reason"] == "failed"' | grep -q True &&
	ctl cdr show "$(echo "$rec" | json_get 'j["rows"][0]["id"]')" | grep -q 'a_q850: *38'
tap_ok $? "the call record is closed as failed, with cause 38" || tap_diag "$(ctl cdr show "$(echo "$rec" | json_get 'j["rows"][0]["id"]')")"

peer a call 100 4930123
peer_wait a '^released 2 cause 38'
tap_ok $? "while span 3 is down a call to it is refused with cause 38" || tap_diag "$(tail -2 "$sb_tmp/a.out")"

peer b restore
span_up 3
tap_ok $? "the D-channel returns: span 3 comes up by itself" || tap_diag "$(ctl show spans)"
peer a call 100 4930124
peer_wait b '^ring [0-9]+ from 4930124 ' && peer b answer 2 && peer_wait a '^answer 3' &&
	peer a hangup 3 16 && peer_wait b '^hangup 2 cause 16'
tap_ok $? "and carries calls again" || tap_diag "$(tail -3 "$sb_tmp/b.out")"

peer_stop a
peer_stop b
sb_stop
tap_ok $? "daemon stops cleanly (exit 0)"
tap_done
