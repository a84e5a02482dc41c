#!/bin/sh
# 133-sip-cloud-address.sh: the cloud on another host. kamailio and baresip run in a network
# namespace of their own, reached over a veth pair ($sb_host_ip here, $sb_cloud_ip there); the
# daemon runs with its default wildcard addresses. Checked: it registers there, its Contact and
# the SDP it sends the cloud (offer of a call to the cloud, answer to a call from it) name its
# address on that link (not 127.0.0.1), RTP flows both ways on both calls, and every request
# from the cloud came over the connection the daemon opened. show channels says which channel a
# call is on while it runs.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers kamailio openssl sipp baresip
tap_plan 16

cleanup133() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap cleanup133 EXIT

sip_port=$(sb_free_port)
sb_cloud_up cloudy

sb_port_range rtp
sb_license_calls 2 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t133"; rtp_ports = [ $rtp, $((rtp + 98)) ]; max_call_seconds = 60; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; };
stations = ( { user = "door"; password = "door-secret-133"; } );
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "100"; target = "cloud:cloudy"; }, { number = "200"; target = "station:door"; } ); } );
CONF
sb_start c.conf && ctl license install "$lic_file" >/dev/null
sb_poll 15 sb_cloud_registered
tap_ok $? "the daemon registers channels 100 and 200 at $sb_cloud_ip" ||
	{ tap_diag "$(ctl show cloud)" "$(tail -20 "$sb_tmp/daemon.log")"; exit 1; }

# kamailio logs each request's source, Contact and c= line (tests/peers/kamailio/kamailio.cfg)
kam() { grep "$1" "$sb_tmp/kam.log" | tail -1; }
reg=$(kam "REGISTER from sip:100@.* at $sb_host_ip:")
printf '%s' "$reg" | grep -q "contact=<sip:100@$sb_host_ip:[0-9]*;transport=tls>"
tap_ok $? "the REGISTER came from $sb_host_ip with a Contact at that address" ||
	tap_diag "$reg" "$(grep REGISTER "$sb_tmp/kam.log" | tail -3)"

call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
none() { [ "$(ctl --json show calls | json_get "len(j['rows'])")" = 0 ]; }
# chans: "number:state:call" of each channel of slot 1
chans() { ctl --json show channels 1 | json_get "' '.join('%s:%s:%s' % (r['number'], r['state'], r['call']) for r in j['rows'])"; }
flowing() {
	ctl --json show calls | python3 -c "
import json, sys; r = (json.load(sys.stdin)['rows'] or [{}])[0]
sys.exit(0 if all(r.get(k, 0) > 20 for k in ('a_rx_packets', 'a_tx_packets', 'b_rx_packets', 'b_tx_packets')) else 1)"
}

# 1. station door (sipp) calls 100 -> cloud:cloudy, answered by baresip
mp=$(sb_free_port)
sed -e "s/@USER@/door/g; s/@NUMBER@/100/g; s/@MPORT@/$mp/g; s/@HOLD@/12000/g" \
	-e "/<!--BYE-WAITING-->/,/<!--\/BYE-/d" \
	"$top_srcdir/tests/peers/sipp/station-call.xml" >"$sb_tmp/station.xml"
python3 -W ignore "$top_srcdir/tests/peers/rtp-peer.py" "$mp" 11 440 20 >"$sb_tmp/rtp1.json" \
	2>"$sb_tmp/rtp1.err" &
pids="$pids $!"
(cd "$sb_tmp" && exec timeout 60 sipp -sf station.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-au door -ap door-secret-133 -timeout 40s -timeout_error -nostdin \
	"127.0.0.1:$sip_port" >station.out 2>&1) &
st_pid=$!
pids="$pids $st_pid"
sb_poll 20 up
tap_ok $? "the station's call to 100 is answered by baresip in the cloud" ||
	tap_diag "$(ctl show calls)" "$(tail -20 "$sb_tmp/daemon.log")"
