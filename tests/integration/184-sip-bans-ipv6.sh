#!/bin/sh
# 184-sip-bans-ipv6.sh: sip.security for IPv6 sources: a password guesser from ::1 is banned after
# auth_fail_limit failures and then gets no answer at all (the kernel's socket filter drops its
# packets: the daemon sees none of them), show bans prints the address, unban in any spelling of
# it lifts the ban, and a request flood from ::1 is banned by request_limit. In a network
# namespace of the test's own (::1 plays the attacker; the station is checked over IPv6 too).
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
tap_plan 10

sb_license 2
sip_port=$(sb_free_port)
sb_conf b.conf <<CONF
$lic_conf
sip: { listen = [ "udp:[::1]:$sip_port" ];
       security: { auth_fail_limit = 5; user_fail_limit = 30; request_limit = 50; request_window = 2;
                   ban_time = 600; }; };
stations = ( { user = "d1"; password = "door-pass-1"; allow_foreign_contact = true; } );
CONF
sb_start b.conf
tap_ok $? "daemon starts listening on [::1]"
ctl license install "$lic_file" >/dev/null

sc() { _c=$1; shift; python3 "$top_srcdir/tests/peers/sip-client.py" "$_c" ::1 "$sip_port" "$@" --bind ::1 --timeout 1; }
bans() { ctl --json show bans; }

[ "$(sc register d1 door-pass-1 --alg MD5)" = 200 ]
tap_ok $? "a station registers over IPv6"
out=$(sc guess d1 6)
[ "$out" = "401 401 401 401 401 0" ]
tap_ok $? "a guesser from ::1 gets five 401s, then (banned) no answer: $out"
row=$(bans | json_get "[(r['address'], r['reason']) for r in j['rows']]")
[ "$row" = "[('::1', '5 failed authentications in 600 s')]" ]
tap_ok $? "show bans prints ::1 and why" || tap_diag "$row" "$(ctl show bans)"
ctl show bans | grep -q '^ *::1 ' || ctl show bans | grep -q '::1'
tap_ok $? "the text form of show bans has the IPv6 address" || tap_diag "$(ctl show bans)"

# dropped by the kernel: the daemon's own count of requests refused while banned stays put
before=$(bans | json_get "[r['dropped'] for r in j['rows']][0]" 2>/dev/null)
[ "$(sc request OPTIONS)" = 0 ] && [ "$(sc request OPTIONS)" = 0 ]
after=$(bans | json_get "[r['dropped'] for r in j['rows']][0]" 2>/dev/null)
[ -n "$before" ] && [ "$before" = "$after" ] &&
	grep -q 'auth failure from ::1: REGISTER as "d1": wrong user name or password' "$sb_tmp/daemon.log"
tap_ok $? "a banned IPv6 address is dropped before the daemon reads it (refused count $before -> $after), failures logged with ::1" ||
	tap_diag "$(ctl show bans)"

ctl unban 0:0:0:0:0:0:0:1 >/dev/null && [ "$(sc request OPTIONS)" = 200 ] &&
	[ "$(bans | json_get "len(j['rows'])")" = 0 ]
tap_ok $? "unban 0:0:0:0:0:0:0:1 lifts the ban of ::1: answered again, show bans empty"

got=$(sc flood 200)
ok=$(echo "$got" | tr ' ' '\n' | sed -n 's/^200://p')
[ "${ok:-0}" -ge 40 ] && [ "$ok" -le 50 ] && [ "$(sc request OPTIONS)" = 0 ]
tap_ok $? "a flood of 200 OPTIONS from ::1: at most 50 answered 200 ($got), then no answer"
bans | json_get "[r['reason'] for r in j['rows'] if r['address'] == '::1']" | grep -q 'more than 50 requests in 2 s' &&
	grep -q 'ban ::1 for 600 s: more than 50 requests in 2 s' "$sb_tmp/daemon.log"
tap_ok $? "the flooding IPv6 address is banned for request_limit, logged"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
