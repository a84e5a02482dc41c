#!/bin/sh
# 141-sip-cloud-ring-group.sh: baresip in the cloud dials channel 100 through kamailio; the call
# arrives over our own TLS connection and rings the channel's ring group of three registered
# sipp stations at once; the second answers, the other two receive CANCEL; baresip hangs up and
# the station receives the BYE.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers kamailio openssl sipp baresip
tap_plan 11

pids=
cleanup141() {
	sb_baresip_stop
	for p in $pids; do kill "$p" 2>/dev/null; done
	sb_sip_cleanup
}
trap cleanup141 EXIT

sip_port=$(sb_free_port)
sb_cloud_up caller manual

sb_port_range rtp
sb_license_calls 4 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t141"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; };
stations = ( { user = "s1"; password = "station-secret-1"; },
             { user = "s2"; password = "station-secret-2"; },
             { user = "s3"; password = "station-secret-3"; } );
ring_groups = ( { name = "lobby"; members = [ "station:s1", "station:s2", "station:s3" ]; } );
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "100"; ring_group = "lobby"; } ); } );
CONF
sb_start c.conf && ctl license install "$lic_file" >/dev/null
sb_poll 15 sb_cloud_registered
tap_ok $? "daemon up, channel 100 registered in the cloud" || tap_diag "$(ctl show cloud)"

# three stations: a sipp UAS each (s2 answers after 1 s), registered with its UAS port as contact
ok=0
for s in s1 s2 s3; do
	up=$(sb_free_port)
	if [ $s = s2 ]; then
		sed "s/@EARLY@/180 Ringing/; s/@DELAY@/1000/; s/@MPORT@/$(sb_free_port)/g" \
			"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/uas-$s.xml"
	else
		cp "$top_srcdir/tests/peers/sipp/station-ring.xml" "$sb_tmp/uas-$s.xml"
	fi
	(cd "$sb_tmp" && exec timeout 60 sipp -sf "uas-$s.xml" -i 127.0.0.1 -p "$up" -m 1 -nostdin \
		-timeout 40s -timeout_error -trace_msg -message_file "uas-$s.log" \
		>"uas-$s.out" 2>&1) &
	eval "uas_pid_$s=$!"
	pids="$pids $!"
	sb_wait_listen "$up"
	sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$up;transport=udp>/" \
		"$top_srcdir/tests/peers/sipp/register.xml" >"$sb_tmp/reg-$s.xml"
	sed -i "s/@USER@/$s/g; s/@EXPIRES@/300/; s/@WANT@/200/" "$sb_tmp/reg-$s.xml"
	(cd "$sb_tmp" && timeout 30 sipp -sf "reg-$s.xml" -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
		-au "$s" -ap "station-secret-${s#s}" -timeout 10s -timeout_error -nostdin \
		"127.0.0.1:$sip_port" >"reg-$s.out" 2>&1) && ok=$((ok + 1))
done
[ $ok = 3 ] && [ "$(ctl --json show registrations | json_get "len(j['rows'])")" = 3 ]
tap_ok $? "three stations registered, each with its own sipp UAS as contact" ||
	tap_diag "$(ctl show registrations)"

sb_baresip dial "sip:100@$sb_cloud_ip:$kp" >/dev/null
call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
sb_poll 20 up
tap_ok $? "baresip's call to 100 arrives from the cloud and is answered by a station" ||
	tap_diag "$(ctl show calls)" "$(tail -20 "$sb_tmp/daemon.log")"
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert r['to_card'] == 'station:s2' and r['from_card'] == 'bridge', r
assert r['a_codec'] == 'G722' and r['a_srtp'] is True and r['b_codec'] == 'PCMA', r"
tap_ok $? "the second member answered: G.722/SRTP toward the cloud, A-law to the station" ||
	tap_diag "$out"
wait "$uas_pid_s1" && wait "$uas_pid_s3"
tap_ok $? "the two others received CANCEL (and 487/ACK completed)" ||
	tap_diag "$(tail -20 "$sb_tmp/uas-s1.out")"
grep -q '^CANCEL sip:s1@' "$sb_tmp/uas-s1.log" && grep -q '^CANCEL sip:s3@' "$sb_tmp/uas-s3.log" &&
	! grep -q '^CANCEL' "$sb_tmp/uas-s2.log"
tap_ok $? "CANCEL in the logs of s1 and s3, none at s2"
# the CANCEL's headers, as each station received them
cancel_reason() {
	python3 - "$1" <<'PY'
import re, sys
log = open(sys.argv[1], errors="replace").read()
m = re.search(r"^CANCEL .*?(?=\n\s*\n)", log, re.S | re.M)
print("\n".join(l.strip() for l in (m.group(0) if m else "").splitlines()
                if l.strip().lower().startswith("reason:")))
PY
}
want='Reason: SIP;cause=200;text="Call completed elsewhere"'
r1=$(cancel_reason "$sb_tmp/uas-s1.log")
r3=$(cancel_reason "$sb_tmp/uas-s3.log")
[ "$r1" = "$want" ] && [ "$r3" = "$want" ]
tap_ok $? "both CANCELs say why (RFC 3326): $want" || tap_diag "s1: $r1" "s3: $r3"
sb_baresip hangup >/dev/null
wait "$uas_pid_s2"
tap_ok $? "baresip hangs up: the station that answered receives BYE" ||
	tap_diag "$(tail -20 "$sb_tmp/uas-s2.out")"
# the call and its in-dialog requests came over the connection we opened: nothing connected
# to the daemon's own TLS listener (DESIGN.md: the appliance accepts no connection from the cloud)
inbound=$(sb_inbound_conns "$sb_pid")
[ "$inbound" = 0 ]
tap_ok $? "no connection from the cloud to the daemon: everything came over our own ($inbound inbound)"
pids=
sb_baresip_stop
sb_stop
tap_ok $? "daemon exits 0"
tap_done