inv=$(kam "INVITE from sip:100@.* at $sb_host_ip:")
printf '%s' "$inv" | grep -q "contact=<sip:100@$sb_host_ip:[0-9]*;transport=tls> sdp_c=c=IN IP4 $sb_host_ip\$"
tap_ok $? "our INVITE: Contact and SDP c= name $sb_host_ip" || tap_diag "$inv"
c=$(chans)
[ "$c" = "100:busy:$(call id) 200:idle:None" ]
tap_ok $? "show channels: 100 busy with the call's id, 200 idle ($c)"
sb_poll 10 flowing
tap_ok $? "RTP flows both ways on both legs" || tap_diag "$(ctl --json show calls)"
wait "$st_pid"
tap_ok $? "the station hangs up: BYE answered 200" || tap_diag "$(tail -20 "$sb_tmp/station.out")"
sb_poll 5 none

# 2. baresip calls 200 -> station door: a sipp UAS registered as door (its media: rtp-peer.py,
# which plays back to where the cloud's audio comes from)
up_port=$(sb_free_port)
mp=$(sb_free_port)
sed "s/@EARLY@/180 Ringing/; s/@DELAY@/200/; s/@MPORT@/$mp/g" \
	"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/uas.xml"
python3 -W ignore "$top_srcdir/tests/peers/rtp-peer.py" "$mp" 4 440 30 >"$sb_tmp/rtp2.json" \
	2>"$sb_tmp/rtp2.err" &
pids="$pids $!"
(cd "$sb_tmp" && exec timeout 60 sipp -sf uas.xml -i 127.0.0.1 -p "$up_port" -m 1 -nostdin \
	-timeout 40s -timeout_error >uas.out 2>&1) &
uas_pid=$!
pids="$pids $uas_pid"
sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$up_port;transport=udp>/" \
	"$top_srcdir/tests/peers/sipp/register.xml" |
	sed "s/@USER@/door/g; s/@EXPIRES@/300/; s/@WANT@/200/" >"$sb_tmp/reg.xml"
(cd "$sb_tmp" && timeout 30 sipp -sf reg.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-au door -ap door-secret-133 -timeout 10s -timeout_error -nostdin \
	"127.0.0.1:$sip_port" >reg.out 2>&1)
sb_baresip dial "sip:200@$sb_cloud_ip:$kp" >/dev/null
sb_poll 20 up
tap_ok $? "baresip's call to 200 reaches the station" ||
	tap_diag "$(ctl show calls)" "$(tail -20 "$sb_tmp/daemon.log")"
ans=$(kam "reply 200 to INVITE from $sb_host_ip:")
printf '%s' "$ans" | grep -q "contact=<sip:200@$sb_host_ip:[0-9]*;transport=tls> sdp_c=c=IN IP4 $sb_host_ip\$"
tap_ok $? "our 200 to the cloud: Contact and SDP c= name $sb_host_ip" || tap_diag "$ans"
c=$(chans)
[ "$c" = "100:idle:None 200:busy:$(call id)" ]
tap_ok $? "show channels: 200 busy with the call's id, 100 idle ($c)"
sb_poll 10 flowing
tap_ok $? "RTP flows both ways on both legs" || tap_diag "$(ctl --json show calls)"
sb_baresip hangup >/dev/null
wait "$uas_pid"
tap_ok $? "baresip hangs up: the station receives BYE" || tap_diag "$(tail -20 "$sb_tmp/uas.out")"
sb_poll 5 none
c=$(chans)
[ "$c" = "100:idle:None 200:idle:None" ]
tap_ok $? "show channels: both idle once the calls ended ($c)"

inbound=$(sb_inbound_conns "$sb_pid")
[ "$inbound" = 0 ]
tap_ok $? "no connection from the cloud to the daemon: everything came over ours ($inbound inbound)"
pids=
sb_stop
tap_ok $? "daemon exits 0"
tap_done
