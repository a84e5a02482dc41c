#!/bin/sh
# 144-isdn-sip-cloud.sh: ISDN <-> SIP: a SETUP from the libpri peer on a PRI span for channel 100
# goes to cloud:cloudy (kamailio + baresip, G.722 over SRTP); the B-channel is a TDM leg of the
# sip module's media session (its worker reads and writes the B-channel): baresip's audio
# arrives on the B-channel as A-law, the B-channel's frames reach baresip; a release from either
# side reaches the other with normal clearing. Without L-SYM-BRIDGE, and again right after
# `license remove` of the file holding it, a call is refused with cause 47 and a record saying
# why, while the call already running goes on (issue 16, hole 2).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers kamailio openssl baresip
tap_plan 14

cleanup144() {
	sb_baresip_stop
	for p in $isdn_pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	sb_sip_cleanup
}
trap cleanup144 EXIT

sb_cloud_up cloudy

sb_port_range rtp
sb_conf c.conf <<CONF
$(isdn_license_conf $ISDN_LICENSES)
system: { name = "t144"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; };
sip: { keepalive_interval = 5; };
$(sb_cloud_section)
cards = (
	{ slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
		{ number = "100"; target = "cloud:cloudy"; } ); },
	{ slot = 2; type = "pri"; name = "trunk"; side = "cpe"; dchannel = "socket:$sb_tmp/a.sock"; }
);
CONF
sb_start c.conf && isdn_license_install
peer_start a 3 "$sb_tmp/a.sock" net e1 --audio
span_up 2 && sb_poll 15 sb_cloud_registered
tap_ok $? "the PRI span is up and channel 100 registered in the cloud" ||
	tap_diag "$(ctl show spans)" "$(ctl show cloud)"

# the sym-bridge card has no license yet: the call is refused with cause 47
peer a call 100 4930123
peer_wait a '^(hangup|released) 1 cause 47' &&
	grep -q 'refused (cause 47): card 1 (bridge) is not licensed: not-installed' "$sb_tmp/daemon.log"
tap_ok $? "without L-SYM-BRIDGE a call over the card is refused with cause 47, the reason logged" ||
	tap_diag "$(tail -3 "$sb_tmp/a.out")" "$(grep -i licens "$sb_tmp/daemon.log" | tail -3)"
"$top_builddir/symbridge-license" sign --key "$sb_tmp/keys/v.key" --hwid "$SB_TEST_HWID" --test --id BRIDGE-1 \
	--expires 2099-12-31 -o "$sb_tmp/bridge.lic" L-SYM-BRIDGE=1 L-SIS-11=1 >/dev/null &&
	ctl license install "$sb_tmp/bridge.lic" >/dev/null

peer a call 100 4930123
peer_wait a '^answer 2'
tap_ok $? "SETUP for 100 from the ISDN peer: baresip answers, CONNECT reaches the peer" ||
	tap_diag "$(cat "$sb_tmp/a.out")" "$(tail -8 "$sb_tmp/daemon.log")"
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert r['from'].startswith('2/') and r['to_card'] == 'bridge' and r['b_codec'] == 'G722', r
assert r['b_srtp'] is True and r['transcoding'] == 'yes', r"
tap_ok $? "show calls: the B-channel to G.722 over SRTP, transcoding" || tap_diag "$out"
# baresip's 1 kHz sine on the B-channel: A-law frames well above silence
loud() { [ "$(grep -c '^audio 2 len 160 .* level [0-9][0-9][0-9][0-9]*$' "$sb_tmp/a.out")" -ge 50 ]; }
sb_poll 10 loud
tap_ok $? "baresip's audio arrives on the B-channel as A-law ($(grep -c '^audio 2' "$sb_tmp/a.out") frames)" ||
	tap_diag "$(grep '^audio' "$sb_tmp/a.out" | tail -3)"
tx0=$(ctl --json show calls | json_get "j['rows'][0]['b_tx_packets']")
peer a audio 2 100 0x80
peer_wait a '^audio-sent 2 100'
more() { [ "$(ctl --json show calls | json_get "j['rows'][0]['b_tx_packets']")" -ge $((tx0 + 90)) ]; }
sb_poll 10 more
tap_ok $? "the B-channel's frames go to baresip (packets to the cloud leg: $tx0 before, $(ctl --json show calls | json_get "j['rows'][0]['b_tx_packets']") after)"
# a keypad digit from the ISDN side reaches baresip once, as RFC 4733 on the cloud leg
peer a digits 2 5
# (baresip logs each telephone-event it starts to receive; stdio flushes at the line)
dtmf_at_baresip() { [ "$(grep -o "received event: '5'" "$sb_tmp/baresip.log" | wc -l)" -ge 1 ]; }
sb_poll 10 dtmf_at_baresip && sb_poll 1 false
[ "$(grep -o "received event: '5'" "$sb_tmp/baresip.log" | wc -l)" = 1 ]
tap_ok $? "keypad digit 5 from the ISDN peer reaches baresip exactly once (RFC 4733)" ||
	tap_diag "$(grep -i dtmf "$sb_tmp/baresip.log")"
peer a hangup 2 16
peer_wait a '^released 2' && wait_ctl 'len(j["rows"]) == 0' show calls
tap_ok $? "DISCONNECT from the peer ends the call on both sides" || tap_diag "$(ctl show calls)"

# the cloud hangs up: the ISDN peer gets the release with normal clearing
peer a call 100 4930123
peer_wait a '^answer 3'
sb_baresip hangup >/dev/null
peer_wait a '^hangup 3 cause 16'
tap_ok $? "baresip hangs up: the ISDN peer gets DISCONNECT with cause 16" ||
	tap_diag "$(tail -5 "$sb_tmp/a.out")"
# hole 2: the file holding L-SYM-BRIDGE goes while a call runs: that call goes on, the next one
# is refused at once (no restart), with the license's reason in the log and in its record
peer a call 100 4930123
peer_wait a '^answer 4' && ctl license remove BRIDGE-1 >/dev/null
tap_ok $? "a call runs when the file holding L-SYM-BRIDGE is removed" || tap_diag "$(tail -5 "$sb_tmp/a.out")"
peer a call 100 4930124
peer_wait a '^(hangup|released) 5 cause 47' &&
	[ "$(ctl --json show calls | json_get 'len(j["rows"])')" = 1 ] &&
	[ "$(ctl --json show licenses | json_get '[r["in_use"] for r in j["rows"] if r["kind"] == "L-SYM-BRIDGE"]')" = "[]" ]
tap_ok $? "the next call is refused with cause 47 at once; the running one goes on, the card gave L-SYM-BRIDGE back" ||
	tap_diag "$(tail -3 "$sb_tmp/a.out")" "$(ctl show calls)" "$(ctl show licenses)"
peer a hangup 4 16
peer_wait a '^released 4' && wait_ctl 'len(j["rows"]) == 0' show calls
ctl --json cdr list | json_get '[(r["caller"], r["reason"]) for r in j["rows"]][:2]' |
	grep -qx "\[('4930124', 'license-not-installed'), ('4930123', 'normal')\]" &&
	[ "$(grep -c 'to cloud:cloudy refused (cause 47): card 1 (bridge) is not licensed: not-installed' "$sb_tmp/daemon.log")" = 2 ]
tap_ok $? "the refused call's record and the log say why: license-not-installed" ||
	tap_diag "$(ctl cdr list)" "$(grep -i licens "$sb_tmp/daemon.log" | tail -3)"

peer_stop a
sb_baresip_stop
sb_stop
tap_ok $? "daemon exits 0"
tap_done
