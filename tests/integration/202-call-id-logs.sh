#!/bin/sh
# 202-call-id-logs.sh: the call id on every log line about a call, in every subsystem: an ISDN
# call (libpri peer, PRI E1) to a link card's intercom server (sipp), with every subsystem at
# debug; each line logged from the SETUP to the end that names the call's B-channel, its media
# session, a licence it takes or its record carries "call N".
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp
tap_plan 5

pids=
cleanup202() {
	for p in $pids $isdn_pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	sb_sip_cleanup
}
trap cleanup202 EXIT

sip_port=$(sb_free_port)
lp=$(sb_free_port)
sb_port_range rtp
sb_conf c.conf <<CONF
$(isdn_license_conf $ISDN_LICENSES)
system: { name = "t202"; log_level = "debug"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; };
cards = (
	{ slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
		{ number = "100"; target = "card:3/555"; } ); },
	{ slot = 2; type = "pri"; name = "trunk"; side = "cpe"; dchannel = "socket:$sb_tmp/a.sock"; },
	{ slot = 3; type = "link"; name = "intercom"; protocol = "net"; transport = "udp";
	  peer = "127.0.0.1:$lp"; }
);
CONF
sed "s/@DELAY@/300/; s/@MPORT@/$(sb_free_port)/g" "$top_srcdir/tests/peers/sipp/link-server.xml" \
	>"$sb_tmp/link-server.xml"
(cd "$sb_tmp" && exec timeout 60 sipp -sf link-server.xml -i 127.0.0.1 -p "$lp" -m 2 -nostdin \
	-timeout 40s -timeout_error >link-server.out 2>&1) &
pids="$pids $!"
sb_wait_listen "$lp"
sb_start c.conf && isdn_license_install
peer_start a 3 "$sb_tmp/a.sock" net e1 --audio
link_up() { [ "$(ctl --json show links | json_get "j['rows'][0]['state']")" = up ]; }
span_up 2 && sb_poll 10 link_up
tap_ok $? "the PRI span and the link are up" || tap_diag "$(ctl show spans)" "$(ctl show links)"

start=$(wc -l <"$sb_tmp/daemon.log")
peer a call 100 4930123
peer_wait a '^answer 1$'
tap_ok $? "SETUP for 100 answered by the server on the link" || tap_diag "$(tail -8 "$sb_tmp/daemon.log")"
id=$(ctl --json show calls | json_get "j['rows'][0]['id']")
ctl hangup "$id" >/dev/null
peer_wait a '^hangup 1'
ended() { [ "$(ctl --json show calls | json_get 'len(j["rows"])')" = 0 ]; }
sb_poll 10 ended
tap_ok $? "call $id ended from the CLI"

tail -n +"$((start + 1))" "$sb_tmp/daemon.log" >"$sb_tmp/call.log"
about=$(grep -iE 'B-channel|channel [0-9]|session|licen|Relay-|PBX-Port|record|span 2: (SETUP|DISCONNECT|RELEASE|CONNECT)' "$sb_tmp/call.log")
[ -n "$about" ] && [ "$(printf '%s\n' "$about" | grep -c " call $id")" -ge 3 ]
tap_ok $? "lines about the call's B-channel, session, licences and record were logged ($(printf '%s\n' "$about" | wc -l))" ||
	tap_diag "$(cat "$sb_tmp/call.log")"
# (the SETUP's arrival is logged at debug before any call exists; routed, it is logged again
# with the call's id)
missing=$(printf '%s\n' "$about" | grep -v " call $id[: ]" |
	grep -v 'debug isdn: span 2: SETUP from 4930123 .* on channel [0-9]*$')
[ -z "$missing" ]
tap_ok $? "every one of them carries \"call $id\"" || tap_diag "$missing"
