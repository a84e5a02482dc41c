#!/bin/sh
# 117-license-slaves.sh: issue 16, part 2: a license master with a central and a decentral
# slave. The decentral one counts its own files and reports to the master (show license-nodes);
# the central one's grants survive its restart (cached in its store, reconciled on hello: the
# master counts them once) and the master's restart (its store); with grace_hours = 0 a central
# slave stops using its grants as soon as the master is gone, and uses them again when it is
# back.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers sipp openssl
tap_plan 11
. "$top_srcdir/tests/lib/licnode.sh"

licnode_pki || { echo "Bail out! no test PKI"; exit 1; }
licnode_key
licnode_sign PORTS PBX-Port13=4
licnode_sign OWN PBX-Port13=2

mport=$(sb_free_port)
sip_port=$(sb_free_port)
sb_conf m.conf <<CONF
system: { name = "hq"; };
license: { public_key = "$pub"; mode = "master"; listen = "127.0.0.1:$mport"; $(licnode_tls ca-server) };
CONF
sb_conf c.conf <<CONF
system: { name = "branch"; };
license: { public_key = "$pub"; mode = "central"; prefetch = 2; grace_hours = 0;
  master = [ "127.0.0.1:$mport" ]; $(licnode_tls ca-device) };
CONF
sb_conf d.conf <<CONF
system: { name = "depot"; };
license: { public_key = "$pub"; mode = "decentral"; master = [ "127.0.0.1:$mport" ];
  $(licnode_tls ca-device) };
$(sb_sip_section "$sip_port")
stations = ( { user = "gate"; password = "gate-117"; } );
CONF

node m && nctl m license install "$sb_tmp/PORTS.lic" >/dev/null && node c && node d &&
	nctl d license install "$sb_tmp/OWN.lic" >/dev/null
tap_ok $? "master (4 Ports), central slave and decentral slave (2 Ports of its own) start" ||
	tap_diag "$(tail -3 "$sb_tmp"/*.log)"

expect "connected 2 | connected decentral 0" 10 is nodes m \
	"'%s %d | %s %s %d' % (r['branch']['state'], r['branch']['held'], r['depot']['state'], r['depot']['role'], r['depot']['held'])"
tap_ok $? "the master lists both: the central one holds 2 Ports drawn ahead, the decentral none" ||
	tap_diag "$(nctl m show license-nodes)"

sb_sipp_register gate gate-117 300 200 &&
	expect "PBX-Port 1" 10 is nodes m "r['depot'].get('reported_in_use')"
tap_ok $? "a station on the decentral slave uses its own Port; its report reaches the master" ||
	tap_diag "$(nctl m --json show license-nodes)" "$(nctl d show licenses)"
[ "$(port d installed) $(port d in_use) $(port d source)" = "2 1 local" ] && [ "$(port m in_use)" = 2 ]
tap_ok $? "the decentral slave counts its own file; the master counts only the central's grants" ||
	tap_diag "$(nctl d show licenses)" "$(nctl m show licenses)"

node_stop c && expect "gone 2" 10 is nodes m "'%s %d' % (r['branch']['state'], r['branch']['held'])"
tap_ok $? "central slave stopped: the master keeps its 2 grants" || tap_diag "$(nctl m show license-nodes)"
node c && expect "connected 2" 10 is nodes m "'%s %d' % (r['branch']['state'], r['branch']['held'])" &&
	[ "$(port m in_use)" = 2 ] && [ "$(port c installed) $(port c source)" = "2 master hq" ]
tap_ok $? "restarted, it says hello with its cached grants: counted once (master 2 in use)" ||
	tap_diag "$(nctl m show licenses)" "$(nctl c show licenses)" "$(tail -3 "$sb_tmp/c.log")"

node_stop m && node m &&
	expect "connected 2" 30 is nodes m "'%s %d' % (r['branch']['state'], r['branch']['held'])" &&
	[ "$(port m in_use)" = 2 ]
tap_ok $? "master restarted: its store keeps the grants, the slave's hello matches them" ||
	tap_diag "$(nctl m show license-nodes)" "$(nctl m show licenses)"
[ "$(nodes m "r['branch']['last_contact'][:2]")" = 20 ]
tap_ok $? "last contact is a time" || tap_diag "$(nctl m show license-nodes)"

# usable PORTS: how many Ports the central slave counts as granted (no row when none)
usable() {
	nctl c --json show licenses |
		json_get "sum(x['installed'] for x in j['rows'] if x['kind'] == 'PBX-Port')"
}
node_stop m KILL 2>/dev/null
expect "0" 10 is usable
tap_ok $? "grace_hours = 0: the master gone, the central slave's grants are not usable" ||
	tap_diag "$(nctl c show licenses)" "$(tail -3 "$sb_tmp/c.log")"
grep -q 'no license master for 0 hours (license.grace_hours): the 2 granted licenses are no longer usable' "$sb_tmp/c.log"
tap_ok $? "and its log says so" || tap_diag "$(tail -3 "$sb_tmp/c.log")"
node m && expect "2" 30 is usable
tap_ok $? "the master back, they are usable again" || tap_diag "$(nctl c show licenses)"
tap_done
