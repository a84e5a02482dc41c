#!/bin/sh
# 106-isdn-dahdi.sh: a span on a DAHDI D-channel, on a machine without DAHDI: the configuration
# is valid, the daemon runs, the span stays down and says why, routing to it is refused with
# cause 38, and a socket span beside it works. Then the same spans on a pretend DAHDI system
# (SB_DAHDI_ROOT: sysfs and /dev under a test folder, the channel device a plain file): each span
# finds its D-channel from its first channel (E1 +15, T1 +23, BRI +2) and says what failed there.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 13

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

# the build says whether it has DAHDI (Debian: dahdi-source ships <dahdi/user.h>)
features=$("$SYMBRIDGED" --version | sed -n 2p)
if [ -r /usr/include/dahdi/user.h ]; then want=" dahdi"; else want="(no dahdi)"; fi
case "$features" in "built with:"*"$want"*) tap_ok 0 "--version: $features" ;;
*) tap_ok 1 "--version names the DAHDI support (got: $features)" ;; esac
case "$features" in *" dahdi"*) ioctl_said="Inappropriate ioctl" ;;
*) ioctl_said="built without <dahdi/user.h>" ;; esac

r="$sb_tmp/root"
for sp in 1:33 7:1 9:61; do
	mkdir -p "$r/sys/bus/dahdi_spans/devices/span-${sp%%:*}"
	echo "${sp#*:}" >"$r/sys/bus/dahdi_spans/devices/span-${sp%%:*}/basechan"
done
mkdir -p "$r/dev/dahdi" && : >"$r/dev/dahdi/channel"
sb_conf d.conf <<CONF
$(isdn_license_conf $ISDN_LICENSES)
cards = (
	{ slot = 1; type = "sym-bridge"; channels = ( { number = "100"; target = "card:3/555"; } ); },
	{ slot = 2; type = "pri"; side = "cpe"; dchannel = "dahdi:1"; },
	{ slot = 3; type = "pri"; framing = "t1"; switchtype = "ni2"; side = "net"; dchannel = "dahdi:7"; },
	{ slot = 4; type = "bri"; side = "cpe"; dchannel = "dahdi:9"; }
);
CONF
SB_DAHDI_ROOT="$r" sb_start d.conf
tap_ok $? "the daemon starts on the pretend DAHDI system"
for want in "2 48" "3 24" "4 63"; do
	wait_ctl "any(r['slot'] == ${want% *} and r['dchannel'] == 'down' and r['alarm'].startswith('DAHDI channel ${want#* }:') and '$ioctl_said' in r['alarm'] for r in j['rows'])" show spans
	tap_ok $? "span ${want% *}: its D-channel is DAHDI channel ${want#* }, and the alarm says why it is down" || tap_diag "$(ctl show spans)"
done
sb_stop
tap_ok $? "daemon stops cleanly (exit 0)"
tap_done
