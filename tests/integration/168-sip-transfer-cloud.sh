#!/bin/sh
# 168-sip-transfer-cloud.sh: blind transfer asked by the cloud, as its call queue does it: baresip
# (the cloud client, behind kamailio over TLS) calls channel 100, station door answers; baresip's
# own transfer command sends REFER to 401 over kamailio; station desk answers and takes the
# cloud's place: baresip's call ends, door and desk talk through the bridge.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp kamailio baresip
tap_plan 10

pids=
cleanup168() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_baresip_stop; sb_sip_cleanup; }
trap cleanup168 EXIT

sip_port=$(sb_free_port)
sb_cloud_up queue manual

sb_port_range rtp
sb_license_calls 4 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t168"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; };
stations = ( { user = "door"; password = "door-secret-168"; },
             { user = "desk"; password = "desk-secret-168"; } );
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "100"; target = "station:door"; }, { number = "401"; target = "station:desk"; } ); } );
CONF
sb_start c.conf && ctl license install "$lic_file" >/dev/null
sb_poll 15 sb_cloud_registered
tap_ok $? "daemon up, registered in the cloud" || tap_diag "$(ctl show cloud)"

# door and desk: a sipp UAS each that answers and waits for the BYE, RTP on smp / kmp
smp=$(sb_free_port)
kmp=$(sb_free_port)
ok=0
for s in door desk; do
	up=$(sb_free_port)
	mp=$smp
	[ $s = desk ] && mp=$kmp
	sed "s/@EARLY@/180 Ringing/; s/@DELAY@/300/; s/@MPORT@/$mp/g" \
		"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/uas-$s.xml"
	(cd "$sb_tmp" && exec timeout 90 sipp -sf "uas-$s.xml" -i 127.0.0.1 -p "$up" -m 1 -nostdin \
		-timeout 80s -timeout_error -trace_msg -message_file "uas-$s.log" \
		>"uas-$s.out" 2>&1) &
	eval "uas_pid_$s=$!"
	pids="$pids $!"
	sb_wait_listen "$up"
	sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$up;transport=udp>/" \
		"$top_srcdir/tests/peers/sipp/register.xml" >"$sb_tmp/reg-$s.xml"
	sed -i "s/@USER@/$s/g; s/@EXPIRES@/300/; s/@WANT@/200/" "$sb_tmp/reg-$s.xml"
	(cd "$sb_tmp" && timeout 30 sipp -sf "reg-$s.xml" -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
		-au "$s" -ap "$s-secret-168" -timeout 10s -timeout_error -nostdin \
		"127.0.0.1:$sip_port" >"reg-$s.out" 2>&1) && ok=$((ok + 1))
done
[ $ok = 2 ]
tap_ok $? "stations door and desk registered"

sb_baresip dial "sip:100@$sb_cloud_ip:$kp" >/dev/null
call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
sb_poll 20 up
tap_ok $? "the cloud's call to 100 is answered by door" ||
	tap_diag "$(ctl show calls)" "$(tail -20 "$sb_tmp/daemon.log")"
id=$(call id)

# door's media goes to the port the bridge offered it; desk's end answers what reaches it
bport=$(awk '/^INVITE sip:door@/ { m = 1 } m && /^m=audio/ { print $2; exit }' "$sb_tmp/uas-door.log")
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$smp" 14 "$bport" \
	>"$sb_tmp/door-rtp.json" 2>&1 &
pids="$pids $!"
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$kmp" 10 - \
	>"$sb_tmp/desk-rtp.json" 2>&1 &
pids="$pids $!"

sb_baresip transfer "sip:401@$sb_cloud_ip:$kp" >/dev/null
moved() {
	ctl --json show calls | python3 -c "
import json, sys; rows = json.load(sys.stdin)['rows']
sys.exit(0 if len(rows) == 1 and rows[0]['from_card'] == 'station:desk' and
	rows[0]['to_card'] == 'station:door' and rows[0]['state'] == 'up' else 1)"
}
sb_poll 20 moved
tap_ok $? "baresip's REFER to 401: desk answered and took the cloud's place in call $id" ||
	tap_diag "$(ctl show calls)" "$(tail -20 "$sb_tmp/daemon.log")"
grep -q "transfer asked by queue succeeded (NOTIFY 200)" "$sb_tmp/daemon.log"
tap_ok $? "the final NOTIFY to the cloud said 200 OK" || tap_diag "$(grep -i transfer "$sb_tmp/daemon.log")"
gone() { grep -q "Call with sip:100@$sb_cloud_ip:$kp;transport=tls terminated" "$sb_tmp/baresip.log"; }
sb_poll 10 gone
tap_ok $? "baresip's own call ended: the transferor's leg is gone" ||
	tap_diag "$(tail -5 "$sb_tmp/baresip.log")"
flowing() {
	ctl --json show calls | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
sys.exit(0 if all(r.get(k, 0) > 20 for k in ('a_rx_packets', 'a_tx_packets', 'b_rx_packets', 'b_tx_packets')) else 1)"
}
sb_poll 10 flowing
tap_ok $? "audio flows between door and desk: packets rise on both legs" ||
	tap_diag "$(ctl --json show calls)"
ctl hangup "$id" >/dev/null
wait "$uas_pid_door" && wait "$uas_pid_desk"
tap_ok $? "hangup: door and desk get BYE" || tap_diag "$(tail -12 "$sb_tmp/uas-desk.out")"
pids=
sb_baresip_stop
sb_stop
tap_ok $? "daemon exits 0"
tap_done
