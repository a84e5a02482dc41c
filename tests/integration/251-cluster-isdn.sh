#!/bin/sh
# 251-cluster-isdn.sh: a standby node keeps its ISDN spans up and refuses every SETUP with cause
# 34 (no circuit/channel available: the PBX routes to the active node), with a call record
# saying standby; `cluster activate` takes calls on the same spans at once, and `cluster standby`
# leaves a call that is up alone. With service_messages (a T1 span, switchtype ni2) the
# standby also takes every B-channel out of service with Q.931 SERVICE messages, when the
# D-channel comes up and on `cluster standby`, and puts them back on `cluster activate`: the
# libpri peer (the PBX) sees each change, acknowledges it, and places no call on a blocked span;
# a B-channel with a call up is left in service (the call goes on).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 10

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
for n in a b; do peer_stop $n; done
rm -f "$sb_tmp/a.in" "$sb_tmp/b.in" "$sb_tmp/a.out" "$sb_tmp/b.out"

# svc WORDS: until show spans says slot 2's SERVICE state is WORDS
svc() { wait_ctl "any(r['slot'] == 2 and r.get('service') == '$1' for r in j['rows'])" show spans; }
# service_messages: slot 2 a T1 span (ni2) whose B-channels the standby blocks by SERVICE
sed -i 's|{ slot = 2; type = "pri"; side = "cpe";|{ slot = 2; type = "pri"; side = "cpe"; framing = "t1"; switchtype = "ni2"; service_messages = true;|' \
	"$sb_tmp/c.conf"
sb_start c.conf && peer_start a 5 "$sb_tmp/a.sock" net t1 --switch ni2 &&
	peer_start b 6 "$sb_tmp/b.sock" cpe e1 && span_up 2 && span_up 3 &&
	peer_wait a '^service [0-9]+ out$' 23 &&
	svc 'out of service (acknowledged)'
tap_ok $? "standby with service_messages: SERVICE takes all 23 B-channels out of service when the D-channel comes up, the switch acknowledges" ||
	tap_diag "$(grep -c '^service' "$sb_tmp/a.out")" "$(grep 'span 2' "$sb_tmp/daemon.log" | tail -3)"

peer a call 100 4930126
peer_wait a '^error no channel'
tap_ok $? "the PBX places no call on the blocked span" || tap_diag "$(tail -3 "$sb_tmp/a.out")"

ctl cluster activate >/dev/null && peer_wait a '^service [0-9]+ in$' 23 &&
	svc 'in service (acknowledged)'
tap_ok $? "cluster activate: SERVICE puts all 23 back in service, acknowledged" ||
	tap_diag "$(grep -c 'in$' "$sb_tmp/a.out")"

peer a call 100 4930127
peer_wait b '^ring 1 from 4930127 to 555 '
tap_ok $? "the PBX's next call on that span is taken and routed" ||
	tap_diag "$(tail -3 "$sb_tmp/a.out")" "$(tail -3 "$sb_tmp/b.out")"

# standby with that call up: its B-channel stays in service (the call goes on), the other 22 go
ctl cluster standby >/dev/null && peer_wait a '^service [0-9]+ out$' 45 && svc 'out of service (acknowledged)' &&
	! peer_wait a '^service [0-9]+ out$' 46 1 && peer b hangup 1 16 && peer_wait a '^(hangup|released) [0-9]+ cause 16' &&
	sb_stop
tap_ok $? "cluster standby with a call up: 22 B-channels out of service, the call's left alone and it ends normally; exit 0" ||
	tap_diag "$(grep -c 'out$' "$sb_tmp/a.out")" "$(tail -3 "$sb_tmp/a.out")"
tap_done
