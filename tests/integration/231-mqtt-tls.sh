#!/bin/sh
# 231-mqtt-tls.sh: the management channel verifies the broker: a broker whose certificate comes
# from a CA that cloud.tls.ca_file does not hold is refused, show mqtt says why and keeps
# retrying with backoff (nothing is published there); the broker with a certificate of the
# right CA is then taken, and a client id refused by the broker's CONNACK is said as such.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/mqtt.sh"
sb_need_peers mosquitto openssl
tap_plan 6

mq_pki && sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" other >/dev/null
bp=$(sb_free_port)
mq_broker_start "$bp" other
tap_ok $? "mosquitto on $bp with a certificate from another CA" || exit 1

sb_conf c.conf <<CONF
system: { name = "t231"; };
cloud: { tls: { ca_file = "$sb_tmp/pki/ca.pem"; cert_file = "$sb_tmp/pki/ca-device.crt";
                key_file = "$sb_tmp/pki/ca-device.key"; };
         mqtt: { broker = "127.0.0.1:$bp"; }; };
CONF
sb_start c.conf
tap_ok $? "daemon up"

item() { ctl --json show mqtt | json_get "j['item']['$1']" 2>/dev/null; }
failed_twice() { [ "$(item mqtt_failures)" -ge 2 ] 2>/dev/null; }
sb_poll 15 failed_twice
tap_ok $? "the broker's certificate is refused, again after a backoff ($(item mqtt_failures) failures)" ||
	tap_diag "$(ctl show mqtt)"
case "$(item mqtt_last_error)" in *"TLS handshake failed"*"certificate verify failed"*) true ;; *) false ;; esac
tap_ok $? "show mqtt says why: $(item mqtt_last_error)" || tap_diag "$(ctl show mqtt)"
! grep -q "Received PUBLISH" "$sb_tmp/mq/broker.log" &&
	grep -q "cannot connect (TLS handshake failed" "$sb_tmp/daemon.log"
tap_ok $? "nothing was published there; the log names the failure" ||
	tap_diag "$(grep mgmt "$sb_tmp/daemon.log" | tail -3)"

# the right broker (a certificate of the test CA) on the same port: taken at the next try
mq_broker_stop
mq_broker_start "$bp" && sb_poll 40 sh -c "[ \"\$(\"$SYMBRIDGECTL\" -s \"$sb_tmp/ctl.sock\" --json show mqtt | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"item\"][\"mqtt\"])')\" = connected ]" &&
	sb_stop
tap_ok $? "the broker with the right certificate is taken at the next try; the daemon stops cleanly" ||
	tap_diag "$(ctl show mqtt)"
tap_done
