#!/bin/sh
# 120-license-slave-cloud-call.sh: issue 16, part 2: a real cloud call through a central slave.
# The slave has no license file of its own: its sym-bridge card's L-SYM-BRIDGE and its
# station's Port come from the license master (show licenses: source master hq; the master's
# show license-nodes: for card 1, user door). Its channel 200 registers at the cloud (kamailio
# over TLS in its own network namespace); baresip there calls 200, the station answers. With the
# master gone and no cache left (grace_hours = 0) the next call from the cloud is refused with
# 503 / cause 47, master-unreachable in the log and in the call record.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers kamailio openssl sipp baresip
tap_plan 9
. "$top_srcdir/tests/lib/licnode.sh"
cleanup120() { sb_baresip_stop; licnode_cleanup; }
trap cleanup120 EXIT

sb_pki ca >/dev/null
kp=$(sb_free_port)
sb_kamailio_start "$kp" && sb_baresip_start cloudy "$kp"
tap_ok $? "the cloud at $sb_cloud_ip: kamailio on $kp, baresip registered there" ||
	{ tap_diag "$(tail -5 "$sb_tmp/kam.log")" "$(tail -5 "$sb_tmp/baresip.log")"; exit 1; }

licnode_key
licnode_sign HQ PBX-Port13=2 L-SYM-BRIDGE=1 L-SIS-11=1
mport=$(sb_free_port)
sip_port=$(sb_free_port)
sb_port_range rtp
sb_conf m.conf <<CONF
system: { name = "hq"; };
license: { public_key = "$pub"; mode = "master"; listen = "127.0.0.1:$mport"; $(licnode_tls ca-server) };
CONF
sb_conf c.conf <<CONF
system: { name = "branch"; rtp_ports = [ $rtp, $((rtp + 98)) ]; max_call_seconds = 60; };
license: { public_key = "$pub"; mode = "central"; prefetch = 1; grace_hours = 0;
  master = [ "127.0.0.1:$mport" ]; $(licnode_tls ca-device) };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; };
stations = ( { user = "door"; password = "door-secret-120"; } );
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "200"; target = "station:door"; } ); } );
CONF
ctl() { nctl c "$@"; }
# row KIND: "installed in_use source state" of that kind in the slave's show licenses
row() {
	ctl --json show licenses 2>/dev/null | json_get \
		"[' '.join(str(x[f]) for f in ('installed', 'in_use', 'source', 'state')) for x in j['rows'] if x['kind'] == '$1'][0]" 2>/dev/null
}

node m && nctl m license install "$sb_tmp/HQ.lic" >/dev/null && node c &&
	sb_poll 20 sb_cloud_registered &&
	expect "1 1 master hq usable" 15 is row L-SYM-BRIDGE
tap_ok $? "the slave registers channel 200 in the cloud with the L-SYM-BRIDGE of master hq" ||
	tap_diag "$(ctl show cloud)" "$(ctl show licenses)" "$(tail -5 "$sb_tmp/c.log")"
[ "$(nctl c --json show license-files | json_get 'len(j["rows"])')" = 0 ]
tap_ok $? "the slave has no license file of its own"

# the station door: a sipp UAS registered with its contact (its media: rtp-peer.py)
up_port=$(sb_free_port)
mp=$(sb_free_port)
sed "s/@EARLY@/180 Ringing/; s/@DELAY@/200/; s/@MPORT@/$mp/g" \
	"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/uas.xml"
python3 -W ignore "$top_srcdir/tests/peers/rtp-peer.py" "$mp" 4 440 30 >"$sb_tmp/rtp.json" \
	2>"$sb_tmp/rtp.err" &
pids="$pids $!"
(cd "$sb_tmp" && exec timeout 60 sipp -sf uas.xml -i 127.0.0.1 -p "$up_port" -m 1 -nostdin \
	-timeout 40s -timeout_error >uas.out 2>&1) &
uas_pid=$!
pids="$pids $uas_pid"
sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$up_port;transport=udp>/" \
	"$top_srcdir/tests/peers/sipp/register.xml" |
	sed "s/@USER@/door/g; s/@EXPIRES@/300/; s/@WANT@/200/" >"$sb_tmp/reg.xml"
(cd "$sb_tmp" && timeout 30 sipp -sf reg.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-au door -ap door-secret-120 -timeout 10s -timeout_error -nostdin \
	"127.0.0.1:$sip_port" >reg.out 2>&1) &&
	expect "L-SYM-BRIDGE: card 1|PBX-Port: user door" 15 is nodes m \
		"'|'.join(k + ': ' + ', '.join(sorted(o for o in v.split(', ') if not o.startswith('trunk spare/'))) for k, v in sorted(p.split(': ', 1) for p in r['branch']['for'].split('; ')))"
tap_ok $? "door registers: the master records the slave's card 1 and station door" ||
	tap_diag "$(nctl m show license-nodes)" "$(cat "$sb_tmp/reg.out" | tail -5)"

call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
none() { [ "$(ctl --json show calls | json_get "len(j['rows'])")" = 0 ]; }
sb_baresip dial "sip:200@$sb_cloud_ip:$kp" >/dev/null
sb_poll 20 up
tap_ok $? "baresip's call from the cloud to channel 200 is answered by the station" ||
	tap_diag "$(ctl show calls)" "$(tail -20 "$sb_tmp/c.log")"
[ "$(row L-SYM-BRIDGE) | $(row PBX-Port)" = "1 1 master hq usable | 2 1 master hq usable" ]
tap_ok $? "during the call the slave uses the master's licenses (L-SYM-BRIDGE, the station's Port)" ||
	tap_diag "$(ctl show licenses)"
sb_baresip hangup >/dev/null
wait "$uas_pid"
sb_poll 5 none
ctl --json cdr list | json_get '[(r["called"], r["reason"]) for r in j["rows"]][:1]' |
	grep -qx "\[('200', 'normal')\]"
tap_ok $? "the call ends normally, its record says so" || tap_diag "$(ctl cdr list)"

# the master gone, grace_hours = 0: the cached grants are not usable any more
node_stop m KILL 2>/dev/null
gone() { row L-SYM-BRIDGE | awk '{ print $1, $3, $4, $5 }'; }
expect "0 master hq unusable" 15 is gone
tap_ok $? "master gone: no cache left for the card (grace_hours = 0)" || tap_diag "$(ctl show licenses)"
sb_baresip dial "sip:200@$sb_cloud_ip:$kp" >/dev/null
refused() {
	grep -q "reply 503 to INVITE from $sb_host_ip:" "$sb_tmp/kam.log" &&
		grep -q 'call from cloudy to 200 refused (cause 47): card 1 (bridge) is not licensed: master-unreachable: master hq is unreachable' "$sb_tmp/c.log" &&
		ctl --json cdr list | json_get '[(r["called"], r["reason"]) for r in j["rows"]][:1]' |
		grep -qx "\[('200', 'license-master-unreachable')\]"
}
sb_poll 20 refused
tap_ok $? "the next call from the cloud: 503, cause 47, master-unreachable in the log and the record" ||
	tap_diag "$(grep 'reply' "$sb_tmp/kam.log" | tail -2)" "$(grep -i 'refused' "$sb_tmp/c.log" | tail -2)" \
		"$(ctl cdr list | head -3)"
sb_baresip hangup >/dev/null 2>&1
tap_done
