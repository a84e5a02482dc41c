#!/bin/sh
# 101-isdn-pri.sh: PRI E1 EuroISDN end to end through two spans, the daemon CPE on one and NET on
# the other, each with a libpri peer in the opposite role: calls both ways, numbers with type and
# presentation, alerting, answer, keypad digits, B-channel audio through the media engine,
# release from each side with its cause, busy, unallocated numbers, licenses, hangup from the CLI,
# a reload during a call, the maximum call duration, and the call records of it all.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 25

write_conf() {
	sb_conf c.conf <<CONF
system: { max_call_seconds = $1; };
$(isdn_license_conf $ISDN_LICENSES)
cards = (
	{ slot = 1; type = "sym-bridge"; channels = (
		{ number = "100"; target = "card:3/555"; },
		{ number = "200"; target = "card:2/777"; } ); },
	{ slot = 2; type = "pri"; side = "cpe"; dchannel = "socket:$sb_tmp/a.sock"; },
	{ slot = 3; type = "pri"; side = "net"; dchannel = "socket:$sb_tmp/b.sock"; }
);
CONF
}
write_conf 600
sb_start c.conf && isdn_license_install
tap_ok $? "daemon starts with two E1 spans"

peer_start a 3 "$sb_tmp/a.sock" net e1 --audio   # the network, facing our CPE span 2
peer_start b 4 "$sb_tmp/b.sock" cpe e1 --audio   # the user side, facing our NET span 3
span_up 2 && span_up 3 && peer_wait a 'dchan up' && peer_wait b 'dchan up'
tap_ok $? "both D-channels come up (CPE and NET roles)" || tap_diag "$(ctl show spans)"

# --- a call from the network on span 2 to 100 goes out on span 3 to 555 ---
peer a call 100 4930123
peer_wait b '^ring 1 from 4930123 to 555 '
tap_ok $? "SETUP on span 2 for 100 arrives on span 3 for 555 with the caller" || tap_diag "$(cat "$sb_tmp/b.out")"
peer_last b '^ring 1' | grep -q 'ton 2 pres 0'
tap_ok $? "the caller's type of number (national) and presentation (allowed) pass through" || tap_diag "$(peer_last b '^ring 1')"
peer_wait a '^proceeding 1'
tap_ok $? "the caller gets CALL PROCEEDING"

peer b alert 1
peer_wait a '^ringing 1'
tap_ok $? "ALERTING from the called side reaches the caller"
peer b answer 1
peer_wait a '^answer 1'
tap_ok $? "CONNECT from the called side reaches the caller"
wait_ctl 'len(j["rows"]) == 1 and j["rows"][0]["state"] == "up" and j["rows"][0]["from"].startswith("2/") and j["rows"][0]["to"].startswith("3/") and j["rows"][0]["caller"] == "4930123" and j["rows"][0]["called"] == "555"' show calls
tap_ok $? "show calls shows the call up from 2/x to 3/y" || tap_diag "$(ctl show calls)"

lic() { ctl --json show licenses | json_get "[r[\"in_use\"] for r in j[\"rows\"] if r[\"kind\"] == \"$1\"]"; }
[ "$(lic PBX-Port)" = "[2]" ] && [ "$(lic Relay-Channels)" = "[2]" ] && [ "$(lic Relay-PRIs)" = "[2]" ]
tap_ok $? "licenses in use: a Port per span, Relay-PRIs per card, Relay-Channels per busy B-channel" || tap_diag "$(ctl show licenses)"

peer a digits 1 1
peer b digits 1 '#'
peer_wait b '^digits 1 1' && peer_wait a '^digits 1 #'
tap_ok $? "keypad digits travel both ways as DTMF"

peer a audio 1 5 0x55
peer_wait b '^audio 1 len 160 byte 0x55' 5
tap_ok $? "A-law frames on the caller's B-channel reach the called B-channel" || tap_diag "$(grep audio "$sb_tmp/b.out")"
ctl --json show media | json_get 'j["item"]["sessions"] == 1 and j["item"]["rx_packets"] >= 5 and j["item"]["tx_packets"] >= 5 and j["item"]["ports_in_use"] == 0' | grep -q True &&
	ctl --json show calls | json_get 'j["rows"][0]["a_rx_packets"] >= 5 and j["rows"][0]["b_tx_packets"] >= 5 and j["rows"][0]["codecs"] == "PCMA/PCMA"' | grep -q True
