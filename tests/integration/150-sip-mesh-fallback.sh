#!/bin/sh
# 150-sip-mesh-fallback.sh: mesh fallback end to end. Channel 100's target is baresip in the cloud
# (kamailio, TLS) and its fallback the station desk. Cloud up: a call to 100 is answered by
# baresip. kamailio stopped: show cloud says the link is down, a call between two stations still
# works, and a call to 100 rings desk, which answers. kamailio started again while that call is
# up: the registrations return within the bound of retry_max, the call stays up with its packet
# counters rising and ends normally later, and a new call to 100 goes to the cloud again.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers kamailio openssl sipp baresip
tap_plan 14

pids=
cleanup150() { sb_baresip_stop; for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap cleanup150 EXIT

sip_port=$(sb_free_port)
sb_cloud_up cloudy

sb_port_range rtp
sb_license_calls 4 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t150"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; retry_min = 1; retry_max = 2; keepalive_interval = 1; };
stations = ( { user = "door"; password = "door-secret-150"; },
             { user = "gate"; password = "gate-secret-150"; },
             { user = "desk"; password = "desk-secret-150"; } );
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "100"; target = "cloud:cloudy"; fallback = "station:desk"; },
  { number = "200"; target = "station:desk"; } ); } );
CONF
sb_start c.conf && ctl license install "$lic_file" >/dev/null
state() { ctl --json show cloud | json_get "j['item']['state']"; }
registered() { [ "$(state)" = registered ]; }
sb_poll 15 registered
tap_ok $? "daemon up, channel 100 registered in the cloud" || tap_diag "$(ctl show cloud)"

# call USER NUMBER HOLD_MS TAG: sipp as station USER calls NUMBER and hangs up after HOLD_MS;
# its media is rtp-peer.py playing 440 Hz, first, toward the port of the answer's SDP (the other
# side may be an rtp-peer.py too, which only plays back); pid in call_pid_TAG
call() {
	mp=$(sb_free_port)
	sed -e "s/@USER@/$1/g; s/@NUMBER@/$2/g; s/@MPORT@/$mp/g; s/@HOLD@/$3/g" \
		-e "/<!--BYE-WAITING-->/,/<!--\/BYE-WAITING-->/d" \
		"$top_srcdir/tests/peers/sipp/station-call.xml" >"$sb_tmp/call-$4.xml"
	python3 -W ignore "$top_srcdir/tests/peers/rtp-peer.py" "$mp" "$(($3 / 1000 + 1))" 440 20 \
		"$sb_tmp/call-$4.log" >"$sb_tmp/rtp-$4.json" 2>&1 &
	pids="$pids $!"
	sb_wait_listen "$mp"
	(cd "$sb_tmp" && exec timeout 60 sipp -sf "call-$4.xml" -i 127.0.0.1 -p "$(sb_free_port)" \
		-m 1 -au "$1" -ap "$1-secret-150" -timeout 40s -timeout_error -nostdin -trace_msg \
		-message_file "call-$4.log" "127.0.0.1:$sip_port" >"call-$4.out" 2>&1) &
	eval "call_pid_$4=$!"
	pids="$pids $!"
}
# desk TAG: station desk, a sipp UAS answering one call at once (its media: rtp-peer.py, which
# plays back 440 Hz once RTP arrives), registered with its port as contact
desk() {
	up=$(sb_free_port)
	mp=$(sb_free_port)
	sed "s/@EARLY@/180 Ringing/; s/@DELAY@/10/; s/@MPORT@/$mp/g" \
		"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/desk-$1.xml"
	python3 -W ignore "$top_srcdir/tests/peers/rtp-peer.py" "$mp" 20 440 30 \
		>"$sb_tmp/rtp-desk-$1.json" 2>&1 &
	pids="$pids $!"
	sb_wait_listen "$mp"
	(cd "$sb_tmp" && exec timeout 90 sipp -sf "desk-$1.xml" -i 127.0.0.1 -p "$up" -m 1 -nostdin \
		-timeout 60s -timeout_error -trace_msg -message_file "desk-$1.log" >"desk-$1.out" 2>&1) &
	eval "desk_pid_$1=$!"
	pids="$pids $!"
	sb_wait_listen "$up"
	sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$up;transport=udp>/; s/@USER@/desk/g; s/@EXPIRES@/300/; s/@WANT@/200/" \
		"$top_srcdir/tests/peers/sipp/register.xml" >"$sb_tmp/reg-desk.xml"
	(cd "$sb_tmp" && timeout 30 sipp -sf reg-desk.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
		-au desk -ap desk-secret-150 -timeout 10s -timeout_error -nostdin \
		"127.0.0.1:$sip_port" >"reg-desk-$1.out" 2>&1)
}
row() { ctl --json show calls | json_get "[r for r in j['rows'] if r['state'] == 'up' and r['caller'] == '$1'][0]['$2']" 2>/dev/null; }
up_to() { [ "$(row "$1" to_card)" = "$2" ]; }

