#!/bin/sh
# 116-license-master.sh: issue 16, part 2: a license master, a central slave and a standby master
# on loopback, each with its own state dir, control socket and certificate from a test PKI. The
# slave's stations take Ports granted by the master; a slave whose certificate comes from
# another CA is refused; kill -9 the master: the slave keeps its grants, new Ports beyond them are
# refused (master-unreachable); the standby refuses to take over while its Standby licenses do
# not cover its Ports and says why, takes over once they do and serves the slave; the master
# restarted (grants from its LMDB) takes the slave back and every count is exact.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers sipp openssl
tap_plan 16

. "$top_srcdir/tests/lib/licnode.sh"

licnode_pki || { echo "Bail out! no test PKI"; exit 1; }
licnode_key
licnode_sign PORTS PBX-Port13=4
licnode_sign SB2 PBX-Standby13=2
licnode_sign SB4 PBX-Standby13=2

mport=$(sb_free_port)
sport=$(sb_free_port)
sip_port=$(sb_free_port)
sb_conf m.conf <<CONF
system: { name = "hq"; };
license: { public_key = "$pub"; mode = "master"; listen = "127.0.0.1:$mport"; $(licnode_tls ca-server) };
CONF
sb_conf sb.conf <<CONF
system: { name = "hq-standby"; };
license: { public_key = "$pub"; mode = "master"; standby = true; master = [ "127.0.0.1:$mport" ];
  listen = "127.0.0.1:$sport"; takeover_seconds = 2; $(licnode_tls ca-server) };
CONF
sb_conf s.conf <<CONF
system: { name = "branch"; };
license: { public_key = "$pub"; mode = "central"; prefetch = 1;
  master = [ "127.0.0.1:$mport", "127.0.0.1:$sport" ]; $(licnode_tls ca-device) };
$(sb_sip_section "$sip_port")
stations = ( { user = "door"; password = "door-116"; }, { user = "desk"; password = "desk-116"; },
  { user = "hall"; password = "hall-116"; } );
CONF
sb_conf x.conf <<CONF
system: { name = "intruder"; };
license: { public_key = "$pub"; mode = "central"; master = [ "127.0.0.1:$mport" ];
  tls_certificate = "$sb_tmp/pki/other-device.crt"; tls_key = "$sb_tmp/pki/other-device.key";
  tls_ca = "$sb_tmp/pki/ca.pem"; };
CONF

node m && nctl m license install "$sb_tmp/PORTS.lic" >/dev/null &&
	node sb && nctl sb license install "$sb_tmp/PORTS.lic" >/dev/null &&
	nctl sb license install "$sb_tmp/SB2.lic" >/dev/null && node s
tap_ok $? "master (4 Ports), standby (4 Ports, 2 Standby) and central slave start" ||
	tap_diag "$(tail -5 "$sb_tmp"/*.log)"

expect "connected 1" 10 is nodes m "r['branch']['state'] + ' ' + str(r['branch']['held'])"
tap_ok $? "the slave connects and draws one Port ahead (prefetch 1)" ||
	tap_diag "$(nctl m show license-nodes)" "$(tail -5 "$sb_tmp/s.log")"

sb_sipp_register door door-116 300 200 && expect "2" 10 is nodes m "r['branch']['held']"
tap_ok $? "a station registers on the slave with the master's Port; the slave draws the next" ||
	tap_diag "$(nctl m show license-nodes)" "$(nctl s show licenses)"
[ "$(port s in_use) $(port s installed) $(port s source)" = "1 2 master hq" ] && [ "$(port m in_use)" = 2 ]
tap_ok $? "show licenses: the slave's Ports come from master hq (1 of 2 used), the master counts 2" ||
	tap_diag "$(nctl s show licenses)" "$(nctl m show licenses)"

node x
sb_poll 10 grep -q 'license slave connection refused.*certificate' "$sb_tmp/m.log"
tap_ok $? "a slave with a certificate from another CA is refused" || tap_diag "$(tail -3 "$sb_tmp/m.log")"
[ "$(nodes m "'intruder' in r")" = False ] && ! grep -q 'slave branch disconnected' "$sb_tmp/m.log"
tap_ok $? "it never becomes a license node; the good slave's connection is not disturbed" ||
	tap_diag "$(nctl m show license-nodes)" "$(grep disconnected "$sb_tmp/m.log")"
node_stop x

node_stop m KILL 2>/dev/null
expect "unreachable" 10 is nodes s "r['hq']['state']"
tap_ok $? "master killed: the slave sees it unreachable" || tap_diag "$(nctl s show license-nodes)"
sb_sipp_register desk desk-116 300 200
tap_ok $? "a second station takes the cached spare grant" || tap_diag "$(nctl s show licenses)"
sb_sipp_register hall hall-116 300 403 &&
	grep -q 'station hall cannot register.*master-unreachable' "$sb_tmp/s.log"
tap_ok $? "a third is refused: master-unreachable" || tap_diag "$(grep hall "$sb_tmp/s.log" | tail -2)"
[ "$(port s in_use)" = 2 ]
tap_ok $? "the registered stations keep their Ports" || tap_diag "$(nctl s show licenses)"

sb_poll 10 grep -q 'standby does not take over.*standby-short: 2 Standby installed, fewer than the 4 Ports' "$sb_tmp/sb.log"
tap_ok $? "the standby refuses to take over with 2 Standby for 4 Ports, and says why" ||
	tap_diag "$(grep -i standby "$sb_tmp/sb.log" | tail -3)"

nctl sb license install "$sb_tmp/SB4.lic" >/dev/null &&
	expect "connected" 30 is nodes sb "r['branch']['state']"
tap_ok $? "with 4 Standby it takes over and the slave fails over to it" ||
	tap_diag "$(nctl sb show license-nodes)" "$(tail -3 "$sb_tmp/s.log")"
sb_sipp_register hall hall-116 300 200 && expect "4" 10 is nodes sb "r['branch']['held']"
tap_ok $? "the standby grants: the third station registers" ||
	tap_diag "$(nctl sb show license-nodes)" "$(nctl s show licenses)"

node m && expect "connected 4" 30 is nodes m "r['branch']['state'] + ' ' + str(r['branch']['held'])"
tap_ok $? "the master restarted takes the slave back with its 4 grants" ||
	tap_diag "$(nctl m show license-nodes)" "$(tail -5 "$sb_tmp/s.log")"
[ "$(port m in_use)" = 4 ] && [ "$(port s in_use) $(port s installed)" = "3 4" ] &&
	[ "$(nodes sb "r['branch']['held']")" = 0 ]
tap_ok $? "counts exact: master 4 in use, slave 3 of 4, the standby holds none" ||
	tap_diag "$(nctl m show licenses)" "$(nctl s show licenses)" "$(nctl sb show license-nodes)"

node_stop s
tap_ok $? "the slave exits 0"
tap_done
