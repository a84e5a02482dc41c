#!/bin/sh
# 203-sip-trace-cloud.sh: `trace sip --follow` shows the cloud leg's messages decrypted. The cloud
# (kamailio over TLS in a network namespace of its own, baresip registered there as alice) calls
# channel 801, whose station is not registered: the follower sees the INVITE the daemon received
# over TLS from the cloud's address, as text, and the final answer the daemon sent back.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers kamailio openssl baresip
tap_plan 5

follow_pid=
cleanup203() {
	[ -n "$follow_pid" ] && kill "$follow_pid" 2>/dev/null
	sb_baresip_stop
	sb_sip_cleanup
}
trap cleanup203 EXIT

sip_port=$(sb_free_port)
sb_cloud_up alice

sb_port_range rtp
sb_license_calls 2 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t203"; rtp_ports = [ $rtp, $((rtp + 18)) ]; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; };
stations = ( { user = "door"; password = "door-203-secret"; } );
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "801"; target = "station:door"; } ); } );
CONF
sb_start c.conf && ctl license install "$lic_file" >/dev/null
sb_poll 15 sb_cloud_registered
tap_ok $? "daemon up, channel 801 registered in the cloud" || tap_diag "$(ctl show cloud)"

timeout 60 "$SYMBRIDGECTL" -s "$sb_tmp/ctl.sock" trace sip --follow >"$sb_tmp/follow.out" 2>"$sb_tmp/follow.err" &
follow_pid=$!
greeted() { grep -q '^--- following SIP messages' "$sb_tmp/follow.out"; }
sb_poll 10 greeted && ctl trace sip on >/dev/null
tap_ok $? "trace sip --follow open, trace on" || tap_diag "$(cat "$sb_tmp/follow.err")"

sb_baresip dial "sip:801@127.0.0.1:$kp" >/dev/null
seen() {
	grep -q '^--- recv from tls ' "$sb_tmp/follow.out" &&
		grep -q '^INVITE sip:801@' "$sb_tmp/follow.out" &&
		grep -q '^--- send to tls ' "$sb_tmp/follow.out" &&
		grep -Eq '^SIP/2.0 [4-6][0-9][0-9] ' "$sb_tmp/follow.out"
}
sb_poll 20 seen
tap_ok $? "the follower sees the cloud's INVITE received over TLS, as text, and the final answer sent back" ||
	tap_diag "$(head -40 "$sb_tmp/follow.out")" "$(grep -i trace "$sb_tmp/daemon.log" | head -5)"
sb_baresip hangup >/dev/null 2>&1

ctl trace sip off >/dev/null
sb_baresip_stop
sb_stop
tap_ok $? "daemon exits 0"
tap_done
