#!/bin/sh
# 233-mqtt-config.sh: the configuration topic. The cloud (kamailio and baresip in their network
# namespace, a mosquitto broker with TLS and client certificates) pushes on symbridge/t233/config
# a fragment that adds channel 300 to the sym-bridge card: the result topic says ok, the change is
# logged with its origin, 300 registers at the cloud and the cloud's call to it reaches its
# station. A bad fragment changes nothing and the result lists every error as FILE:LINE: key.
# A local reload and a restart keep the pushed channel.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
. "$top_srcdir/tests/lib/mqtt.sh"
sb_need_peers kamailio openssl sipp baresip mosquitto mosquitto_sub mosquitto_pub
tap_plan 13

pids=
cleanup233() {
	for p in $pids $mq_broker_pid $mq_pids; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	sb_sip_cleanup
}
trap cleanup233 EXIT

sb_pki ca >/dev/null
kp=$(sb_free_port)
bp=$(sb_free_port)
sip_port=$(sb_free_port)
sb_kamailio_start "$kp" && sb_baresip_start cloudy "$kp" manual &&
	mq_broker_start "$bp" && mq_sub sub233 'symbridge/t233/config/result'
tap_ok $? "the cloud: kamailio on $sb_cloud_ip:$kp, baresip registered; mosquitto on $bp" ||
	{ tap_diag "$(tail -5 "$sb_tmp/baresip.log")" "$(tail -5 "$sb_tmp/mq/broker.log")"; exit 1; }

sb_port_range rtp
sb_license_calls 2 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t233"; rtp_ports = [ $rtp, $((rtp + 98)) ]; max_call_seconds = 120; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; };
stations = ( { user = "door"; password = "door-secret-233"; },
             { user = "gate"; password = "gate-secret-233"; } );
cloud: { enabled = true; registrar = [ "sips:$sb_cloud_ip:$kp" ];
  tls: { ca_file = "$sb_tmp/pki/ca.pem"; cert_file = "$sb_tmp/pki/ca-device.crt";
         key_file = "$sb_tmp/pki/ca-device.key"; };
  mqtt: { broker = "127.0.0.1:$bp"; keepalive = 5; }; };
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge";
            channels = ( { number = "100"; target = "station:door"; } ); } );
CONF
# registered NUMBERS...: show cloud has exactly these numbers registered
registered() {
	ctl --json show cloud | python3 -c "
import json, sys; j = json.load(sys.stdin); i = j['item']
d = sorted(x.split()[0] for x in j['details'] if 'registered, expires' in x)
sys.exit(0 if i['state'] == 'registered' and d == sorted(sys.argv[1:]) else 1)" "$@"
}
mqtt_up() { ctl --json show mqtt | json_get "j['item']['mqtt']" | grep -qx connected; }
sb_start c.conf && ctl license install "$lic_file" >/dev/null && sb_poll 15 registered 100 &&
	sb_poll 15 mqtt_up
tap_ok $? "daemon up: channel 100 registered at the cloud, the mqtt channel connected" ||
	{ tap_diag "$(ctl show cloud)" "$(ctl show mqtt)" "$(tail -10 "$sb_tmp/daemon.log")"; exit 1; }

# results: the JSON answers so far, one a line
results() { sed -n 's|^symbridge/t233/config/result ||p' "$sb_tmp/sub233.out"; }
nres() { results | wc -l; }
has_results() { [ "$(nres)" -ge "$1" ]; }
last_result() { results | tail -1; }

cat >"$sb_tmp/good.conf" <<'FRAG'
# pushed by the cloud: the bridge card's channels
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge";
            channels = ( { number = "100"; target = "station:door"; },
                         { number = "300"; target = "station:gate"; } ); } );
FRAG
sum=$(sha256sum "$sb_tmp/good.conf" | cut -d' ' -f1)
mq_pub symbridge/t233/config "$sb_tmp/good.conf" && sb_poll 15 has_results 1 &&
	last_result | json_get "j['v'] == 1 and j['type'] == 'config-result' and j['device'] == 't233' and j['result'] == 'ok' and j['errors'] == [] and j['sha256'] == '$sum'" | grep -q True
tap_ok $? "a fragment adding channel 300 is pushed: the result topic says ok (with its sha256)" ||
	tap_diag "$(results)" "$(tail -10 "$sb_tmp/daemon.log")"

grep -q "config change (mqtt): channel 300 added on slot 1, target station:gate" "$sb_tmp/daemon.log" &&
	grep -q "configuration reloaded from .*cloud-config.conf (mqtt)" "$sb_tmp/daemon.log"
tap_ok $? "the change is logged with its origin (mqtt)" ||
	tap_diag "$(grep -i config "$sb_tmp/daemon.log" | tail -5)"

