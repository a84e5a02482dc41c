#!/bin/sh
# 215-sip-tls-reload.sh: `reload` takes a renewed certificate of the tls: listener
# (sip.certificate_dir's agent.pem and cafile.pem) without a restart: a TLS connection made
# before the reload stays up, a new one gets the new certificate; a key that does not match
# its certificate is refused and the listener keeps the one it has.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers openssl
tap_plan 6

pids=
cleanup215() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_cleanup; }
trap cleanup215 EXIT

sip_port=$(sb_free_port)
tls_port=$(sb_free_port)
sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" ca >/dev/null &&
	sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" ca2 >/dev/null
mkdir -m 0700 "$sb_tmp/certs"
# agent CA KEY-CA: agent.pem from CA's server certificate with KEY-CA's key, cafile.pem CA's
agent() {
	cat "$sb_tmp/pki/$2-server.key" "$sb_tmp/pki/$1-server.crt" >"$sb_tmp/certs/agent.pem"
	cp "$sb_tmp/pki/$1.pem" "$sb_tmp/certs/cafile.pem"
	chmod 0600 "$sb_tmp/certs/agent.pem"
}
agent ca ca
sb_conf c.conf <<CONF
sip: { listen = [ "udp:127.0.0.1:$sip_port", "tls:127.0.0.1:$tls_port" ];
       certificate_dir = "$sb_tmp/certs"; };
stations = ( { user = "door"; password = "door-secret-215"; } );
CONF
sb_start c.conf
# issuer NAME: the issuer of the certificate a new TLS connection to the listener gets
issuer() {
	timeout 10 openssl s_client -connect "127.0.0.1:$tls_port" </dev/null 2>/dev/null |
		openssl x509 -noout -issuer 2>/dev/null | sed 's/^issuer=//'
}
i=$(issuer)
case $i in *"symbridge test CA ca") r=0 ;; *) r=1 ;; esac
tap_ok $r "the listener presents the certificate of CA ca ($i)"

# a connection made before the reload, held open (its input is a pipe we keep)
mkfifo "$sb_tmp/in"
(exec timeout 120 openssl s_client -connect "127.0.0.1:$tls_port" <"$sb_tmp/in" \
	>"$sb_tmp/held.out" 2>&1) &
held=$!
pids="$pids $held"
exec 9>"$sb_tmp/in"
connected() { grep -q '^ *Verify return code\|^---' "$sb_tmp/held.out"; }
sb_poll 10 connected

agent ca2 ca2
out=$(ctl reload 2>&1)
grep -q 'notice sip: sip tls certificate reloaded from' "$sb_tmp/daemon.log"
tap_ok $? "reload: the renewed certificate is taken ($out)" || tap_diag "$(tail -3 "$sb_tmp/daemon.log")"
i=$(issuer)
case $i in *"symbridge test CA ca2") r=0 ;; *) r=1 ;; esac
tap_ok $r "a new connection gets the certificate of CA ca2 ($i)"
kill -0 "$held" 2>/dev/null && ss -Htn state established "( dport = :$tls_port )" | grep -q .
tap_ok $? "the connection made before the reload is still up"
exec 9>&-

# a key of another certificate: refused, the listener keeps ca2's
agent ca ca2
ctl reload >/dev/null
i=$(issuer)
grep -q 'error sip: sip tls certificate not reloaded, the listener keeps the one it has' "$sb_tmp/daemon.log" &&
	case $i in *"symbridge test CA ca2") true ;; *) false ;; esac
tap_ok $? "a key that does not match: not reloaded, the listener keeps CA ca2's ($i)" ||
	tap_diag "$(tail -3 "$sb_tmp/daemon.log")"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
