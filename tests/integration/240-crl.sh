#!/bin/sh
# 240-crl.sh: certificate revocation of the broker (the MQTTS channel): a CA run with `openssl
# ca` whose certificates name a CRL distribution point on an HTTP server of the test; the CRL is
# learnt from the broker's certificate and fetched; the broker's certificate revoked and a reload
# fetching the new CRL ends the connection with the reason (serial, date) and refuses the next;
# a restart with the HTTP server down uses the cached CRL; a stale CRL is a warning with the
# connection up, and with cloud.crl.stale = "refuse" the connection is ended.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/mqtt.sh"
sb_need_peers mosquitto openssl
tap_plan 13

pki=$sb_tmp/pki web=$sb_tmp/web
mkdir -p "$web"
hp=$(sb_free_port)
bp=$(sb_free_port)
mk() { sh "$top_srcdir/tests/peers/mkcrlpki.sh" "$1" "$pki" "$2" ${3:+"$3"}; }
mk init "http://127.0.0.1:$hp/ca.crl" && mk gencrl "$web/ca.crl"
tap_ok $? "a CA with openssl ca, certificates naming http://127.0.0.1:$hp/ca.crl, an empty CRL" || exit 1

web_pid=
web_start() {
	python3 -m http.server "$hp" --bind 127.0.0.1 --directory "$web" >"$sb_tmp/web.log" 2>&1 &
	web_pid=$!
	mq_pids="$mq_pids $web_pid"
	sb_poll 10 mq_listening "$hp"
}
web_stop() { kill "$web_pid" && wait "$web_pid" 2>/dev/null; }
web_start && mq_broker_start "$bp"
tap_ok $? "the CRL's HTTP server on $hp, mosquitto (TLS, the CA's server certificate) on $bp" || exit 1

conf() {
	sb_conf c.conf <<CONF
system: { name = "t240"; };
cloud: { tls: { ca_file = "$pki/ca.pem"; cert_file = "$pki/ca-device.crt";
                key_file = "$pki/ca-device.key"; };
         mqtt: { broker = "127.0.0.1:$bp"; };
         crl: { stale = "$1"; refresh = 600; }; };
CONF
}
conf warn
sb_start c.conf
cloud() { ctl --json show cloud | json_get "j['item']['$1']" 2>/dev/null; }
mqtt() { ctl --json show mqtt | json_get "j['item']['$1']" 2>/dev/null; }
connected() { [ "$(mqtt mqtt)" = connected ]; }
crl_is() { [ "$(cloud crl)" = "$1" ]; }
sb_poll 20 connected && sb_poll 20 crl_is ok
tap_ok $? "(a) not revoked: connected, the CRL learnt from the broker's certificate and fetched ($(cloud crl_url))" ||
	tap_diag "$(ctl show mqtt; ctl show cloud; grep crl "$sb_tmp/daemon.log")"

# (c) the broker's certificate revoked; a reload fetches the new CRL
serial=$(openssl x509 -in "$pki/ca-server.crt" -noout -serial | sed 's/serial=//')
mk revoke server && mk gencrl "$web/ca.crl" && ctl reload >/dev/null
revoked() { case "$(mqtt mqtt_last_error)" in *"certificate revoked: serial $serial, revoked on "*) true ;; *) false ;; esac; }
sb_poll 20 revoked && ! connected
tap_ok $? "(c) revoked: the connection ended, show mqtt says why: $(mqtt mqtt_last_error)" ||
	tap_diag "$(ctl show mqtt; ctl show cloud)"
refused() { [ "$(cloud crl_refused_broker)" -ge 1 ] 2>/dev/null; }
# (show mqtt's last error is cleared while an attempt is under way: polled together)
refused_revoked() { refused && revoked && ! connected; }
sb_poll 20 refused_revoked
tap_ok $? "the next attempt is refused in its handshake: $(cloud crl_refused_broker_last)" ||
	tap_diag "$(ctl show mqtt; ctl show cloud)"
grep -q "mqtt broker .*connection lost (connection ended: certificate revoked: serial $serial" "$sb_tmp/daemon.log" &&
	[ "$(cloud crl_revoked)" = 1 ]
tap_ok $? "the log says so; show cloud counts 1 revoked" || tap_diag "$(grep -e mgmt -e crl "$sb_tmp/daemon.log" | tail -5)"

# (e) a restart with the CRL's server down: the cached CRL is used
sb_stop
stop_rc=$?
web_stop
sb_start c.conf && sb_poll 20 refused && [ "$(cloud crl_source)" = cache ] && ! connected
tap_ok $? "(e) restart without the CRL's server (stop: $stop_rc): the cache is used, the broker refused" ||
	tap_diag "$(ctl show cloud; grep crl "$sb_tmp/daemon.log" | tail -5)"
failing() { [ -n "$(cloud crl_last_error)" ]; }
sb_poll 20 failing
tap_ok $? "the failing fetch is shown: $(cloud crl_last_error)" || tap_diag "$(ctl show cloud)"

# (d) a stale CRL: a new broker certificate (not revoked), a CRL past its nextUpdate, no cache
sb_stop
mk issue server2 && mk gencrl "$web/ca.crl" stale && rm -rf "$sb_tmp/state/crl" &&
	cp "$pki/ca-server2.crt" "$pki/ca-server.crt" && cp "$pki/ca-server2.key" "$pki/ca-server.key" &&
	mq_broker_stop && mq_broker_start "$bp" && web_start
tap_ok $? "a new broker certificate, a stale CRL served" || exit 1
sb_start c.conf && sb_poll 20 connected && sb_poll 20 crl_is stale
tap_ok $? "(d) stale CRL with stale = \"warn\": connected, show cloud says stale" ||
	tap_diag "$(ctl show mqtt; ctl show cloud)"
# show cloud's `crl` is computed when asked; the warning comes with the module's next 1 s tick
warned() {
	case "$(cloud crl_warning)" in *"is stale"*"connections go on"*) true ;; *) false ;; esac &&
		grep -q "crl.*is stale" "$sb_tmp/daemon.log"
}
sb_poll 10 warned
tap_ok $? "a warning in show cloud and the log: $(cloud crl_warning)" || tap_diag "$(ctl show cloud)"
conf refuse
ctl reload >/dev/null
stale_refused() { case "$(mqtt mqtt_last_error)" in *"is stale"*"refuse"*) true ;; *) false ;; esac; }
sb_poll 20 stale_refused && ! connected
tap_ok $? "stale = \"refuse\": the connection is ended: $(mqtt mqtt_last_error)" ||
	tap_diag "$(ctl show mqtt; ctl show cloud)"
sb_stop
tap_ok $? "the daemon stops cleanly"
tap_done