at_kam() { grep -q "REGISTER sips:$sb_cloud_ip:$kp from sip:300@.* expires=3600\$" "$sb_tmp/kam.log"; }
sb_poll 10 registered 100 300 && sb_poll 5 at_kam
tap_ok $? "channel 300 registered at the cloud (show cloud, kamailio's log)" ||
	tap_diag "$(ctl show cloud)" "$(grep REGISTER "$sb_tmp/kam.log" | tail -3)"

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
	pids="$pids $!"
	sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$_up;transport=udp>/" \
		"$top_srcdir/tests/peers/sipp/register.xml" |
		sed "s/@USER@/$1/g; s/@EXPIRES@/300/; s/@WANT@/200/" >"$sb_tmp/reg-$1.xml"
	(cd "$sb_tmp" && timeout 30 sipp -sf "reg-$1.xml" -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
		-au "$1" -ap "$1-secret-233" -timeout 10s -timeout_error -nostdin \
		"127.0.0.1:$sip_port" >"reg-$1.out" 2>&1)
}
up_n() { [ "$(ctl --json show calls | json_get "len([r for r in j['rows'] if r['state'] == 'up'])")" = "$1" ]; }
station gate
sb_baresip dial "sip:300@$sb_cloud_ip:$kp" >/dev/null && sb_poll 20 up_n 1 &&
	ctl --json show calls | json_get "j['rows'][0]['called']" | grep -qx gate &&
	grep -q "the cloud (cloudy) calls channel 300" "$sb_tmp/daemon.log"
tap_ok $? "the cloud calls 300, the pushed channel: the gate station answers" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"
sb_baresip hangup >/dev/null
sb_poll 10 up_n 0

# a bad fragment: a section it may not carry, a station that does not exist, a number that is not one
cat >"$sb_tmp/bad.conf" <<'FRAG'
stations = ( { user = "intruder"; password = "intruder-secret"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge";
            channels = ( { number = "100"; target = "station:nobody"; },
                         { number = "4x"; target = "cloud:reception"; } ); } );
FRAG
cp "$sb_tmp/state/cloud-config.conf" "$sb_tmp/kept.conf"
mq_pub symbridge/t233/config "$sb_tmp/bad.conf" && sb_poll 15 has_results 2 &&
	last_result | python3 -c "
import json, re, sys
j = json.load(sys.stdin)
assert j['result'] == 'refused', j
errs = j['errors']
new = '$sb_tmp/state/cloud-config.conf.new'
assert all(re.match(re.escape(new) + r':\d+: \S+: ', e) for e in errs), errs
want = [':1: stations: not allowed', ':3: cards[0].channels[0]: \"station:nobody\"',
        'cards[0].channels[1].number']
assert all(any(w in e for e in errs) for w in want), errs
print(len(errs))" >"$sb_tmp/nerr"
tap_ok $? "a bad fragment: refused, the result lists each error as FILE:LINE: key: ($(cat "$sb_tmp/nerr") errors)" ||
	tap_diag "$(last_result)"

cmp -s "$sb_tmp/kept.conf" "$sb_tmp/state/cloud-config.conf" &&
	[ ! -e "$sb_tmp/state/cloud-config.conf.new" ] && registered 100 300 &&
	grep -q "reload of .* refused, the running configuration stays: .* (mqtt)" "$sb_tmp/daemon.log"
tap_ok $? "the bad fragment changed nothing: the kept fragment, 100 and 300 registered" ||
	tap_diag "$(ctl show cloud)" "$(ls "$sb_tmp/state")"

out=$(ctl reload) && sb_poll 5 registered 100 300 &&
	ctl --json show channels | json_get "' '.join(r['number'] for r in j['rows'])" | grep -qx "100 300"
tap_ok $? "a local reload keeps the pushed channel" || tap_diag "$out" "$(ctl show channels)"

sb_stop && sb_start c.conf && sb_poll 15 registered 100 300 &&
	ctl --json show status | json_get "j['item']['config_pushed']" | grep -qx "$sb_tmp/state/cloud-config.conf"
tap_ok $? "a restart keeps it too: 100 and 300 registered again, show status names the kept fragment" ||
	tap_diag "$(ctl show cloud)" "$(tail -10 "$sb_tmp/daemon.log")"

"$SYMBRIDGED" -t -c "$sb_tmp/c.conf" --state-dir "$sb_tmp/state" 2>&1 | grep -q "test is successful" &&
	cp "$sb_tmp/bad.conf" "$sb_tmp/state/cloud-config.conf" &&
	! "$SYMBRIDGED" -t -c "$sb_tmp/c.conf" --state-dir "$sb_tmp/state" 2>"$sb_tmp/t.err" &&
	grep -q "cloud-config.conf:1: stations: not allowed" "$sb_tmp/t.err"
tap_ok $? "symbridged -t checks the kept fragment with the file" || tap_diag "$(cat "$sb_tmp/t.err")"
cp "$sb_tmp/kept.conf" "$sb_tmp/state/cloud-config.conf"

# an empty message: what was pushed goes (the file's channel 100 stays)
mq_pub symbridge/t233/config "" && sb_poll 15 has_results 3 &&
	last_result | json_get "j['result'] == 'ok' and j['bytes'] == 0" | grep -q True &&
	sb_poll 10 registered 100 && [ ! -e "$sb_tmp/state/cloud-config.conf" ] &&
	grep -q "config change (mqtt): channel 300 removed from slot 1" "$sb_tmp/daemon.log"
tap_ok $? "an empty push removes what was pushed: 300 unregistered, the kept file gone" ||
	tap_diag "$(last_result)" "$(ctl show cloud)" "$(ls "$sb_tmp/state")"

pids=
sb_stop
tap_ok $? "daemon exits 0"
tap_done
