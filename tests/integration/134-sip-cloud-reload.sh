#!/bin/sh
# 134-sip-cloud-reload.sh: a reload re-syncs the cloud registrations. Registered with channels
# 100 and 200, a call from the cloud to 100 running; the file then has 100, 300 and 301 (200
# gone) and the daemon gets SIGHUP. Checked: within 5 s show cloud lists 100, 300 and 301
# registered and not 200; kamailio saw REGISTERs for 300 and 301 and the unregister of 200
# (Expires: 0); the running call is undisturbed; the cloud's call to 300 reaches its station, one
# to 200 is refused by the registrar (404).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers kamailio openssl sipp baresip
tap_plan 11

cleanup134() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap cleanup134 EXIT

sip_port=$(sb_free_port)
sb_cloud_up cloudy manual

sb_port_range rtp
sb_license_calls 2 1
# conf CHANNELS: the daemon's configuration with these sym-bridge channels
conf() {
	sb_conf c.conf <<CONF
$lic_conf
system: { name = "t134"; rtp_ports = [ $rtp, $((rtp + 98)) ]; max_call_seconds = 120; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; };
stations = ( { user = "door"; password = "door-secret-134"; },
             { user = "gate"; password = "gate-secret-134"; } );
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = ( $1 ); } );
CONF
}
conf '{ number = "100"; target = "station:door"; }, { number = "200"; target = "station:gate"; }'
sb_start c.conf && ctl license install "$lic_file" >/dev/null
sb_poll 15 sb_cloud_registered
tap_ok $? "registered with channels 100 and 200" ||
	{ tap_diag "$(ctl show cloud)" "$(tail -20 "$sb_tmp/daemon.log")"; exit 1; }

# station USER: a sipp UAS registered as USER that answers one call, its media rtp-peer.py
station() {
	_up=$(sb_free_port)
	_mp=$(sb_free_port)
	sed "s/@EARLY@/180 Ringing/; s/@DELAY@/200/; s/@MPORT@/$_mp/g" \
		"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/uas-$1.xml"
	python3 -W ignore "$top_srcdir/tests/peers/rtp-peer.py" "$_mp" 30 440 60 \
		>"$sb_tmp/rtp-$1.json" 2>"$sb_tmp/rtp-$1.err" &
	pids="$pids $!"
	(cd "$sb_tmp" && exec timeout 90 sipp -sf "uas-$1.xml" -i 127.0.0.1 -p "$_up" -m 1 \
		-nostdin -timeout 80s -timeout_error >"uas-$1.out" 2>&1) &
	eval "uas_$1=$!"
	pids="$pids $!"
	sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$_up;transport=udp>/" \
		"$top_srcdir/tests/peers/sipp/register.xml" |
		sed "s/@USER@/$1/g; s/@EXPIRES@/300/; s/@WANT@/200/" >"$sb_tmp/reg-$1.xml"
	(cd "$sb_tmp" && timeout 30 sipp -sf "reg-$1.xml" -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
		-au "$1" -ap "$1-secret-134" -timeout 10s -timeout_error -nostdin \
		"127.0.0.1:$sip_port" >"reg-$1.out" 2>&1)
}
# calls: id:state:a_rx for each call
calls() { ctl --json show calls | json_get "' '.join('%s:%s:%s' % (r['id'], r['state'], r.get('a_rx_packets', 0)) for r in j['rows'])"; }
rx_of() { calls | tr ' ' '\n' | sed -n "s/^$1:up://p"; }
up_n() { [ "$(calls | tr ' ' '\n' | grep -c ':up:')" = "$1" ]; }

station door
sb_baresip dial "sip:100@$sb_cloud_ip:$kp" >/dev/null
sb_poll 20 up_n 1
tap_ok $? "the cloud calls 100: the door station answers" || tap_diag "$(ctl show calls)"
first=$(calls | cut -d: -f1)

# the new file: 100 stays, 200 goes, 300 and 301 come
conf '{ number = "100"; target = "station:door"; }, { number = "300"; target = "station:gate"; },
  { number = "301"; target = "station:gate"; }'
t0=$(date +%s.%N)
kill -HUP "$sb_pid"
synced() {
	ctl --json show cloud | python3 -c "
import json, sys; j = json.load(sys.stdin); i = j['item']
d = sorted(x.split()[0] for x in j['details'] if 'registered, expires' in x)
sys.exit(0 if i['state'] == 'registered' and i['identities'] == 3 and i['registered'] == 3
         and d == ['100', '300', '301'] else 1)"
}
sb_poll 5 synced
rc=$?
dt=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")
tap_ok $rc "SIGHUP: within 5 s show cloud lists 100, 300 and 301 registered, not 200 (${dt} s)" ||
	tap_diag "$(ctl show cloud)" "$(tail -10 "$sb_tmp/daemon.log")"
kamlog() { grep "$1" "$sb_tmp/kam.log" | tail -1; }
at_kam() {
	grep -q "REGISTER sips:$sb_cloud_ip:$kp from sip:300@.* expires=3600\$" "$sb_tmp/kam.log" &&
		grep -q "REGISTER sips:$sb_cloud_ip:$kp from sip:301@.* expires=3600\$" "$sb_tmp/kam.log" &&
		grep -q "REGISTER sips:$sb_cloud_ip:$kp from sip:200@.* expires=0\$" "$sb_tmp/kam.log"
}
sb_poll 5 at_kam
tap_ok $? "kamailio saw 300 and 301 registered and 200 unregistered (Expires: 0)" ||
	tap_diag "$(grep REGISTER "$sb_tmp/kam.log" | tail -6)"
kamlog "REGISTER from sip:200@" | grep -q "contact=\\*"
tap_ok $? "the unregister of 200 removes every binding of it (Contact: *)" ||
	tap_diag "$(kamlog "REGISTER from sip:200@")"

rx1=$(rx_of "$first")
rising() { [ "$(rx_of "$first")" -gt "$((rx1 + 25))" ] 2>/dev/null; }
sb_poll 5 rising
tap_ok $? "the call to 100 runs on across the reload (packets $rx1 -> $(rx_of "$first"))" ||
	tap_diag "$(ctl show calls)"

# the cloud calls the new number 300: it reaches station gate
station gate
sb_baresip dial "sip:300@$sb_cloud_ip:$kp" >/dev/null
sb_poll 20 up_n 2
tap_ok $? "the cloud calls 300, added by the reload: the gate station answers" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"

# and 200, removed: the registrar has nobody for it
n404=$(grep -c "Not Found" "$sb_tmp/baresip.log")
sb_baresip dial "sip:200@$sb_cloud_ip:$kp" >/dev/null
refused() { [ "$(grep -c "Not Found" "$sb_tmp/baresip.log")" -gt "$n404" ]; }
sb_poll 10 refused
tap_ok $? "the cloud's call to 200, removed by the reload: 404 from the registrar" ||
	tap_diag "$(tail -5 "$sb_tmp/baresip.log")"

sb_baresip hangup >/dev/null
sb_baresip hangup >/dev/null
sb_poll 10 up_n 0
tap_ok $? "both calls end" || tap_diag "$(ctl show calls)"
pids=
sb_stop
tap_ok $? "daemon exits 0"
tap_done
