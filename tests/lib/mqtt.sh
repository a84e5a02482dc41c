# mqtt.sh: a mosquitto broker on 127.0.0.1 with TLS and client certificates (the PKI of
# tests/peers/mkpki.sh in $sb_tmp/pki), and mosquitto_sub subscribers writing what they get to
# files. Source after daemon.sh (and isdn.sh when used); every process is stopped by pid.
mq_pids=
mq_broker_pid=
mq_cleanup() {
	for _p in $mq_broker_pid $mq_pids; do
		kill "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	if command -v isdn_cleanup >/dev/null 2>&1; then isdn_cleanup; else sb_cleanup; fi
}
trap mq_cleanup EXIT

# mq_pki: the test CA, a server certificate for 127.0.0.1 and the device certificate
mq_pki() { sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" ca >/dev/null; }

# mq_broker_start PORT [CA]: mosquitto with TLS >= 1.2, client certificates of the test CA
# required, sessions kept across its restarts (persistence in $sb_tmp/mq); its own certificate is
# CA's server certificate (default the test CA "ca": mkpki.sh makes others); returns once it
# accepts connections (bounded)
mq_broker_start() {
	mkdir -p "$sb_tmp/mq"
	cat >"$sb_tmp/mq/mosquitto.conf" <<CONF
user root
per_listener_settings false
listener $1 127.0.0.1
cafile $sb_tmp/pki/ca.pem
certfile $sb_tmp/pki/${2:-ca}-server.crt
keyfile $sb_tmp/pki/${2:-ca}-server.key
require_certificate true
use_identity_as_username true
tls_version tlsv1.2
allow_anonymous false
persistence true
persistence_location $sb_tmp/mq/
autosave_interval 600
log_dest file $sb_tmp/mq/broker.log
log_type all
connection_messages true
CONF
	mosquitto -c "$sb_tmp/mq/mosquitto.conf" 2>>"$sb_tmp/mq/broker.err" &
	mq_broker_pid=$!
	mq_port=$1
	sb_poll 10 mq_listening "$1"
}

mq_listening() {
	python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$1" 2>/dev/null
}

# mq_broker_stop: SIGTERM (it saves the sessions), wait for it
mq_broker_stop() {
	kill -TERM "$mq_broker_pid" 2>/dev/null
	wait "$mq_broker_pid" 2>/dev/null
	mq_broker_pid=
}

# mq_sub NAME TOPIC: a subscriber with a persistent session (QoS 1, client id NAME), printing
# "topic payload" lines to $sb_tmp/NAME.out; returns once the broker has its subscription
mq_sub() {
	mosquitto_sub -h 127.0.0.1 -p "$mq_port" --cafile "$sb_tmp/pki/ca.pem" \
		--cert "$sb_tmp/pki/ca-device.crt" --key "$sb_tmp/pki/ca-device.key" \
		-c -i "$1" -q 1 -v -t "$2" >"$sb_tmp/$1.out" 2>"$sb_tmp/$1.err" &
	mq_pids="$mq_pids $!"
	sb_poll 10 grep -q "$1 1 $2" "$sb_tmp/mq/broker.log"
}

# mq_pub TOPIC FILE [OPTIONS]: publish FILE's content (FILE "": an empty message) on TOPIC, QoS
# 1, as the cloud would (the test PKI's device certificate); OPTIONS such as -r (retained) go to
# mosquitto_pub
mq_pub() {
	_t=$1 _f=$2
	shift 2
	if [ -z "$_f" ]; then set -- -n "$@"; else set -- -f "$_f" "$@"; fi
	mosquitto_pub -h 127.0.0.1 -p "$mq_port" --cafile "$sb_tmp/pki/ca.pem" \
		--cert "$sb_tmp/pki/ca-device.crt" --key "$sb_tmp/pki/ca-device.key" \
		-q 1 -t "$_t" "$@"
}
