#!/bin/sh
# 213-cloud-cert-reload.sh: `reload` takes new cloud.tls certificate, key and CA files without a
# restart: the link's next connection presents the new device certificate (an openssl s_server
# as the registrar shows which one it got). A key that does not match the certificate is
# refused: the link keeps the certificate it has.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers openssl
tap_plan 5

pids=
cleanup213() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_cleanup; }
trap cleanup213 EXIT

# two CAs, each with a device certificate; the registrar trusts both
sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" ca >/dev/null &&
	sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" ca2 >/dev/null &&
	cat "$sb_tmp/pki/ca.pem" "$sb_tmp/pki/ca2.pem" >"$sb_tmp/pki/both.pem"
rp=$(sb_free_port)
conf() {
	sb_conf c.conf <<CONF
system: { name = "t213"; };
sip: { retry_min = 1; retry_max = 1; };
cloud: { enabled = true; registrar = [ "sips:127.0.0.1:$rp" ];
  tls: { ca_file = "$sb_tmp/pki/ca.pem"; cert_file = "$sb_tmp/pki/$1-device.crt";
         key_file = "$sb_tmp/pki/$2-device.key"; verify_host = false; }; };
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "100"; target = "cloud:a"; } ); } );
CONF
}
field() { ctl --json show cloud | json_get "j['item'].get('$1')"; }

conf ca ca
sb_start c.conf
tried() { [ "$(field failures)" -ge 1 ]; }
sb_poll 20 tried
tap_ok $? "daemon up with the device certificate of CA ca; the registrar does not answer yet" ||
	tap_diag "$(ctl show cloud)"

conf ca2 ca2
out=$(ctl reload 2>&1)
grep -q 'notice sip: cloud certificate reloaded from .*/ca2-device.crt' "$sb_tmp/daemon.log" &&
	[ "$(field cert_subject)" = "/CN=symbridge-device" ]
tap_ok $? "reload: the new certificate is taken ($out)" || tap_diag "$(tail -5 "$sb_tmp/daemon.log")"

# the registrar comes up: the next connection the link opens shows which certificate it has
(cd "$sb_tmp" && exec timeout 60 openssl s_server -accept "127.0.0.1:$rp" \
	-cert pki/ca-server.crt -key pki/ca-server.key -CAfile pki/both.pem -Verify 2 -naccept 1 -www \
	>s_server.out 2>&1) &
pids="$pids $!"
presented() { grep -q 'CN *= *symbridge test CA ca2' "$sb_tmp/s_server.out"; }
sb_poll 30 presented && ! grep -q 'CN *= *symbridge test CA ca$' "$sb_tmp/s_server.out"
tap_ok $? "the next connection presents the device certificate of CA ca2" ||
	tap_diag "$(cat "$sb_tmp/s_server.out")"

# a key of another certificate: refused, the link keeps the one it has
conf ca ca2
ctl reload >/dev/null
refused() { grep -q 'error sip: cloud certificate not reloaded, the link keeps the one it has: cloud.tls.cert_file and key_file' "$sb_tmp/daemon.log"; }
sb_poll 5 refused
tap_ok $? "a key that does not match: not reloaded, said in the log" || tap_diag "$(tail -3 "$sb_tmp/daemon.log")"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
