#!/bin/sh
# 185-sip-digest-order.sh: which digest challenges a station gets decides whether a simple one
# registers. Default (MD5 first, then SHA-256): sipp 3.6 (answers only the first challenge, MD5
# only) and a SHA-256 client register; baresip 1.0 (libre 1.1) refuses a REGISTER as soon as any
# challenge names an algorithm other than MD5, so it needs the station's own
# digest_algorithms = [ "MD5" ], with which it registers. With sip.security.digest_algorithms =
# [ "SHA-256", "MD5" ] (RFC 7616's strongest first) sipp fails while clients that pick their
# challenge still register; with [ "SHA-256" ] MD5 is refused. In a network namespace of its own.
. "$top_srcdir/tests/lib/netns.sh"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
. "$top_srcdir/tests/lib/station.sh"
sb_need_peers sipp baresip
tap_plan 14

cleanup185() { sb_station_stop bs1; sb_station_stop bs2; sb_sip_cleanup; }
trap cleanup185 EXIT

sb_license 8
sip_port=$(sb_free_port)
sb_conf d.conf <<CONF
$lic_conf
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; };
stations = ( { user = "s1"; password = "pass-185-1"; }, { user = "s2"; password = "pass-185-2"; },
             { user = "b1"; password = "pass-185-3"; }, { user = "b2"; password = "pass-185-4"; },
             { user = "c1"; password = "pass-185-5"; },
             { user = "b3"; password = "pass-185-6"; digest_algorithms = [ "MD5" ]; } );
CONF
sb_start d.conf
tap_ok $? "daemon starts with the default digest_algorithms"
ctl license install "$lic_file" >/dev/null

sc() { _c=$1; shift; python3 "$top_srcdir/tests/peers/sip-client.py" "$_c" 127.0.0.1 "$sip_port" "$@"; }
registered() { ctl --json show registrations | json_get "[r['user'] for r in j['rows'] if r.get('contact')]" | grep -q "'$1'"; }

out=$(sc request REGISTER --to c1 --show WWW-Authenticate)
echo "$out" | sed -n 2p | grep -q 'algorithm=MD5, qop="auth"' &&
	echo "$out" | sed -n 3p | grep -q 'algorithm=SHA-256, qop="auth"'
tap_ok $? "default: two challenges, MD5 first, then SHA-256" || tap_diag "$out"
sb_sipp_register s1 pass-185-1 60 200
tap_ok $? "default: sipp 3.6 (first challenge only, MD5 only) registers" ||
	tap_diag "$(tail -n 20 "$sb_tmp/sipp-s1-200.out")"
sb_station_start bs1 PCMA/8000 "<sip:b1@127.0.0.1:$sip_port;transport=udp>;auth_pass=pass-185-3;regint=300"
sb_poll 15 grep -q 'Register: Function not implemented' "$sb_tmp/st-bs1.log"
! registered b1
tap_ok $? "default: baresip 1.0 (libre 1.1) refuses the two challenges (a SHA-256 one among them)" ||
	tap_diag "$(ctl show registrations)" "$(tail -n 5 "$sb_tmp/st-bs1.log")"
out=$(sc request REGISTER --to b3 --show WWW-Authenticate)
[ "$(echo "$out" | grep -c algorithm=)" = 1 ] && echo "$out" | sed -n 2p | grep -q 'algorithm=MD5'
tap_ok $? "a station with its own digest_algorithms = [ \"MD5\" ] is challenged with MD5 only" || tap_diag "$out"
sb_station_start bs2 PCMA/8000 "<sip:b3@127.0.0.1:$sip_port;transport=udp>;auth_pass=pass-185-6;regint=300"
sb_poll 15 registered b3
tap_ok $? "baresip 1.0 registers as that station" ||
	tap_diag "$(ctl show registrations)" "$(tail -n 5 "$sb_tmp/st-bs2.log")"
[ "$(sc register c1 pass-185-5 --alg SHA-256)" = 200 ]
tap_ok $? "default: a SHA-256 client still registers with SHA-256 (the second challenge)"

sed -i 's/listen = \[/security: { digest_algorithms = [ "SHA-256", "MD5" ]; }; listen = [/' "$sb_tmp/d.conf"
ctl reload >/dev/null
tap_ok $? "reload with digest_algorithms = [ \"SHA-256\", \"MD5\" ]"
out=$(sc request REGISTER --to c1 --show WWW-Authenticate)
echo "$out" | sed -n 2p | grep -q 'algorithm=SHA-256' && echo "$out" | sed -n 3p | grep -q 'algorithm=MD5'
tap_ok $? "SHA-256 first: the challenges come in that order" || tap_diag "$out"
sb_sipp_register s2 pass-185-2 60 200
[ $? -ne 0 ] && ! registered s2
tap_ok $? "SHA-256 first: sipp 3.6 cannot register (it answers the SHA-256 challenge it does not know)" ||
	tap_diag "$(tail -n 5 "$sb_tmp/sipp-s2-200.out")"
out=$(sc request REGISTER --to b3 --show WWW-Authenticate)
[ "$(echo "$out" | grep -c algorithm=)" = 1 ] && echo "$out" | sed -n 2p | grep -q 'algorithm=MD5' &&
	[ "$(sc register b3 pass-185-6 --alg MD5)" = 200 ] &&
	sc register b3 pass-185-6 --alg SHA-256 2>&1 | grep -q 'no SHA-256 challenge'
tap_ok $? "the station's own list still holds: MD5 only" || tap_diag "$out"
[ "$(sc register c1 pass-185-5 --alg MD5)" = 200 ] && [ "$(sc register c1 pass-185-5 --alg SHA-256)" = 200 ]
tap_ok $? "SHA-256 first: clients that pick their challenge register with MD5 and with SHA-256"

sed -i 's/digest_algorithms = \[ "SHA-256", "MD5" \]/digest_algorithms = [ "SHA-256" ]/' "$sb_tmp/d.conf"
ctl reload >/dev/null && [ "$(sc register c1 pass-185-5 --alg SHA-256)" = 200 ] &&
	sc register c1 pass-185-5 --alg MD5 2>&1 | grep -q 'no MD5 challenge'
tap_ok $? "digest_algorithms = [ \"SHA-256\" ]: SHA-256 only, no MD5 challenge"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
