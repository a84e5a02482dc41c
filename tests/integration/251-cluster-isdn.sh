#!/bin/sh
# 251-cluster-isdn.sh: a standby node keeps its ISDN spans up and refuses every SETUP with cause
# 34 (no circuit/channel available: the PBX routes to the active node), with a call record
# saying standby; `cluster activate` takes calls on the same spans at once, and `cluster standby`
# leaves a call that is up alone. The libpri peer (tests/peers/isdn-peer.c) has no SERVICE
# messages, so the standby refuses SETUPs rather than taking its B-channels out of service.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 5

isdn_pair_conf
printf 'cluster: { role = "auto"; };\n' >>"$sb_tmp/c.conf"
sb_start c.conf && isdn_license_install && isdn_pair_peers &&
	[ "$(ctl --json show cluster | json_get "j['item']['role']")" = standby ]
tap_ok $? "role auto: the node starts standby with both spans up" || tap_diag "$(ctl show spans)"

peer a call 100 4930123
peer_wait a '^(released|hangup) 1 cause 34'
recs=$(ctl --json cdr list | json_get '[r["reason"] for r in j["rows"]]')
printf '%s' "$recs" | grep -q standby && ! grep -q '^ring' "$sb_tmp/b.out"
tap_ok $? "standby: a SETUP is refused with cause 34, recorded as standby ($recs), nothing rings" ||
	tap_diag "$(tail -3 "$sb_tmp/a.out")"

ctl cluster activate >/dev/null
peer a call 100 4930124
peer_wait b '^ring 1 from 4930124 to 555 ' && peer b answer 1 && peer_wait a '^answer 2'
tap_ok $? "cluster activate: the next SETUP is routed and answered on span 3" ||
	tap_diag "$(tail -3 "$sb_tmp/a.out")" "$(tail -3 "$sb_tmp/b.out")"

ctl cluster standby >/dev/null
peer a call 100 4930125
peer_wait a '^(released|hangup) 3 cause 34' && [ "$(ctl --json show calls | json_get 'len(j["rows"])')" = 1 ]
tap_ok $? "cluster standby: the call up goes on, a new SETUP is refused with cause 34" ||
	tap_diag "$(tail -3 "$sb_tmp/a.out")" "$(ctl show calls)"

peer b hangup 1 16
peer_wait a '^hangup 2 cause 16' && sb_stop
tap_ok $? "the call ends normally, the daemon exits 0"
tap_done
