#!/bin/sh
# 241-crl-sips.sh: certificate revocation of the SIPS cloud link: kamailio (TLS) as the cloud in
# its namespace with a certificate of a CA run with `openssl ca`, naming a CRL distribution point
# on an HTTP server of the test. Not revoked: the link registers and the CRL is learnt and
# fetched; kamailio's certificate revoked and a reload fetching the new CRL: the connection is
# ended, show cloud and the log name the serial, the next handshakes are refused, no registration.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers kamailio openssl
tap_plan 6

web_pid=
cleanup241() { [ -n "$web_pid" ] && kill "$web_pid" 2>/dev/null; sb_sip_cleanup; }
trap cleanup241 EXIT

pki=$sb_tmp/pki web=$sb_tmp/web
mkdir -p "$web"
hp=$(sb_free_port)
kp=$(sb_free_port)
mk() { sh "$top_srcdir/tests/peers/mkcrlpki.sh" "$1" "$pki" "$2" ${3:+"$3"}; }
sb_cloud_net && mk init "http://127.0.0.1:$hp/ca.crl" "$sb_cloud_ip" && mk gencrl "$web/ca.crl" ||
	{ echo "Bail out! no cloud namespace or PKI"; exit 1; }
python3 -m http.server "$hp" --bind 127.0.0.1 --directory "$web" >"$sb_tmp/web.log" 2>&1 &
web_pid=$!
listening() { python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$1" 2>/dev/null; }
sb_poll 10 listening "$hp" && sb_kamailio_start "$kp"
tap_ok $? "the cloud at $sb_cloud_ip: kamailio on $kp with a certificate naming http://127.0.0.1:$hp/ca.crl" ||
	exit 1

sb_conf c.conf <<CONF
system: { name = "t241"; };
sip: { retry_min = 1; retry_max = 2; keepalive_interval = 1; };
cloud: { enabled = true; registrar = [ "sips:$sb_cloud_ip:$kp" ]; registration = "per-channel";
  tls: { ca_file = "$pki/ca.pem"; cert_file = "$pki/ca-device.crt"; key_file = "$pki/ca-device.key"; };
  crl: { refresh = 600; }; };
cards = ( { slot = 1; type = "sym-bridge"; channels = ( { number = "100"; target = "cloud:a"; } ); } );
CONF
sb_start c.conf
field() { ctl --json show cloud | json_get "j['item']['$1']" 2>/dev/null; }
registered() { [ "$(field state)" = registered ]; }
up_and_ok() { registered && [ "$(field crl)" = ok ]; }
sb_poll 30 up_and_ok
tap_ok $? "(a) not revoked: registered, the CRL learnt from kamailio's certificate and fetched ($(field crl_url))" ||
	tap_diag "$(ctl show cloud)" "$(tail -5 "$sb_tmp/daemon.log")"

# (b) kamailio's certificate revoked; the reload fetches the new CRL
serial=$(openssl x509 -in "$pki/ca-server.crt" -noout -serial | sed 's/serial=//')
mk revoke server && mk gencrl "$web/ca.crl" && ctl reload >/dev/null
ended() { grep -q "cloud TLS connection ended: certificate revoked: serial $serial, revoked on " "$sb_tmp/daemon.log"; }
sb_poll 30 ended
tap_ok $? "(b) revoked: the connection up is ended and the log says why" ||
	tap_diag "$(grep -e crl -e 'cloud' "$sb_tmp/daemon.log" | tail -8)"
refused() {
	[ "$(field crl_refused_cloud)" -ge 1 ] 2>/dev/null && ! registered &&
		case "$(field last_error)" in *"certificate revoked: serial $serial"*) true ;; *) false ;; esac
}
sb_poll 30 refused
tap_ok $? "the next handshakes are refused; show cloud: $(field last_error)" || tap_diag "$(ctl show cloud)"
f0=$(field failures)
retried() { [ "$(field failures)" -ge $((f0 + 2)) ] 2>/dev/null && ! registered; }
sb_poll 30 retried && [ "$(field connection_losses)" -ge 1 ]
tap_ok $? "retried with backoff, refused each time, never registered ($(field failures) failures)" ||
	tap_diag "$(ctl show cloud)"
sb_stop
tap_ok $? "the daemon stops cleanly"
tap_done
