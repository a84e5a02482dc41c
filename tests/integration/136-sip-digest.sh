#!/bin/sh
# 136-sip-digest.sh: digest done right (RFC 7616) and the registrar's checks, against hostile
# requests in a network namespace of the test's own: MD5 and SHA-256 offered, a sniffed REGISTER or INVITE
# replayed (new Call-ID, Contact, port; or another address) is refused, Expires: 4294967296,
# foreign Contacts, MESSAGE/INFO outside a dialog, the Server header.
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
tap_plan 17

sb_license 4
sip_port=$(sb_free_port)
sb_conf d.conf <<CONF
$lic_conf
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; max_expires = 900; };
stations = ( { user = "d1"; password = "door-pass-1"; },
             { user = "d2"; password = "door-pass-2"; allow_foreign_contact = true; } );
CONF
sb_start d.conf
tap_ok $? "daemon starts in a network namespace of its own"
ctl license install "$lic_file" >/dev/null

sc() { _c=$1; shift; python3 "$top_srcdir/tests/peers/sip-client.py" "$_c" 127.0.0.1 "$sip_port" "$@"; }

out=$(sc request OPTIONS --show User-Agent --show Server --show Allow)
[ "$(echo "$out" | sed -n 1p)" = 200 ] && [ "$(echo "$out" | sed -n 2p)" = symbridge ] &&
	! echo "$out" | grep -q 'sofia\|[0-9]\.[0-9]' && ! echo "$out" | grep -q MESSAGE
tap_ok $? "replies carry symbridge (sip.server_header), no versions; Allow lists no MESSAGE" || tap_diag "$out"

out=$(sc request REGISTER --to d1 --show WWW-Authenticate)
echo "$out" | sed -n 2p | grep -q 'algorithm=MD5, qop="auth"' &&
	echo "$out" | sed -n 3p | grep -q 'algorithm=SHA-256, qop="auth"'
tap_ok $? "a REGISTER is challenged twice (RFC 7616): MD5 first (the default), then SHA-256" || tap_diag "$out"

[ "$(sc register d1 door-pass-1 --alg SHA-256 --save "$sb_tmp/reg.sip")" = 200 ]
tap_ok $? "a station registers with SHA-256"
[ "$(sc register d1 door-pass-1 --alg MD5)" = 200 ]
tap_ok $? "and with MD5"

# the sniffed REGISTER, unchanged but for Call-ID, Via branch and Contact port, from another port
[ "$(sc replay "$sb_tmp/reg.sip")" = 401 ]
tap_ok $? "the sniffed REGISTER replayed from another port is refused (nonce count repeated)"
[ "$(sc replay "$sb_tmp/reg.sip" --bind 127.0.0.2)" = 401 ]
tap_ok $? "replayed from another address it is refused (the nonce is bound to the address)"
grep -q 'auth failure from 127.0.0.1: REGISTER as "d1": nonce count repeated (replay)' "$sb_tmp/daemon.log" &&
	grep -q 'auth failure from 127.0.0.2: REGISTER as "d1": nonce not issued to this address' "$sb_tmp/daemon.log"
tap_ok $? "each refusal is one log line with the source address" || tap_diag "$(grep 'auth failure' "$sb_tmp/daemon.log")"
n=$(ctl --json show registrations | json_get "sum(1 for r in j['rows'] if r['user'] == 'd1' and r['contact'])")
[ "$n" = 2 ]
tap_ok $? "the replays registered nothing (d1 has its two contacts, SHA-256 and MD5)" || tap_diag "$n"

# an INVITE from a station, sniffed and replayed with a new Call-ID
first=$(sc invite d1 door-pass-1 555 --save "$sb_tmp/inv.sip")
[ -n "$first" ] && [ "$first" != 407 ] && [ "$(sc replay "$sb_tmp/inv.sip")" = 407 ]
tap_ok $? "a sniffed INVITE (answered $first) replayed with a new Call-ID gets 407, not a call"

[ "$(sc register d1 door-pass-1 --expires 4294967296)" = 200 ] &&
	e=$(ctl --json show registrations | json_get "max(r['expires_in'] or 0 for r in j['rows'] if r['user'] == 'd1')") &&
	[ "$e" -gt 800 ] && [ "$e" -le 900 ]
tap_ok $? "Expires: 4294967296 is cut down to max_expires (not read as 0)" || tap_diag "expires_in $e"

[ "$(sc register d1 door-pass-1 --contact-host 192.0.2.9)" = 403 ] &&
	grep -q 'station d1 may not register sip:d1@192.0.2.9:[0-9]* from 127.0.0.1:[0-9]*: the contact' "$sb_tmp/daemon.log"
tap_ok $? "a Contact whose host is not the request's source is refused 403, logged"
[ "$(sc register d2 door-pass-2 --contact-host 192.0.2.9)" = 200 ]
tap_ok $? "a station with allow_foreign_contact = true may register one"

for m in MESSAGE INFO; do
	out=$(sc request $m --show Allow)
	[ "$(echo "$out" | sed -n 1p)" = 405 ] && echo "$out" | sed -n 2p | grep -q 'INVITE.*REGISTER'
	tap_ok $? "$m outside a dialog is answered 405 with Allow" || tap_diag "$out"
done
out=$(sc request FROB)
[ "$out" = 501 ]
tap_ok $? "an unknown method is answered 501" || tap_diag "$out"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
