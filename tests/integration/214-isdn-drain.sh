#!/bin/sh
# 214-isdn-drain.sh: drain on ISDN: a call up through two PRI spans goes on, a new SETUP is
# refused with cause 41 (temporary failure) and gets a call record saying so; the call that was
# up ends normally and show status counts it down.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 5

isdn_pair_conf
sb_start c.conf && isdn_license_install && isdn_pair_peers
tap_ok $? "daemon up, both spans up" || tap_diag "$(ctl show spans)"

peer a call 100 4930123
peer_wait b '^ring 1 from 4930123 to 555 ' && peer b answer 1 && peer_wait a '^answer 1'
tap_ok $? "a call from span 2 to 100 is answered on span 3" || tap_diag "$(tail -3 "$sb_tmp/a.out")"

ctl drain >/dev/null
peer a call 100 4930124
peer_wait a '^(released|hangup) 2 cause 41'
tap_ok $? "draining: a new SETUP is refused with cause 41" || tap_diag "$(tail -3 "$sb_tmp/a.out")"
st=$(ctl --json show status | json_get "j['item']['state']")
[ "$st" = "draining (1 call remains)" ] && ! grep -q '^hangup 1' "$sb_tmp/a.out"
tap_ok $? "the call up goes on: $st"

peer b hangup 1 16
peer_wait a '^hangup 1 cause 16'
recs=$(ctl --json cdr list)
wait_ctl "j['item']['state'] == 'draining (0 calls remain)'" show status && printf '%s' "$recs" | json_get '[r["reason"] for r in j["rows"]][:1]' | grep -q "draining"
tap_ok $? "the call ended normally, status: 0 calls remain; the refused one has a record (draining)" ||
	tap_diag "$(ctl show status)" "$(printf '%s' "$recs" | head -c 600)"
tap_done
