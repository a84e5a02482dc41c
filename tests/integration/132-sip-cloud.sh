#!/bin/sh
# 132-sip-cloud.sh: the cloud link against kamailio with TLS and client certificates (in the
# cloud's network namespace, tests/lib/sip.sh):
# registrations over TLS shown in show cloud, backoff while kamailio is down and back within the
# bound, registrars in order with the first preferred again; a server certificate refused for
# each reason (unknown CA, host name mismatch, expired) and a TLS 1.1-only or 1.2-only server
# refused, each reason named in the log and in show cloud's last_error and kept there across
# the retries; a key file readable by others refused at start.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers kamailio openssl
tap_plan 21

sb_pki ca >/dev/null && sb_pki other >/dev/null
tap_ok $? "a test CA and a second, unrelated one are made" || { echo "Bail out! no test PKI"; exit 1; }
kp=$(sb_free_port)
dead=$(sb_free_port)
sb_kamailio_start "$kp"
tap_ok $? "kamailio listens for TLS on $sb_cloud_ip:$kp (the cloud's namespace)"

# cloud_conf REGISTRARS CA [EXTRA]: a config with two bridge channels registering to REGISTRARS
cloud_conf() {
	sb_conf c.conf <<CONF
system: { name = "t132"; };
sip: { retry_min = 1; retry_max = 2; keepalive_interval = 1; };
cloud: { enabled = true; registrar = [ $1 ]; registration = "per-channel";
  tls: { ca_file = "$sb_tmp/pki/$2.pem"; cert_file = "$sb_tmp/pki/ca-device.crt";
         key_file = "$sb_tmp/pki/ca-device.key"; bearer_token = "tok-5ecret-132"; $3 }; };
cards = ( { slot = 1; type = "sym-bridge"; channels = (
  { number = "100"; target = "cloud:a"; }, { number = "101"; target = "cloud:b"; } ); } );
CONF
}
cloud() { ctl --json show cloud; }
field() { cloud | json_get "j['item']['$1']"; }
is_state() { [ "$(field state)" = "$1" ]; }

cloud_conf "\"sips:$sb_cloud_ip:$kp\"" ca
sb_start c.conf
tap_ok $? "daemon starts with the cloud link enabled"
sb_poll 15 is_state registered
tap_ok $? "both channel identities register over TLS" || tap_diag "$(ctl show cloud)"
out=$(cloud)
printf '%s' "$out" | python3 -c "
import json, sys; j = json.load(sys.stdin); i = j['item']
assert i['host'] == 'sips:$sb_cloud_ip:$kp' and i['registered'] == 2 and i['identities'] == 2, i
assert i['tls_version'] in ('TLSv1.2', 'TLSv1.3') and i['tls_cipher'], i
assert i['mode'] == 'per-channel' and i['last_error'] is None, i
d = j['details']; assert len(d) == 2 and all('registered, expires in' in x for x in d), d
assert all(3000 < int(x.split()[-2]) <= 3600 for x in d), d"
tap_ok $? "show cloud names the host, TLS version and cipher, both registrations and their expiry" ||
	tap_diag "$out"
grep -q "REGISTER sips:$sb_cloud_ip:[0-9]* from sip:100@.* cert CN=symbridge-device .*auth=Bearer tok-5ecret-132" "$sb_tmp/kam.log" &&
	grep -q 'from sip:101@' "$sb_tmp/kam.log"
tap_ok $? "kamailio saw our client certificate and the bearer token"
! grep -q 'tok-5ecret' "$sb_tmp/daemon.log"
tap_ok $? "the bearer token never reaches our log"

sb_kamailio_stop
sb_poll 15 is_state "waiting to retry"
tap_ok $? "kamailio stopped: the link notices and waits to retry" || tap_diag "$(ctl show cloud)"
[ -n "$(field last_error)" ] && [ "$(field failures)" -ge 1 ]
tap_ok $? "show cloud says what failed and how often" || tap_diag "$(ctl show cloud)"
sb_kamailio_start "$kp"
t0=$(date +%s.%N)
sb_poll 15 is_state registered
rc=$?
dt=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")
# the bound: one pause of at most retry_max (2 s), then one REGISTER round trip
[ $rc -eq 0 ] && python3 -c "import sys; sys.exit(0 if $dt <= 4 else 1)"
tap_ok $? "kamailio back: registered again after $dt s (bound: retry_max 2 s + 2 s)" ||
	tap_diag "$(ctl show cloud)"
sb_stop
tap_ok $? "daemon exits 0"
grep -q "REGISTER sips:$sb_cloud_ip:[0-9]* from sip:100@.* expires=0$" "$sb_tmp/kam.log" &&
	grep -q "REGISTER sips:$sb_cloud_ip:[0-9]* from sip:101@.* expires=0$" "$sb_tmp/kam.log"
tap_ok $? "at shutdown both identities were unregistered"

