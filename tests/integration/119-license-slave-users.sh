#!/bin/sh
# 119-license-slave-users.sh: issue 16, part 2: per-user licenses (UC, apps) on a central slave
# come from the license master: `license assign` answers when the master answered (granted, or
# refused with the master's reason), the master records the grant for that slave and user
# (show license-nodes FOR, show licenses), the UC's included apps ask nothing; the grant survives
# a slave restart and a master restart counted once; a master that does not answer in time, or
# is gone, makes the command fail master-unreachable (a late grant goes back); an unassign while
# the master is away gives the grant back when it returns.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers openssl
tap_plan 11
. "$top_srcdir/tests/lib/licnode.sh"

licnode_pki || { echo "Bail out! no test PKI"; exit 1; }
licnode_key
licnode_sign HQ PBX-Port13=2 PBX-UC13=2

mport=$(sb_free_port)
sb_conf m.conf <<CONF
system: { name = "hq"; };
license: { public_key = "$pub"; mode = "master"; listen = "127.0.0.1:$mport"; $(licnode_tls ca-server) };
CONF
sb_conf c.conf <<CONF
system: { name = "branch"; };
license: { public_key = "$pub"; mode = "central"; prefetch = 1; master = [ "127.0.0.1:$mport" ];
  $(licnode_tls ca-device) };
CONF

# uc NODE: "installed in_use source" of PBX-UC in NODE's show licenses
uc() {
	nctl "$1" --json show licenses 2>/dev/null | json_get \
		"[' '.join(str(x[f]) for f in ('installed', 'in_use', 'source')) for x in j['rows'] if x['kind'] == 'PBX-UC'][0]" 2>/dev/null
}
# users: the per-user grants the master records for branch (FOR of show license-nodes, the
# kinds other than the Port), e.g. "PBX-UC: user alice, user bob"
users() {
	nodes m "'; '.join(p for p in r['branch']['for'].split('; ') if not p.startswith('PBX-Port'))"
}
# run NODE WORDS...: run license WORDS on NODE; "EXIT reason message" of its JSON reply
run() {
	_n=$1
	shift
	_out=$(nctl "$_n" --json license "$@" 2>&1)
	_rc=$?
	printf '%s %s' "$_rc" "$(printf '%s' "$_out" | json_get "'%s %s' % (j.get('item', {}).get('reason'), j.get('message', j.get('error')))" 2>/dev/null)"
}

node m && nctl m license install "$sb_tmp/HQ.lic" >/dev/null && node c &&
	expect "connected" 15 is nodes m "r['branch']['state']"
tap_ok $? "master (2 UC) and a central slave without licenses of its own start and connect" ||
	tap_diag "$(tail -5 "$sb_tmp"/*.log)"

out=$(run c assign UC alice)
case $out in "0 ok PBX-UC assigned to user alice, granted by license master hq") true ;; *) false ;; esac &&
	[ "$(users)" = "PBX-UC: user alice" ] && [ "$(uc m) | $(uc c)" = "2 1 local | 1 1 master hq" ]
tap_ok $? "assign UC alice on the slave: granted by the master, which records it for branch and alice" ||
	tap_diag "$out" "$(nctl m show license-nodes)" "$(nctl c show licenses)"

out=$(run c assign 'App(phone)' alice)
case $out in "0 ok App(phone) assigned to user alice (no license taken"*) true ;; *) false ;; esac &&
	[ "$(users)" = "PBX-UC: user alice" ]
tap_ok $? "the Phone App of alice is included in her UC: nothing asked of the master" ||
	tap_diag "$out" "$(nctl m show license-nodes)"

run c assign UC bob >/dev/null && out=$(run c assign UC carol)
case $out in "1 exhausted PBX-UC for user carol refused by license master hq: exhausted: 2 of 2 PBX-UC in use"*) true ;; *) false ;; esac &&
	[ "$(users)" = "PBX-UC: user alice, user bob" ]
tap_ok $? "bob takes the second UC; carol is refused with the master's reason (exhausted)" ||
	tap_diag "$out" "$(nctl m show license-nodes)"

out=$(run c unassign UC bob)
case $out in "0 None PBX-UC taken from user bob (given back to master hq)") true ;; *) false ;; esac &&
	expect "PBX-UC: user alice" 10 is users && [ "$(uc m)" = "2 1 local" ]
tap_ok $? "unassign UC bob: the grant goes back to the master (1 in use there)" ||
	tap_diag "$out" "$(nctl m show license-nodes)"

node_stop c && node c && [ "$(uc c)" = "1 1 master hq" ] &&
	expect "connected" 15 is nodes m "r['branch']['state']" &&
	[ "$(users) | $(uc m)" = "PBX-UC: user alice | 2 1 local" ]
tap_ok $? "slave restarted: alice's UC is in use from its cached grant at once, counted once by the master" ||
	tap_diag "$(nctl c show licenses)" "$(nctl m show license-nodes)" "$(tail -5 "$sb_tmp/c.log")"

node_stop m && node m && expect "connected" 30 is nodes m "r['branch']['state']" &&
	[ "$(users) | $(uc m) | $(uc c)" = "PBX-UC: user alice | 2 1 local | 1 1 master hq" ]
tap_ok $? "master restarted: the grant comes back from its store, counted once" ||
	tap_diag "$(nctl m show license-nodes)" "$(nctl m show licenses)"

# a master that does not answer (stopped): the command fails after its wait, the late grant
# goes back when the master runs again
kill -STOP "$pid_m"
out=$(run c assign UC dave)
kill -CONT "$pid_m"
case $out in "1 master-unreachable PBX-UC for user dave: master-unreachable: license master hq did not answer within 5 s"*) true ;; *) false ;; esac
tap_ok $? "a master that does not answer: the assignment fails master-unreachable after 5 s" ||
	tap_diag "$out"
sb_poll 15 grep -q 'license master hq granted PBX-UC for user dave after the asker stopped waiting: it goes back' "$sb_tmp/c.log" &&
	expect "PBX-UC: user alice" 15 is users && [ "$(uc m)" = "2 1 local" ] &&
	! nctl c --json show license-nodes | grep -q 'user dave'
tap_ok $? "its late grant is given back: the master counts alice only" ||
	tap_diag "$(nctl m show license-nodes)" "$(tail -5 "$sb_tmp/c.log")"

node_stop m KILL 2>/dev/null
expect "unreachable" 15 is nodes c "r['hq']['state']"
out=$(run c assign UC erin)
case $out in "1 master-unreachable PBX-UC for user erin: master-unreachable: license master hq is unreachable"*) true ;; *) false ;; esac
tap_ok $? "the master gone: an assignment fails at once, master-unreachable" || tap_diag "$out"

out=$(run c unassign UC alice)
case $out in "0 None PBX-UC taken from user alice (given back to master hq when it is reachable again)") true ;; *) false ;; esac &&
	node m && expect "connected" 30 is nodes m "r['branch']['state']" &&
	expect "" 15 is users && [ "$(uc m)" = "2 0 local" ]
tap_ok $? "unassigned while the master was gone: the grant goes back when it returns (0 in use)" ||
	tap_diag "$out" "$(nctl m show license-nodes)" "$(nctl m show licenses)"
tap_done
