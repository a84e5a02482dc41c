#!/bin/sh
# 253-cluster-license.sh: licences across an active/standby pair. Node a is the pair's active
# node and the licence master, node b its standby node and standby master (the same cluster
# section, its own license section), node s a third daemon, a central licence slave with
# stations. The shipped keepalived notify script sets the roles. Kill -9 a: b, still standby,
# waits for license.takeover_seconds (300 s); made active by the notify script it takes over at
# once, but only when its Standby licences cover its Ports (2 Standby for 4 Ports: it refuses and
# says why; meanwhile the slave uses its cached grants and refuses beyond them); with 4 Standby it
# serves at once and the slave's next station registers. a restarted comes up cluster standby
# but licence master again: the slave goes back to it with its grants, b stops serving, every
# count is exact.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers sipp openssl
tap_plan 12

. "$top_srcdir/tests/lib/licnode.sh"

licnode_pki || { echo "Bail out! no test PKI"; exit 1; }
licnode_key
licnode_sign PORTS PBX-Port13=4
licnode_sign SB2 PBX-Standby13=2
licnode_sign SB2B PBX-Standby13=2

aport=$(sb_free_port)
bport=$(sb_free_port)
sip_port=$(sb_free_port)
cluster='cluster: { role = "auto"; peer = "the other node of the pair"; };'
sb_conf a.conf <<CONF
system: { name = "pair-a"; };
$cluster
license: { public_key = "$pub"; mode = "master"; listen = "127.0.0.1:$aport"; $(licnode_tls ca-server) };
CONF
sb_conf b.conf <<CONF
system: { name = "pair-b"; };
$cluster
license: { public_key = "$pub"; mode = "master"; standby = true; master = [ "127.0.0.1:$aport" ];
  listen = "127.0.0.1:$bport"; $(licnode_tls ca-server) };
CONF
sb_conf s.conf <<CONF
system: { name = "branch"; };
license: { public_key = "$pub"; mode = "central"; prefetch = 1;
  master = [ "127.0.0.1:$aport", "127.0.0.1:$bport" ]; $(licnode_tls ca-device) };
$(sb_sip_section "$sip_port")
stations = ( { user = "door"; password = "door-253"; }, { user = "desk"; password = "desk-253"; },
  { user = "hall"; password = "hall-253"; } );
CONF

# vrrp NODE STATE: what keepalived's notify does on NODE for a VRRP transition to STATE
vrrp() {
	SYMBRIDGECTL="$SYMBRIDGECTL" SYMBRIDGE_CTL_SOCKET="$sb_tmp/$1.sock" \
		sh "$top_srcdir/packaging/examples/keepalived/symbridge-notify" INSTANCE symbridge "$2" >/dev/null
}
role() { nctl "$1" --json show cluster 2>/dev/null | json_get "j['item']['role']"; }
# served NODE: the licence listener's own word on NODE (serving or not, and why)
served() { nctl "$1" --json show license-nodes 2>/dev/null | json_get "j.get('message', '')"; }
serving() { nctl "$1" --json show license-nodes 2>/dev/null | json_get "j['item']['serving']"; }

node a && nctl a license install "$sb_tmp/PORTS.lic" >/dev/null &&
	node b && nctl b license install "$sb_tmp/PORTS.lic" >/dev/null &&
	nctl b license install "$sb_tmp/SB2.lic" >/dev/null && node s &&
	vrrp a MASTER && vrrp b BACKUP && [ "$(role a) $(role b)" = "active standby" ]
tap_ok $? "pair: a active and licence master (4 Ports), b standby and standby master (4 Ports, 2 Standby)" ||
	tap_diag "$(tail -5 "$sb_tmp"/*.log)"

expect "connected 1" 10 is nodes a "r['branch']['state'] + ' ' + str(r['branch']['held'])" &&
	sb_poll 10 sh -c "$SYMBRIDGECTL -s '$sb_tmp/b.sock' show license-nodes | grep -q 'its master is up'"