tap_ok $? "they went through the call's media session on a worker, which reads the B-channels itself (no RTP port)" || tap_diag "$(ctl show media; ctl --json show calls)"

peer b hangup 1 16
peer_wait a '^hangup 1 cause 16' && peer_wait b '^released 1'
tap_ok $? "release from the called side: the caller gets DISCONNECT cause 16"
wait_ctl 'len(j["rows"]) == 0' show calls &&
	wait_ctl 'j["rows"][0]["busy"] == 0 and j["rows"][1]["busy"] == 0' show spans &&
	wait_ctl 'j["item"]["sessions"] == 0' show media &&
	[ "$(lic Relay-Channels)" = "[0]" ]
tap_ok $? "the call is gone, every B-channel is idle, its media session and licenses are back" || tap_diag "$(ctl show spans; ctl show licenses)"

# --- the other way, restricted presentation, release from the caller ---
peer b call-restricted 200 4930999
peer_wait a '^ring 2 from 4930999 to 777 .* pres 1 '
tap_ok $? "SETUP on span 3 for 200 arrives on span 2 for 777, presentation restricted" || tap_diag "$(cat "$sb_tmp/a.out")"
peer a answer 2
peer_wait b '^answer 2'
peer b hangup 2 16
peer_wait a '^hangup 2 cause 16'
tap_ok $? "release from the caller: the called side gets DISCONNECT cause 16"

# --- busy, unallocated ---
peer a call 100 4930123
peer_wait b '^ring 3 '
peer b hangup 3 17
peer_wait a '^hangup 3 cause 17'
tap_ok $? "busy (17) on the called side reaches the caller as 17" || tap_diag "$(tail -3 "$sb_tmp/a.out")"
peer a call 999 4930123
peer_wait a '^released 4 cause 1'
tap_ok $? "a number no channel has is refused with cause 1 (unallocated)" || tap_diag "$(tail -3 "$sb_tmp/a.out")"

# --- hangup from the CLI, after a reload that the call survives ---
peer a call 100 4930123
peer_wait b '^ring 4 '
peer b answer 4
peer_wait a '^answer 5'
write_conf 1
ctl reload >/dev/null
id=$(ctl --json show calls | json_get 'j["rows"][0]["id"]')
[ -n "$id" ] && ctl hangup "$id" >/dev/null
tap_ok $? "the call survives a reload; hangup ID ends it" || tap_diag "$(ctl show calls)"
peer_wait a '^hangup 5 cause 16' && peer_wait b '^hangup 4 cause 16'
tap_ok $? "both sides get cause 16 from the CLI hangup"

# --- max_call_seconds (now 1 s after the reload) ---
peer a call 100 4930123
peer_wait b '^ring 5 '
peer b answer 5
peer_wait a '^answer 6' && peer_wait a '^hangup 6 cause 16' && peer_wait b '^hangup 5 cause 16'
tap_ok $? "a call longer than system.max_call_seconds is ended on both sides"

# --- call records ---
wait_ctl 'len(j["rows"]) == 0' show calls
recs=$(ctl --json cdr list)
echo "$recs" | json_get '[r["reason"] for r in j["rows"]]' > "$sb_tmp/reasons"
echo "$recs" | json_get '[r["reason"] for r in j["rows"]] == ["max-duration", "admin-hangup", "busy", "normal", "normal"]' | grep -q True
tap_ok $? "cdr list has the five calls, newest first, with their reasons" || tap_diag "$(ctl cdr list)"
echo "$recs" | json_get 'j["rows"][2]["caller"] == "4930123" and j["rows"][2]["called"] == "100" and j["rows"][1]["from"].startswith("2/") and j["rows"][1]["to"].startswith("3/")' | grep -q True
tap_ok $? "records name the numbers and the B-channels of both legs" || tap_diag "$recs"
id=$(echo "$recs" | json_get 'j["rows"][2]["id"]')
ctl cdr show "$id" | grep -q 'b_q850: *17' && ctl cdr show "$id" | grep -q 'a_codec: *PCMA'
tap_ok $? "the busy call's record keeps cause 17 and the B-channel codec" || tap_diag "$(ctl cdr show "$id")"

peer_stop a
peer_stop b
sb_stop
tap_ok $? "daemon stops cleanly (exit 0)"
tap_done
