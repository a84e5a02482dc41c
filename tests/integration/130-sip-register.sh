#!/bin/sh
# 130-sip-register.sh: stations register with sipp as the station: digest authentication, the same
# answer for a wrong user as for a wrong password, too brief an interval, expiry, unregister, TCP.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers sipp
tap_plan 18

sb_license 2
sip_port=$(sb_free_port)
sipp_port=$(sb_free_port) # the station keeps its address, so its contact stays the same
sb_conf r.conf <<CONF
$lic_conf
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port", "tcp:127.0.0.1:$sip_port" ]; min_expires = 2; max_expires = 120; };
stations = ( { user = "d1"; password = "door-pass-1"; name = "Front door"; },
             { user = "d2"; password = "door-pass-2"; },
             { user = "d3"; password = "door-pass-3"; } );
CONF
sb_start r.conf
tap_ok $? "daemon starts with a SIP listener on 127.0.0.1:$sip_port"

# without a license no station registers: the Port is refused
sb_sipp_register d1 door-pass-1 60 403
tap_ok $? "no PBX-Port license installed: an authenticated station is refused (403)"
ctl license install "$lic_file" >/dev/null
tap_ok $? "a license with 2 PBX-Ports is installed"

regs() { ctl --json show registrations; }
# bindings USER: the number of contacts USER has
bindings() { regs | json_get "sum(1 for r in j['rows'] if r['user'] == '$1' and r['contact'])"; }

sb_sipp_register d1 door-pass-1 60 200
tap_ok $? "a station with the right password is challenged, then registered (200)" ||
	tap_diag "$(tail -n 5 "$sb_tmp/sipp-d1-200.out")"
row=$(regs | json_get "[r for r in j['rows'] if r['user'] == 'd1'][0]")
printf '%s' "$row" | python3 -c "
import ast, sys; r = ast.literal_eval(sys.stdin.read())
assert r['contact'].startswith('sip:d1@127.0.0.1:'), r
assert r['name'] == 'Front door' and r['transport'] == 'UDP', r
assert 55 <= r['expires_in'] <= 60 and r['user_agent'] == 'sipp-station', r"
tap_ok $? "show registrations has the contact, source, transport, expiry and user agent" ||
	tap_diag "$row"
[ "$(bindings d2)" = 0 ] && regs | json_get "[r['user'] for r in j['rows']]" | grep -q "'d2'"
tap_ok $? "a station that has not registered is listed without a contact"

sb_sipp_register d1 wrong-password 60 401
tap_ok $? "a wrong password is answered 401 with a new challenge"
sb_sipp_register nobody door-pass-1 60 401
tap_ok $? "an unknown user is answered 401 with a new challenge"
a=$(sb_last_response "$sb_tmp/sipp-d1-401.log")
b=$(sb_last_response "$sb_tmp/sipp-nobody-401.log")
[ -n "$a" ] && [ "$a" = "$b" ]
tap_ok $? "the answers to a wrong user and a wrong password are the same" ||
	tap_diag "wrong password:" "$a" "unknown user:" "$b"
grep -q 'auth failure from 127.0.0.1: REGISTER as "d1": wrong user name or password' "$sb_tmp/daemon.log" &&
	! grep -q 'wrong-password\|door-pass' "$sb_tmp/daemon.log"
tap_ok $? "refusals are logged with the source, never with the password"

sb_sipp_register d2 door-pass-2 1 423
tap_ok $? "an interval below sip.min_expires is answered 423"

sb_sipp_register d2 door-pass-2 2 200 && [ "$(bindings d2)" = 1 ]
tap_ok $? "a 2 s registration is accepted"
i=0
while [ "$(bindings d2)" != 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(bindings d2)" = 0 ] && [ "$(bindings d1)" = 1 ]
tap_ok $? "it expires on its own ($i x 100 ms), the other station stays"

sb_sipp_register d1 door-pass-1 0 200 && [ "$(bindings d1)" = 0 ]
tap_ok $? "Expires: 0 unregisters the station at once"

sb_sipp_register d2 door-pass-2 60 200 t1 &&
	[ "$(regs | json_get "[r['transport'] for r in j['rows'] if r['user'] == 'd2'][0]")" = TCP ]
tap_ok $? "a station registers over TCP"

# d1 and d2 hold the two Ports (d1's second contact takes none): d3 finds none left
sb_sipp_register d1 door-pass-1 60 200 t1 && sb_sipp_register d3 door-pass-3 60 403 &&
	grep -q 'station d3 cannot register .*: no PBX-Port license (exhausted' "$sb_tmp/daemon.log"
tap_ok $? "two stations hold the two Ports, a station's second contact takes none, a third is refused"

# a reload that removes a station drops its bindings; the others keep theirs
sb_sipp_register d1 door-pass-1 60 200 &&
sb_conf r.conf <<CONF
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port", "tcp:127.0.0.1:$sip_port" ]; min_expires = 2; max_expires = 120; };
stations = ( { user = "d1"; password = "door-pass-1"; name = "Front door"; } );
$lic_conf
CONF
ctl reload >/dev/null && [ "$(bindings d1)" = 2 ] &&
	[ "$(regs | json_get "sorted(set(r['user'] for r in j['rows']))")" = "['d1']" ]
tap_ok $? "a reload without station d2 drops its binding, d1 keeps its own" || tap_diag "$(ctl show registrations)"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