tap_ok $? "the slave draws from a; b watches a and does not serve" ||
	tap_diag "$(nctl a show license-nodes)" "$(nctl b show license-nodes)"

sb_sipp_register door door-253 300 200 && expect "2" 10 is nodes a "r['branch']['held']"
tap_ok $? "a station registers on the slave with a Port granted by a" ||
	tap_diag "$(nctl a show license-nodes)" "$(nctl s show licenses)"

node_stop a KILL 2>/dev/null
gone() { served b | grep -q 'its master is gone, takeover after 300 s'; }
sb_poll 10 gone && [ "$(serving b)" = False ]
tap_ok $? "a killed: b, still the standby node, waits takeover_seconds ($(served b))" ||
	tap_diag "$(nctl b show license-nodes)"

vrrp b MASTER && [ "$(role b)" = active ] &&
	sb_poll 10 grep -q 'standby does not take over.*standby-short: 2 Standby installed, fewer than the 4 Ports' "$sb_tmp/b.log" &&
	[ "$(serving b)" = False ]
tap_ok $? "b made active by keepalived's notify: with 2 Standby for 4 Ports it does not take over, and says why" ||
	tap_diag "$(nctl b show cluster)" "$(grep -i standby "$sb_tmp/b.log" | tail -3)"

sb_sipp_register desk desk-253 300 200
tap_ok $? "meanwhile the slave's second station takes its cached spare grant" ||
	tap_diag "$(nctl s show licenses)"
sb_sipp_register hall hall-253 300 403 &&
	grep -q 'station hall cannot register.*master-unreachable' "$sb_tmp/s.log"
tap_ok $? "and a third is refused: master-unreachable" || tap_diag "$(grep hall "$sb_tmp/s.log" | tail -2)"

t0=$(date +%s)
nctl b license install "$sb_tmp/SB2B.lic" >/dev/null &&
	expect "connected" 20 is nodes b "r['branch']['state']"
rc=$?
dt=$(($(date +%s) - t0))
[ $rc -eq 0 ] && [ $dt -le 20 ] && grep -q 'standby takes over as license master.*the active node of the cluster pair.*4 Standby cover the 4 Ports' "$sb_tmp/b.log"
tap_ok $? "with 4 Standby b takes over at once (the slave connected in $dt s, not after 300 s)" ||
	tap_diag "$(nctl b show license-nodes)" "$(tail -3 "$sb_tmp/s.log")"
sb_sipp_register hall hall-253 300 200 && expect "4" 10 is nodes b "r['branch']['held']"
tap_ok $? "b grants: the third station registers" ||
	tap_diag "$(nctl b show license-nodes)" "$(nctl s show licenses)"

node a && [ "$(role a)" = standby ] &&
	expect "connected 4" 30 is nodes a "r['branch']['state'] + ' ' + str(r['branch']['held'])"
tap_ok $? "a restarted: cluster standby (keepalived decides), licence master: the slave goes back with its 4 grants" ||
	tap_diag "$(nctl a show cluster)" "$(nctl a show license-nodes)" "$(tail -5 "$sb_tmp/s.log")"
sb_poll 10 sh -c "$SYMBRIDGECTL -s '$sb_tmp/b.sock' show license-nodes | grep -q 'its master is up'" &&
	[ "$(serving b)" = False ] && [ "$(port a in_use)" = 4 ] &&
	[ "$(port s in_use) $(port s installed)" = "3 4" ] && [ "$(nodes b "r['branch']['held']")" = 0 ]
tap_ok $? "counts exact: b stopped serving and holds none, a 4 in use, the slave 3 of 4" ||
	tap_diag "$(nctl b show license-nodes)" "$(nctl a show licenses)" "$(nctl s show licenses)"

node_stop s && node_stop b && node_stop a
tap_ok $? "the three daemons exit 0"
tap_done