# registrars in order: the first is dead, the second answers; then the first comes back
kp2=$(sb_free_port)
cloud_conf "\"sips:$sb_cloud_ip:$kp2\", \"sips:$sb_cloud_ip:$kp\"" ca
sb_start c.conf && sb_poll 15 is_state registered && [ "$(field host)" = "sips:$sb_cloud_ip:$kp" ]
tap_ok $? "the first registrar down: registered at the second" || tap_diag "$(ctl show cloud)"
sb_kamailio_start "$kp2" ca kam2
first() { [ "$(field host)" = "sips:$sb_cloud_ip:$kp2" ] && is_state registered; }
sb_poll 20 first
tap_ok $? "the first registrar back: the link moves back to it" || tap_diag "$(ctl show cloud)"
sb_stop
sb_kamailio_stop kam2

# refused REASON: the link waits to retry, has failed at least twice (the reason is kept across
# retries), names REASON in last_error and in the log, and shows no TLS version
failed_twice() { [ "$(field failures)" -ge 2 ]; }
refused() {
	sb_poll 20 failed_twice && is_state "waiting to retry" && [ "$(field registered)" = 0 ] &&
		field last_error | grep -q "$1" && [ "$(field tls_version)" = None ] &&
		grep -q "cloud TLS connection refused: .*$1" "$sb_tmp/daemon.log"
}

# a server certificate from another CA
cloud_conf "\"sips:$sb_cloud_ip:$kp\"" other
sb_start c.conf && refused "unknown CA"
tap_ok $? "a server certificate the CA did not sign: unknown CA, named: $(field last_error)"
sb_stop

# a server certificate without the registrar's address among its names
sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" bare >/dev/null
kb=$(sb_free_port)
sb_kamailio_start "$kb" bare kambare
cloud_conf "\"sips:$sb_cloud_ip:$kb\"" bare
sb_start c.conf && refused "host name mismatch: .*not $sb_cloud_ip"
tap_ok $? "a certificate for another host: host name mismatch, named: $(field last_error)"
sb_stop
sb_kamailio_stop kambare

# an expired server certificate (valid for 0 days: expired the second it was made)
sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" old "$sb_cloud_ip" 0 >/dev/null
ko=$(sb_free_port)
sb_kamailio_start "$ko" old kamold
cloud_conf "\"sips:$sb_cloud_ip:$ko\"" old
sb_start c.conf && refused "server certificate expired"
tap_ok $? "an expired certificate: named: $(field last_error)"
sb_stop
sb_kamailio_stop kamold

# a server that speaks TLS 1.1 and nothing newer
t11=$(sb_free_port)
ip netns exec "$sb_cloud_ns" openssl s_server -quiet -accept "$sb_cloud_ip:$t11" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' \
	-cert "$sb_tmp/pki/ca-server.crt" -key "$sb_tmp/pki/ca-server.key" </dev/null >"$sb_tmp/tls11.log" 2>&1 &
tls11_pid=$!
sb_poll 10 python3 -c "import socket; socket.create_connection(('$sb_cloud_ip', $t11), 0.5)"
cloud_conf "\"sips:$sb_cloud_ip:$t11\"" ca
sb_start c.conf && refused "TLS protocol version"
tap_ok $? "a TLS 1.1-only server: named: $(field last_error)"
sb_stop
kill "$tls11_pid"; wait "$tls11_pid" 2>/dev/null; tls11_pid=

# trunk mode: one registration for the whole appliance, named after system.name
cloud_conf "\"sips:$sb_cloud_ip:$kp\"" ca
sed -i 's/registration = "per-channel"/registration = "trunk"/' "$sb_tmp/c.conf"
sb_start c.conf && sb_poll 15 is_state registered && [ "$(field identities)" = 1 ] &&
	[ "$(field mode)" = trunk ] && cloud | json_get "j['details'][0]" | grep -q '^t132 registered'
tap_ok $? "trunk mode registers one identity, the appliance's name" || tap_diag "$(ctl show cloud)"
sb_stop

# min_version 1.3 against a server that stops at TLS 1.2
k12=$(sb_free_port)
sb_kamailio_start "$k12" ca kam12 TLSv1.2
cloud_conf "\"sips:$sb_cloud_ip:$k12\"" ca 'min_version = "1.3";'
sb_start c.conf && refused "TLS protocol version: .*TLS 1.3 and later"
tap_ok $? "min_version 1.3 refuses a TLS 1.2 server: named: $(field last_error)"
sb_stop
sb_kamailio_stop kam12

# the device key readable by others: the daemon does not start
chmod 0644 "$sb_tmp/pki/ca-device.key"
out=$("$SYMBRIDGED" -t -c "$sb_tmp/c.conf" 2>&1)
[ $? -eq 1 ] && printf '%s' "$out" | grep -q 'cloud.tls.key_file: .*ca-device.key is accessible by other users'
tap_ok $? "a key file readable by others is refused at start" || tap_diag "$out"
tap_done
