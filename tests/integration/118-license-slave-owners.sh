#!/bin/sh
# 118-license-slave-owners.sh: issue 16, part 2: a central slave's grants are recorded by the
# master per slave and per owner: its sym-bridge card's L-SYM-BRIDGE (the card's channels to
# the cloud) comes from the master like its stations' Ports, the spare Port drawn ahead moves to
# the station that registers, a station that leaves gives back its own Port and no other's; the
# master restarted keeps every count exact; with the master gone the card keeps its cached
# grant and a second card's is refused master-unreachable, in show licenses; the master back, it
# is refused exhausted (the master has one) and nothing is counted twice.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers sipp openssl
tap_plan 10
. "$top_srcdir/tests/lib/licnode.sh"

licnode_pki || { echo "Bail out! no test PKI"; exit 1; }
licnode_key
licnode_sign HQ PBX-Port13=4 L-SYM-BRIDGE=1 L-SIS-11=1

mport=$(sb_free_port)
sip_port=$(sb_free_port)
sipp_port=$(sb_free_port) # desk keeps its address: its contact stays the same when it leaves
sb_conf m.conf <<CONF
system: { name = "hq"; };
license: { public_key = "$pub"; mode = "master"; listen = "127.0.0.1:$mport"; $(licnode_tls ca-server) };
CONF
# slave_conf CARDS: the central slave's config with those sym-bridge card slots
slave_conf() {
	_cards=
	for _s in "$@"; do
		_cards="$_cards${_cards:+, }{ slot = $_s; type = \"sym-bridge\"; channels = ( { number = \"${_s}00\"; target = \"station:door\"; } ); }"
	done
	sb_conf c.conf <<CONF
system: { name = "branch"; };
license: { public_key = "$pub"; mode = "central"; prefetch = 1; master = [ "127.0.0.1:$mport" ];
  $(licnode_tls ca-device) };
$(sb_sip_section "$sip_port")
stations = ( { user = "door"; password = "door-118"; }, { user = "desk"; password = "desk-118"; } );
cards = ( $_cards );
CONF
}
slave_conf 1

# owners M: what the master records for branch ("for" of show license-nodes), owners sorted
# within each kind, a spare's number left out: "L-SYM-BRIDGE: card 1|PBX-Port: trunk spare"
owners() {
	nodes "$1" "'|'.join(k + ': ' + ', '.join(sorted('trunk spare' if o.startswith('trunk spare/') else o for o in v.split(', '))) for k, v in sorted((p.split(': ', 1) for p in r['branch']['for'].split('; ')), reverse=True))"
}
# row NODE KIND: "installed in_use source state" of that kind in NODE's show licenses
row() {
	nctl "$1" --json show licenses 2>/dev/null | json_get \
		"[' '.join(str(x[f]) for f in ('installed', 'in_use', 'source', 'state')) for x in j['rows'] if x['kind'] == '$2'][0]" 2>/dev/null
}

node m && nctl m license install "$sb_tmp/HQ.lic" >/dev/null && node c
tap_ok $? "master (4 Ports, 1 L-SYM-BRIDGE) and a central slave with one sym-bridge card start" ||
	tap_diag "$(tail -5 "$sb_tmp"/*.log)"

expect "PBX-Port: trunk spare|L-SYM-BRIDGE: card 1" 15 is owners m
tap_ok $? "the master records the card's bridge license for card 1 and a spare Port, per owner" ||
	tap_diag "$(nctl m show license-nodes)" "$(tail -5 "$sb_tmp/c.log")"
[ "$(row c L-SYM-BRIDGE)" = "1 1 master hq usable" ] && [ "$(row m L-SYM-BRIDGE)" = "1 1 local usable" ]
tap_ok $? "show licenses: the slave's card uses the bridge license of master hq; the master counts it" ||
	tap_diag "$(nctl c show licenses)" "$(nctl m show licenses)"

sb_sipp_register door door-118 300 200 && sb_sipp_register desk desk-118 300 200 &&
	expect "PBX-Port: trunk spare, user desk, user door|L-SYM-BRIDGE: card 1" 15 is owners m &&
	[ "$(nodes m "r['branch']['held']")" = 4 ]
tap_ok $? "door and desk register: the spare moved to door, the next to desk, a new spare is drawn" ||
	tap_diag "$(nctl m show license-nodes)"

sb_sipp_register desk desk-118 0 200 &&
	expect "PBX-Port: trunk spare, user door|L-SYM-BRIDGE: card 1" 15 is owners m &&
	[ "$(nodes m "r['branch']['held']")" = 3 ]
tap_ok $? "desk leaves: its own Port goes back, door's stays (3 held: bridge, door, the spare)" ||
	tap_diag "$(nctl m show license-nodes)" "$(nctl c show license-nodes)"

before=$(owners m)
node_stop m && node m && expect "connected" 30 is nodes m "r['branch']['state']" &&
	[ "$(owners m)" = "$before" ] && [ "$(port m in_use) $(row m L-SYM-BRIDGE)" = "2 1 1 local usable" ]
tap_ok $? "master restarted: every grant back for the same owner, counts exact (2 Ports, 1 bridge)" ||
	tap_diag "$before" "$(nctl m show license-nodes)" "$(nctl m show licenses)"

node_stop m KILL 2>/dev/null
expect "unreachable" 10 is nodes c "r['hq']['state']"
slave_conf 1 2
# refused2: is card 2's bridge license refused master-unreachable in show licenses
refused2() {
	nctl c --json show licenses | json_get \
		'any("card 2" in d and "L-SYM-BRIDGE refused: master-unreachable" in d for d in j["details"])'
}
nctl c reload >/dev/null && expect True 10 is refused2
tap_ok $? "master gone: a second card's bridge license is refused master-unreachable" ||
	tap_diag "$(nctl c show licenses)"
[ "$(row c L-SYM-BRIDGE)" = "1 1 master hq usable" ]
tap_ok $? "the first card keeps its cached grant and stays usable" || tap_diag "$(nctl c show licenses)"

node m && expect "connected" 30 is nodes m "r['branch']['state']" &&
	sb_poll 15 grep -q 'license master hq grants no L-SYM-BRIDGE for card 2: exhausted' "$sb_tmp/c.log"
tap_ok $? "the master back: card 2's bridge license is refused exhausted (the master has one)" ||
	tap_diag "$(tail -5 "$sb_tmp/c.log")"
[ "$(owners m)" = "$before" ] && [ "$(port m in_use) $(row m L-SYM-BRIDGE)" = "2 1 1 local usable" ]
tap_ok $? "and nothing is counted twice: the same grants for the same owners" ||
	tap_diag "$(nctl m show license-nodes)" "$(nctl m show licenses)"
tap_done
