#!/bin/sh
# 183-sip-tls-listener.sh: the tls: listener of the local side offers TLS 1.2 ECDHE suites with
# AEAD only (static RSA and CBC refused) and TLS 1.3; sip.tls.ciphers overrides the list; new
# connections per source are limited (sip.limits.connection_rate_per_source); the memory each
# accepted TLS connection costs (Debian's sofia-sip 1.12.11 keeps it) is measured. In a network
# namespace.
if [ -z "${SB_IN_NETNS:-}" ]; then
	unshare -n true 2>/dev/null || { echo "1..0 # SKIP cannot make a network namespace"; exit 0; }
	SB_IN_NETNS=1 exec unshare -n sh "$0" "$@"
fi
ip link set lo up
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
tap_plan 13

sip_port=$(sb_free_port)
tls_port=$(sb_free_port)
sb_pki ca
mkdir -m 0700 "$sb_tmp/certs"
cat "$sb_tmp/pki/ca-server.key" "$sb_tmp/pki/ca-server.crt" >"$sb_tmp/certs/agent.pem"
cp "$sb_tmp/pki/ca.pem" "$sb_tmp/certs/cafile.pem"
chmod 0600 "$sb_tmp/certs/agent.pem"
conf() {
	cat <<CONF
sip: { listen = [ "udp:127.0.0.1:$sip_port", "tls:127.0.0.1:$tls_port" ];
       certificate_dir = "$sb_tmp/certs"; $1 };
stations = ( { user = "door"; password = "door-secret-183"; } );
CONF
}
conf "" | sb_conf c.conf
sb_start c.conf
tap_ok $? "daemon starts with a tls: listener"

# hello [OPTIONS...]: a TLS handshake with openssl s_client; prints the cipher, fails if none
hello() {
	timeout 10 openssl s_client -connect "127.0.0.1:$tls_port" "$@" </dev/null \
		>"$sb_tmp/s_client.out" 2>&1
	c=$(sed -n 's/^ *Cipher *: *//p; s/^New, .*, Cipher is //p' "$sb_tmp/s_client.out" |
		grep -v '0000' | head -n 1)
	echo "$c"
	[ -n "$c" ] && [ "$c" != "(NONE)" ]
}
c=$(hello -tls1_2 -cipher AES128-SHA)
tap_ok $(($? == 0)) "TLS 1.2 with static RSA and CBC (AES128-SHA) is refused" || tap_diag "$c"
c=$(hello -tls1_2 -cipher AES128-GCM-SHA256)
tap_ok $(($? == 0)) "TLS 1.2 with static RSA and GCM (AES128-GCM-SHA256) is refused" || tap_diag "$c"
c=$(hello -tls1_2 -cipher ECDHE-RSA-AES128-SHA)
tap_ok $(($? == 0)) "TLS 1.2 with ECDHE and CBC (ECDHE-RSA-AES128-SHA) is refused" || tap_diag "$c"
c=$(hello -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)
tap_ok $? "TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256 is accepted: $c"
c=$(hello -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305)
tap_ok $? "TLS 1.2 with ECDHE-RSA-CHACHA20-POLY1305 is accepted: $c"
c=$(hello -tls1_3)
tap_ok $? "TLS 1.3 is accepted: $c"

# churn: 40 handshakes in a row from one address; the default allows a burst of 30 a minute
r=$(python3 "$top_srcdir/tests/peers/tls-churn.py" 127.0.0.1 "$tls_port" 40 1 127.0.0.50)
set -- $r
[ "$2" -ge 29 ] && [ "$2" -le 31 ] && [ "$4" -ge 9 ]
tap_ok $? "40 TLS connections at once from one address: $r (burst of 30 a minute)"
grep -q 'sip connection from 127.0.0.50 refused: sip.limits.connection_rate_per_source exceeded' \
	"$sb_tmp/daemon.log"
tap_ok $? "the refusal is logged"

# what each accepted TLS connection costs: 400 handshakes from 20 addresses (20 each)
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$sb_pid/status"; }
python3 "$top_srcdir/tests/peers/tls-churn.py" 127.0.0.1 "$tls_port" 40 20 127.0.1.1 >/dev/null
r0=$(rss)
r=$(python3 "$top_srcdir/tests/peers/tls-churn.py" 127.0.0.1 "$tls_port" 400 20 127.0.2.1)
r1=$(rss)
per=$(( (r1 - r0) * 1024 / 400 ))
set -- $r
[ "$2" = 400 ] && [ "$per" -lt 102400 ]
tap_ok $? "400 TLS connections from 20 addresses: $r; RSS $r0 -> $r1 kB, $per bytes a connection (bound 100 kB)"
tap_diag "tls leak: $per bytes per accepted connection (RSS $r0 -> $r1 kB over 400)"
sb_stop
tap_ok $? "daemon exits 0"

# the override: one suite only
conf 'tls: { ciphers = "ECDHE-RSA-AES256-GCM-SHA384"; };' | sb_conf o.conf
sb_start o.conf
c=$(hello -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256)
r1=$?
c2=$(hello -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384)
[ $r1 != 0 ] && [ "$c2" = ECDHE-RSA-AES256-GCM-SHA384 ]
tap_ok $? "sip.tls.ciphers = \"ECDHE-RSA-AES256-GCM-SHA384\": AES128-GCM refused, $c2 accepted"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