# 1. the cloud is up: 100 rings baresip
call door 100 6000 cloud1
sb_poll 20 up_to door bridge && [ "$(row door called)" = cloudy ]
tap_ok $? "cloud up: door's call to 100 is answered by baresip in the cloud" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"
wait "$call_pid_cloud1"
tap_ok $? "door hangs up: BYE answered" || tap_diag "$(tail -10 "$sb_tmp/call-cloud1.out")"

# 2. the cloud goes away (the client first: kamailio keeps no registrations over a restart)
sb_baresip_stop
sb_kamailio_stop
sb_poll 15 sh -c "[ \"\$($SYMBRIDGECTL -s $sb_tmp/ctl.sock --json show cloud | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"item\"][\"state\"])')\" != registered ]"
out=$(ctl --json show cloud)
printf '%s' "$out" | python3 -c "
import json, sys; i = json.load(sys.stdin)['item']
assert i['state'] in ('waiting to retry', 'registering') and i['registered'] == 0, i
assert i['host'] is None and i['last_error'], i"
tap_ok $? "kamailio stopped: show cloud says the link is down ($(state))" || tap_diag "$out"

# 3. local calls do not need the cloud: gate calls 200, desk answers
desk local
call gate 200 1000 local
wait "$call_pid_local" && wait "$desk_pid_local"
tap_ok $? "cloud down: gate's call to 200 is answered by desk and ends with BYE" ||
	tap_diag "$(tail -10 "$sb_tmp/call-local.out")" "$(tail -10 "$sb_tmp/desk-local.out")"

# 4. a call to 100 rings the fallback, desk, and stays up across the cloud's return
desk fb
call door 100 25000 fb
sb_poll 20 up_to door station:desk
tap_ok $? "cloud down: door's call to 100 rings its fallback, desk, which answers" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"
grep -q 'to 100: ringing station:desk (the cloud link is down: fallback)' "$sb_tmp/daemon.log"
tap_ok $? "the log says why: the cloud link is down"
pkts() { ctl --json show calls | json_get "sum(r['a_rx_packets'] + r['b_rx_packets'] for r in j['rows'] if r['caller'] == 'door')"; }
sb_poll 5 sh -c "[ \$($SYMBRIDGECTL -s $sb_tmp/ctl.sock --json show calls | python3 -c 'import json,sys; print(sum(r[\"a_rx_packets\"] > 20 and r[\"b_rx_packets\"] > 20 for r in json.load(sys.stdin)[\"rows\"]))') = 1 ]"
p0=$(pkts)

sb_kamailio_start "$kp"
t0=$(date +%s.%N)
sb_poll 15 registered
rc=$?
dt=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")
# the bound: one pause of at most retry_max (2 s) and one REGISTER round trip
[ $rc -eq 0 ] && python3 -c "import sys; sys.exit(0 if $dt <= 4 else 1)"
tap_ok $? "kamailio back: registered again after $dt s (bound: retry_max 2 s + 2 s)" ||
	tap_diag "$(ctl show cloud)"
# audio after the return: the counters rise (polled: one reading can miss on a busy machine)
fb_alive() { p1=$(pkts); [ "$(row door to_card)" = station:desk ] && [ "$p1" -gt $((p0 + 40)) ]; }
sb_poll 5 fb_alive
tap_ok $? "the fallback call is still up across the return, its packets rising ($p0 -> $p1)" ||
	tap_diag "$(ctl show calls)"

# 5. new calls use the cloud again
sb_baresip_start cloudy "$kp"
call gate 100 5000 cloud2
sb_poll 20 up_to gate bridge && [ "$(row gate called)" = cloudy ]
tap_ok $? "cloud back: gate's call to 100 goes to baresip in the cloud again" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"
wait "$call_pid_cloud2"
tap_ok $? "gate hangs up the cloud call: BYE answered"
wait "$call_pid_fb" && wait "$desk_pid_fb"
tap_ok $? "the fallback call ends when door hangs up: desk received BYE, door got 200" ||
	tap_diag "$(tail -10 "$sb_tmp/call-fb.out")" "$(tail -10 "$sb_tmp/desk-fb.out")"
pids=
sb_baresip_stop
sb_stop
tap_ok $? "daemon exits 0"
tap_done
