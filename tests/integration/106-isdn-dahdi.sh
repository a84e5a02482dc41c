#!/bin/sh
# 106-isdn-dahdi.sh: a span on a DAHDI D-channel, on a machine without DAHDI: the configuration
# is valid, the daemon runs, the span stays down and says why, routing to it is refused with
# cause 38, and a socket span beside it works.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 7

sb_conf c.conf <<CONF
$(isdn_license_conf $ISDN_LICENSES)
cards = (
	{ slot = 1; type = "sym-bridge"; channels = ( { number = "100"; target = "card:3/555"; } ); },
	{ slot = 2; type = "pri"; side = "cpe"; dchannel = "socket:$sb_tmp/a.sock"; },
	{ slot = 3; type = "pri"; framing = "t1"; switchtype = "ni2"; side = "net"; dchannel = "dahdi:7"; }
);
CONF
"$SYMBRIDGED" -t -c "$sb_tmp/c.conf" 2>/dev/null
tap_ok $? "a dahdi:SPAN D-channel is a valid configuration"
sb_start c.conf && isdn_license_install
tap_ok $? "the daemon starts without DAHDI"
grep -q 'span 3 (pri-3): D-channel dahdi:7 cannot start: no DAHDI span 7 (/sys/bus/dahdi_spans/devices/span-7/basechan' "$sb_tmp/daemon.log"
tap_ok $? "the log says the DAHDI span is missing" || tap_diag "$(cat "$sb_tmp/daemon.log")"
wait_ctl 'any(r["slot"] == 3 and r["dchannel"] == "down" and r["kind"] == "pri t1" and r["idle"] == 23 and "no DAHDI span 7" in r["alarm"] and r["source"] == "dahdi:7" for r in j["rows"])' show spans
tap_ok $? "show spans: the T1 span is down with the reason as its alarm" || tap_diag "$(ctl show spans)"

peer_start a 3 "$sb_tmp/a.sock" net e1
span_up 2
tap_ok $? "the socket span beside it comes up"
peer a call 100 4930123
peer_wait a '^(hangup|released) 1 cause 38'
tap_ok $? "a call routed to the DAHDI span is refused with cause 38" || tap_diag "$(cat "$sb_tmp/a.out")"

peer_stop a
sb_stop
tap_ok $? "daemon stops cleanly (exit 0)"
tap_done
