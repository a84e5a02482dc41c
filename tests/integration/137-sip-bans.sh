#!/bin/sh
# 137-sip-bans.sh: per-source protection (sip.security): a password guesser is banned after
# auth_fail_limit failures and then gets no answer at all, show bans / unban, a user name locked
# after user_fail_limit failures from several addresses, a request flood banned by request_limit,
# and the fail2ban filter shipped in packaging/ matching the daemon's real log lines. In a network
# namespace of the test's own (addresses 127.0.0.2-4 play the attackers).
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
tap_plan 18

sb_license 2
sip_port=$(sb_free_port)
sb_conf b.conf <<CONF
$lic_conf
sip: { listen = [ "udp:127.0.0.1:$sip_port" ];
       security: { auth_fail_limit = 5; user_fail_limit = 8; request_limit = 50; request_window = 2;
                   ban_time = 600; }; };
stations = ( { user = "d1"; password = "door-pass-1"; } );
CONF
sb_start b.conf
tap_ok $? "daemon starts with sip.security limits"
ctl license install "$lic_file" >/dev/null

sc() { _c=$1; shift; python3 "$top_srcdir/tests/peers/sip-client.py" "$_c" 127.0.0.1 "$sip_port" "$@" --timeout 1; }
bans() { ctl --json show bans; }

out=$(sc guess d1 6 --bind 127.0.0.2)
[ "$out" = "401 401 401 401 401 0" ]
tap_ok $? "a guesser gets five 401s, then (banned) no answer at all: $out"
row=$(bans | json_get "[(r['address'], r['reason'], r['expires_in']) for r in j['rows'] if r['address'] == '127.0.0.2']")
echo "$row" | grep -q "'127.0.0.2', '5 failed authentications in 600 s', 600\|'127.0.0.2', '5 failed authentications in 600 s', 599"
tap_ok $? "show bans: 127.0.0.2, why, time left" || tap_diag "$row" "$(ctl show bans)"
[ "$(sc request OPTIONS --bind 127.0.0.2)" = 0 ]
tap_ok $? "a banned address gets no answer to anything (dropped before sofia-sip parses it)"
[ "$(grep -c 'auth failure from 127.0.0.2: REGISTER as "d1": wrong user name or password' "$sb_tmp/daemon.log")" = 5 ] &&
	grep -q 'ban 127.0.0.2 for 600 s: 5 failed authentications in 600 s' "$sb_tmp/daemon.log"
tap_ok $? "one log line per failure and one for the ban, with the address"
[ "$(sc register d1 door-pass-1 --alg MD5)" = 200 ]
tap_ok $? "the station itself, from its own address, still registers"

if command -v fail2ban-regex >/dev/null && [ -f /etc/fail2ban/filter.d/common.conf ]; then
	# the filter as installed: beside fail2ban's common.conf, which it includes
	mkdir -p "$sb_tmp/f2b" && cp /etc/fail2ban/filter.d/common.conf "$sb_tmp/f2b/" &&
		cp "$top_srcdir/packaging/fail2ban/filter.d/symbridge.conf" "$sb_tmp/f2b/"
	f2b=$(fail2ban-regex "$sb_tmp/daemon.log" "$sb_tmp/f2b/symbridge.conf" 2>&1)
	echo "$f2b" | grep -q '^Lines: [0-9]* lines, 0 ignored, 6 matched'
	tap_ok $? "fail2ban-regex: the shipped filter matches the five failures and the ban" ||
		tap_diag "$(echo "$f2b" | tail -n 25)"
else
	tap_skip "fail2ban-regex is not installed (Debian package fail2ban)"
fi

ctl unban 127.0.0.2 >/dev/null && [ "$(sc request OPTIONS --bind 127.0.0.2)" = 200 ] &&
	[ "$(bans | json_get "len(j['rows'])")" = 0 ]
tap_ok $? "unban 127.0.0.2: it is answered again and show bans is empty"
ctl unban 127.0.0.9 >/dev/null 2>&1
[ $? = 1 ]
tap_ok $? "unban of an address that is not banned fails (exit 1)"

# eight failures for d1 in all (five above, three more from another address): d1 is locked, even
# with the right password, while its guessers' addresses stay under their own limit
out=$(sc guess d1 3 --bind 127.0.0.3)
[ "$out" = "401 401 401" ] && grep -q 'lock user "d1" for 600 s: 8 failed authentications' "$sb_tmp/daemon.log"
tap_ok $? "eight failures as d1 from two addresses lock the user name d1" || tap_diag "$out"
[ "$(sc register d1 door-pass-1 --alg MD5)" = 401 ] &&
	grep -q 'auth failure from 127.0.0.1: user "d1" is locked for' "$sb_tmp/daemon.log"
tap_ok $? "a locked user is refused even with the right password, logged"
[ "$(bans | json_get "[r['user'] for r in j['rows']]")" = "['d1']" ] && ctl unban d1 >/dev/null &&
	[ "$(sc register d1 door-pass-1 --alg MD5)" = 200 ]
tap_ok $? "show bans lists the user; unban d1 lets the station in again"

# a flood: more than 50 requests in 2 s from one address
got=$(sc flood 200 --bind 127.0.0.4)
ok=$(echo "$got" | tr ' ' '\n' | sed -n 's/^200://p')
[ "${ok:-0}" -ge 40 ] && [ "$ok" -le 50 ] && ! echo "$got" | grep -q '500:' &&
	[ "$(sc request OPTIONS --bind 127.0.0.4)" = 0 ]
tap_ok $? "a flood of 200 OPTIONS from 127.0.0.4: at most 50 answered 200 ($got), then no answer"
bans | json_get "[r['reason'] for r in j['rows'] if r['address'] == '127.0.0.4']" | grep -q 'more than 50 requests in 2 s' &&
	grep -q 'ban 127.0.0.4 for 600 s: more than 50 requests in 2 s' "$sb_tmp/daemon.log"
tap_ok $? "the flooding address is banned for request_limit, logged"
[ "$(sc request OPTIONS)" = 200 ]
tap_ok $? "others are still answered during the ban"

# a ban ends by itself: the kernel filter lets the address in again
sed -i 's/ban_time = 600;/ban_time = 2;/' "$sb_tmp/b.conf"
ctl reload >/dev/null
tap_ok $? "reload with ban_time = 2"
out=$(sc guess d1 6 --bind 127.0.0.6)
[ "$out" = "401 401 401 401 401 0" ] &&
	sb_poll 10 sh -c "[ \"\$(python3 $top_srcdir/tests/peers/sip-client.py request 127.0.0.1 $sip_port OPTIONS --bind 127.0.0.6 --timeout 0.3)\" = 200 ]"
tap_ok $? "a 2 s ban ends: the address is answered again ($out)"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
