#!/bin/sh
# 105-isdn-bri.sh: BRI spans, point-to-multipoint (daemon NET, overlap receiving on) and
# point-to-point (daemon CPE): overlap dialling digit by digit, the digit timeout, a number that
# cannot match, calls both ways, a busy interface (cause 34) and a missing Relay-Channels
# license (cause 47).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 13

sb_conf c.conf <<CONF
$(isdn_license_conf Relay-BRIs=2 Relay-Channels=3 PBX-Port13=2)
cards = (
	{ slot = 1; type = "sym-bridge"; channels = (
		{ number = "4711"; target = "card:5/99"; },
		{ number = "500"; target = "card:4/55"; } ); },
	{ slot = 4; type = "bri"; mode = "ptmp"; side = "net"; overlap = true; digit_timeout_ms = 500;
	  dchannel = "socket:$sb_tmp/c.sock"; },
	{ slot = 5; type = "bri"; mode = "ptp"; side = "cpe"; dchannel = "socket:$sb_tmp/d.sock"; }
);
CONF
sb_start c.conf && isdn_license_install
tap_ok $? "daemon starts with a BRI PTMP and a BRI PTP span"
peer_start c 3 "$sb_tmp/c.sock" cpe bri-ptmp   # a terminal on the S0 bus of span 4
peer_start d 4 "$sb_tmp/d.sock" net bri-ptp    # the network facing span 5
span_up 5
tap_ok $? "the PTP span comes up" || tap_diag "$(ctl show spans)"

# --- overlap receiving on span 4 ---
peer c overlap 47
peer_wait c '^setup-ack 1'
tap_ok $? "an incomplete number is answered with SETUP ACKNOWLEDGE" || tap_diag "$(cat "$sb_tmp/c.out")"
peer c info 1 11
peer_wait d '^ring 1 from 4930100 to 99 '
tap_ok $? "digits in INFORMATION complete 4711, which rings card:5/99" || tap_diag "$(cat "$sb_tmp/d.out")"
peer d answer 1
peer_wait c '^answer 1' && peer c hangup 1 16 && peer_wait d '^hangup 1 cause 16'
tap_ok $? "the overlap call connects and releases" || tap_diag "$(cat "$sb_tmp/c.out")"

t0=$(date +%s%N)
peer c overlap 4
peer_wait c '^setup-ack 2' && peer_wait c '^(hangup|released) 2 cause 1'
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
[ $ms -ge 450 ]
tap_ok $? "no more digits: after digit_timeout_ms the number is routed as it is (cause 1)" || tap_diag "$ms ms; $(cat "$sb_tmp/c.out")"
peer c overlap 9
peer_wait c '^released 3 cause 1'
tap_ok $? "a number no channel starts with is refused at once with cause 1" || tap_diag "$(cat "$sb_tmp/c.out")"

# --- the other way: from the PTP network to a terminal on the PTMP bus ---
peer c auto-alert
peer d call 500 4930555
peer_wait c '^ring 4 from 4930555 to 55 '
tap_ok $? "a call from span 5 for 500 reaches the PTMP terminal for 55" || tap_diag "$(cat "$sb_tmp/c.out")"
peer_wait d '^ringing 2'
peer c answer 4
peer_wait d '^answer 2' && peer d hangup 2 16 && peer_wait c '^hangup 4 cause 16'
tap_ok $? "the terminal answers; release from the network side reaches it" || tap_diag "$(cat "$sb_tmp/d.out")"
wait_ctl 'len(j["rows"]) == 0' show calls

# --- a busy BRI and a missing license (3 Relay-Channels: a call takes one on each span) ---
peer d auto-answer
peer c call 4711
peer_wait c '^answer 5'
ctl span block 5 2 >/dev/null
peer c call 4711
peer_wait c '^released 6 cause 34'
tap_ok $? "with both B-channels of span 5 in use or blocked a call is refused with cause 34" || tap_diag "$(tail -3 "$sb_tmp/c.out")"
ctl span unblock 5 2 >/dev/null
peer c call 4711
peer_wait c '^(hangup|released) 7 cause 47'
tap_ok $? "without a free Relay-Channels license a call is refused with cause 47" || tap_diag "$(tail -3 "$sb_tmp/c.out")"
peer c hangup 5 16
peer_wait d '^hangup [0-9]+ cause 16' && wait_ctl 'all(r["busy"] == 0 for r in j["rows"])' show spans
tap_ok $? "after the release every B-channel is idle" || tap_diag "$(ctl show spans)"

peer_stop c
peer_stop d
sb_stop
tap_ok $? "daemon stops cleanly (exit 0)"
tap_done
