#!/bin/sh
# 131-sip-links.sh: link cards: OPTIONS keepalive toward a sipp intercom server marks the link up;
# stopping the server marks it down, starting it again brings it back; a dead peer stays down.
# An unlicensed link takes its PBX-Port once a license is installed (show links says so), and the
# deprecated `protocol` setting loads with a warning.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers sipp
tap_plan 10

sip_port=$(sb_free_port)
peer=$(sb_free_port)
dead=$(sb_free_port)
sb_license 1
sb_conf l.conf <<CONF
$lic_conf
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 1; };
cards = ( { slot = 3; type = "link"; name = "intercom"; peer = "127.0.0.1:$peer"; },
          { slot = 4; type = "link"; name = "gone"; peer = "127.0.0.1:$dead"; } );
CONF
# the deprecated protocol setting: accepted, ignored, and said so
sed 's/name = "intercom";/name = "intercom"; protocol = "net";/' "$sb_tmp/l.conf" >"$sb_tmp/p.conf"
out=$("$SYMBRIDGED" -t -c "$sb_tmp/p.conf" 2>&1)
[ $? -eq 0 ] && printf '%s' "$out" |
	grep -q "^warning: .*p.conf:3: cards\[0\].protocol: deprecated and ignored"
tap_ok $? "protocol = \"net\" still loads, with a deprecation warning naming file:line" ||
	tap_diag "$out"
sb_sipp_uas options-uas.xml "$peer"
sb_start l.conf
tap_ok $? "daemon starts with two link cards"

# state SLOT: the link's state as show links says it
state() { ctl --json show links | json_get "[r['state'] for r in j['rows'] if r['slot'] == $1][0]"; }
is() { [ "$(state "$1")" = "$2" ]; }

sb_poll 10 is 3 up
tap_ok $? "the link to the answering intercom server is up"
row=$(ctl --json show links | json_get "[r for r in j['rows'] if r['slot'] == 3][0]")
printf '%s' "$row" | python3 -c "
import ast, sys; r = ast.literal_eval(sys.stdin.read())
assert r['name'] == 'intercom' and r['peer'] == '127.0.0.1:$peer' and r['transport'] == 'udp', r
assert 'protocol' not in r and r['status'] == '200 OK' and r['rtt_ms'] is not None, r
assert r['license'].startswith('no PBX-Port license (not-installed'), r"
tap_ok $? "show links has peer, transport, the answer, the round trip, and that no Port license is installed" || tap_diag "$row"

# a license installed while the link is up: the link takes its Port at the next keepalive
lic() { ctl --json show links | json_get "[r['license'] for r in j['rows'] if r['slot'] == 3][0]"; }
has_port() { [ "$(lic)" = PBX-Port ]; }
ctl license install "$lic_file" >/dev/null && sb_poll 5 has_port
tap_ok $? "a license installed: show links says the link holds a PBX-Port ($(lic))" ||
	tap_diag "$(ctl show links)" "$(tail -5 "$sb_tmp/daemon.log")"
used=$(ctl --json show licenses | json_get "[r['in_use'] for r in j['rows'] if r['kind'].startswith('PBX-Port')][0]")
[ "$used" = 1 ]
tap_ok $? "show licenses counts that Port in use ($used)" || tap_diag "$(ctl show licenses)"

sb_poll 40 is 4 down
tap_ok $? "the link to a peer where nothing listens is down"

sb_sipp_stop
sb_poll 40 is 3 down
tap_ok $? "the intercom server stopped: its link goes down"

sb_sipp_uas options-uas.xml "$peer"
sb_poll 10 is 3 up
tap_ok $? "the intercom server started again: its link is up again"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
