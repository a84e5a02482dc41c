#!/bin/sh
# 172-isdn-link-dtmf.sh: digits between the ISDN side and a G.722 intercom server on a link card
# (a baresip that speaks G.722 only, RFC 4733 at 8000 Hz). A SETUP from the libpri peer (PRI E1,
# A-law) for 100 -> card:3/555 -> the server answers G.722 (the offer had A-law first and
# telephone-event at 8000). Then, each counted by what the far end decodes: the peer's keypad
# digit 5 (Q.931 INFORMATION) and its in-band 3 reach the server once each as RFC 4733 events;
# the server's 4 reaches the peer once, in band on its B-channel.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
. "$top_srcdir/tests/lib/station.sh"
sb_need_peers baresip
tap_plan 7

cleanup172() {
	sb_station_stop srv
	for p in $isdn_pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	sb_sip_cleanup
}
trap cleanup172 EXIT

sb_station_start srv G722/16000 "<sip:555@127.0.0.1>;regint=0"
eval "srv_port=\$st_port_srv"
sip_port=$(sb_free_port)
sb_port_range rtp
sb_conf c.conf <<CONF
$(isdn_license_conf $ISDN_LICENSES)
system: { name = "t172"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; };
cards = (
	{ slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
		{ number = "100"; target = "card:3/555"; } ); },
	{ slot = 2; type = "pri"; name = "trunk"; side = "cpe"; dchannel = "socket:$sb_tmp/a.sock"; },
	{ slot = 3; type = "link"; name = "intercom"; protocol = "net"; transport = "udp";
	  peer = "127.0.0.1:$srv_port"; }
);
CONF
sb_start c.conf && isdn_license_install
peer_start a 3 "$sb_tmp/a.sock" net e1 --audio
link_up() { [ "$(ctl --json show links | json_get "j['rows'][0]['state']")" = up ]; }
span_up 2 && sb_poll 10 link_up
tap_ok $? "the PRI span and the link to the G.722 server are up" ||
	tap_diag "$(ctl show spans)" "$(ctl show links)"

peer a call 100 4930123
peer_wait a '^answer 1$'
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert r['a_codec'] == 'PCMA' and r['b_codec'] == 'G722' and r['transcoding'] == 'yes', r"
tap_ok $? "SETUP for 100: the server answers, A-law on the B-channel, G.722 toward the server" ||
	tap_diag "$out" "$(tail -5 "$sb_tmp/daemon.log")"

# a keypad digit (Q.931 INFORMATION): into the session toward the server, as RFC 4733
peer a tone 1 150 440
peer a digits 1 5
got() { [ "$(sb_station_events srv "$1")" -ge 1 ]; }
sb_poll 10 got 5 && sb_poll 1 false
n=$(sb_station_events srv 5)
[ "$n" = 1 ]
tap_ok $? "the ISDN peer's keypad 5 reaches the G.722 server once as RFC 4733 ($n)" ||
	tap_diag "$(grep ' digit ' "$sb_tmp/daemon.log" | tail -3)"

# a digit played in band on the B-channel: detected there, an event toward the server
peer a dtmf 1 3
peer_wait a '^dtmf-sent 1 3$'
sb_poll 10 got 3 && sb_poll 1 false
n=$(sb_station_events srv 3)
[ "$n" = 1 ]
tap_ok $? "the ISDN peer's in-band 3 reaches the G.722 server once as RFC 4733 ($n)" ||
	tap_diag "$(grep ' digit ' "$sb_tmp/daemon.log" | tail -3)"

# the server's digit: RFC 4733 at G.722's 8000 Hz, tones on the B-channel
sb_station srv sndcode 4 >/dev/null
peer_wait a '^inband 1 4$' && sb_poll 1 false
heard=$(grep -Ec '^(inband|digits) 1 ' "$sb_tmp/a.out")
[ "$heard" = 1 ]
tap_ok $? "the server's 4 reaches the ISDN peer in band exactly once ($heard)" ||
	tap_diag "$(grep -E '^(inband|digits)' "$sb_tmp/a.out")" "$(grep ' digit ' "$sb_tmp/daemon.log" | tail -3)"

peer a hangup 1 16
peer_wait a '^released 1' && wait_ctl 'len(j["rows"]) == 0' show calls
tap_ok $? "the peer hangs up: the call is gone" || tap_diag "$(ctl show calls)"
peer_stop a
sb_station_stop srv
sb_stop
tap_ok $? "daemon exits 0"
tap_done
