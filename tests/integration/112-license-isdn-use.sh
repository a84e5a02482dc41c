#!/bin/sh
# 112-license-isdn-use.sh: issue 16, holes 1 and 2 on the ISDN side: with only PBX-Port13=4 and
# Relay-Channels=64 installed, PRI -> PRI and PRI -> BRI calls are refused with cause 47 (the
# spans lack Relay-PRIs / Relay-BRIs), the license's reason in the log and in each call record;
# with Relay-PRIs installed the PRI -> PRI call goes through while PRI -> BRI is still refused
# (the BRI lacks Relay-BRIs); removing that file stops new calls at once while the running call
# goes on to its end.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 9

sb_conf c.conf <<CONF
$(isdn_license_conf PBX-Port13=4 Relay-Channels=64)
cards = (
	{ slot = 1; type = "sym-bridge"; channels = (
		{ number = "100"; target = "card:3/555"; },
		{ number = "200"; target = "card:5/55"; } ); },
	{ slot = 2; type = "pri"; name = "pri-in"; side = "cpe"; dchannel = "socket:$sb_tmp/a.sock"; },
	{ slot = 3; type = "pri"; name = "pri-out"; side = "net"; dchannel = "socket:$sb_tmp/b.sock"; },
	{ slot = 5; type = "bri"; name = "bri-out"; mode = "ptp"; side = "cpe";
	  dchannel = "socket:$sb_tmp/d.sock"; }
);
CONF
sb_start c.conf && isdn_license_install
peer_start a 3 "$sb_tmp/a.sock" net e1
peer_start b 4 "$sb_tmp/b.sock" cpe e1
peer_start d 5 "$sb_tmp/d.sock" net bri-ptp
span_up 2 && span_up 3 && span_up 5
tap_ok $? "daemon starts with two PRI spans and a BRI, only Ports and Relay-Channels licensed" ||
	tap_diag "$(ctl show spans)"

peer b auto-answer
peer d auto-answer
peer a call 100 4930100
peer_wait a '^(hangup|released) 1 cause 47' && ! grep -q '^ring' "$sb_tmp/b.out" &&
	grep -q 'span 2: call from 4930100 to 100 refused (cause 47): card 2 (pri-in) has no Relay-PRIs license: not-installed' "$sb_tmp/daemon.log"
tap_ok $? "PRI -> PRI without Relay-PRIs: refused with cause 47, nothing rings, the reason logged" ||
	tap_diag "$(cat "$sb_tmp/a.out")" "$(grep -i licen "$sb_tmp/daemon.log" | tail -3)"
peer a call 200 4930200
peer_wait a '^(hangup|released) 2 cause 47' && ! grep -q '^ring' "$sb_tmp/d.out"
tap_ok $? "PRI -> BRI without Relay-PRIs: refused with cause 47, nothing rings" ||
	tap_diag "$(cat "$sb_tmp/a.out")" "$(cat "$sb_tmp/d.out")"
ctl --json cdr list | json_get '[(r["called"], r["reason"]) for r in j["rows"]]' |
	grep -qx "\[('200', 'license-not-installed'), ('100', 'license-not-installed')\]"
tap_ok $? "both refusals have a call record with the license's reason" || tap_diag "$(ctl cdr list)"

# Relay-PRIs for both PRI spans, in a file of its own; the BRI still has no Relay-BRIs
"$top_builddir/symbridge-license" sign --key "$sb_tmp/keys/v.key" --hwid "$SB_TEST_HWID" --test --id PRI-1 \
	--expires 2099-12-31 -o "$sb_tmp/pri.lic" Relay-PRIs=2 >/dev/null &&
	ctl license install "$sb_tmp/pri.lic" >/dev/null
peer a call 100 4930100
peer_wait a '^answer 3' && peer_wait b '^ring 1 from 4930100 to 555 '
tap_ok $? "with Relay-PRIs installed the PRI -> PRI call goes through" ||
	tap_diag "$(cat "$sb_tmp/a.out")" "$(tail -5 "$sb_tmp/daemon.log")"
peer a call 200 4930200
peer_wait a '^(hangup|released) 4 cause 47' && ! grep -q '^ring' "$sb_tmp/d.out" &&
	grep -q 'to 55 on span 5 refused (cause 47): card 5 (bri-out) has no Relay-BRIs license: not-installed' "$sb_tmp/daemon.log"
tap_ok $? "PRI -> BRI: the BRI has no Relay-BRIs, cause 47, the reason logged" ||
	tap_diag "$(cat "$sb_tmp/a.out")" "$(grep -i licen "$sb_tmp/daemon.log" | tail -3)"

# hole 2: the file goes while call 3 runs; the next call is refused at once, call 3 goes on
ctl license remove PRI-1 >/dev/null
peer a call 100 4930100
peer_wait a '^(hangup|released) 5 cause 47' &&
	[ "$(ctl --json show calls | json_get 'len(j["rows"])')" = 1 ] && ! grep -q '^hangup 3' "$sb_tmp/a.out"
tap_ok $? "after license remove the next call is refused with cause 47, the running call goes on" ||
	tap_diag "$(cat "$sb_tmp/a.out")" "$(ctl show calls)"
peer a hangup 3 16
peer_wait b '^hangup 1 cause 16' && wait_ctl 'len(j["rows"]) == 0' show calls &&
	ctl --json cdr list | json_get '[r["reason"] for r in j["rows"]][:3]' |
	grep -qx "\['license-not-installed', 'license-not-installed', 'normal'\]"
tap_ok $? "the running call ends normally; every refusal has its record" || tap_diag "$(ctl cdr list)"

peer_stop a
peer_stop b
peer_stop d
sb_stop
tap_ok $? "daemon stops cleanly (exit 0)"
tap_done
