# sip.sh: helpers for tests of the sip module: free ports, sipp and kamailio by pid.

# sb_free_port: a port number free on 127.0.0.1 for both UDP and TCP (and port+1 for TLS peers)
sb_free_port() {
	python3 - <<'PY'
import socket
for _ in range(200):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    try:
        socks = [t]
        for q in (p, p + 1):
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", q)); socks.append(u)
        t2 = socket.socket(); t2.bind(("127.0.0.1", p + 1)); socks.append(t2)
        if p + 1 < 65535:
            print(p); break
    except OSError:
        pass
    finally:
        for s in socks: s.close()
PY
}

# sb_sip_section PORT: a sip section listening on UDP and TCP 127.0.0.1:PORT
sb_sip_section() { printf 'sip: { listen = [ "udp:127.0.0.1:%s", "tcp:127.0.0.1:%s" ]; };\n' "$1" "$1"; }

# sb_need_peers PROGRAM...: skip the whole test, loudly, when a peer program is missing; tests
# never install packages (scripts/install-deps.sh does, before the suite)
sb_need_peers() {
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 && continue
		echo "1..0 # SKIP peer $p missing (scripts/install-deps.sh installs it)"
		exit 0
	done
}

# sb_wait_listen PORT [udp|tcp]: wait (at most 10 s) until a socket listens on PORT (UDP by
# default), so a peer is ready before the daemon or another peer sends to it
sb_wait_listen() {
	sb_poll 10 sh -c "ss -Hln --${2:-udp} 'sport = :$1' | grep -q ."
}

# sb_sipp_register USER PASSWORD EXPIRES WANT [TRANSPORT]: one REGISTER with digest
# authentication against the daemon on $sip_port; succeeds when the final answer is WANT.
# The messages are kept in $sb_tmp/sipp-USER-WANT.log.
sb_sipp_register() {
	sed "s/@USER@/$1/g; s/@EXPIRES@/$3/; s/@WANT@/$4/" \
		"$top_srcdir/tests/peers/sipp/register.xml" >"$sb_tmp/register-$1-$4.xml"
	rm -f "$sb_tmp/sipp-$1-$4.log"
	(cd "$sb_tmp" && timeout 30 sipp -sf "register-$1-$4.xml" -i 127.0.0.1 \
		-p "${sipp_port:-$(sb_free_port)}" -t "${5:-u1}" -m 1 -au "$1" -ap "$2" -timeout 10s \
		-timeout_error -trace_msg -message_file "sipp-$1-$4.log" \
		"127.0.0.1:$sip_port" >"sipp-$1-$4.out" 2>&1)
}

# sb_last_response FILE: the last message sipp received, with what differs between any two
# transactions (tags, branch, Call-ID, nonce, ports) blanked out
sb_last_response() {
	awk '/message received/ { m = ""; inmsg = 1; next } /^------/ { inmsg = 0 }
	     inmsg { m = m $0 "\n" } END { printf "%s", m }' "$1" |
		sed -e 's/tag=[^;>]*/tag=X/g; s/branch=[^;]*/branch=X/g; s/nonce="[^"]*"/nonce="X"/' \
		    -e 's/^Call-ID:.*/Call-ID: X/; s/127\.0\.0\.1:[0-9]*/127.0.0.1:X/g' \
		    -e 's/sip:[a-z0-9]*@/sip:USER@/g; s/^\(From\|To\|Contact\):.*/\1: X/' |
		grep -v '^$'
}

# sb_sipp_uas SCENARIO PORT: start a sipp server on 127.0.0.1:PORT (UDP) in the background;
# its pid is in sipp_pid, stopped by sb_sipp_stop (and at exit)
sipp_pid=
sb_sipp_uas() {
	(cd "$sb_tmp" && exec sipp -sf "$top_srcdir/tests/peers/sipp/$1" -i 127.0.0.1 -p "$2" \
		-nostdin -trace_err -error_file "sipp-uas-$2.err" >"sipp-uas-$2.out" 2>&1) &
	sipp_pid=$!
	sb_wait_listen "$2"
}
sb_sipp_stop() {
	[ -n "$sipp_pid" ] || return 0
	kill -TERM "$sipp_pid" 2>/dev/null
	wait "$sipp_pid" 2>/dev/null
	sipp_pid=
}
sb_sip_cleanup() { sb_sipp_stop; sb_cleanup; }
trap sb_sip_cleanup EXIT

# sb_poll SECONDS COMMAND...: run COMMAND every 100 ms until it succeeds or time runs out
sb_poll() {
	_n=$(($1 * 10))
	shift
	while [ $_n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# sb_pki NAME: a test CA NAME with server and device certificates in $sb_tmp/pki
sb_pki() { sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" "$1"; }

# sb_kamailio_start PORT [CA] [NAME] [METHOD] [UDP]: kamailio as the cloud on tls:127.0.0.1:PORT
# with the server certificate of CA (default "ca"), TLS METHOD (default TLSv1.2+: 1.2 or later);
# NAME (default kam) keeps a second one apart; with UDP, also plain udp:127.0.0.1:UDP for sipp
# clients. Its pid is in kam_pid_NAME.
sb_kamailio_start() {
	_ca=${2:-ca}
	_k=${3:-kam}
	mkdir -p "$sb_tmp/$_k"
	cat >"$sb_tmp/$_k/tls.cfg" <<TLS
[server:default]
method = ${4:-TLSv1.2+}
verify_certificate = yes
require_certificate = yes
private_key = $sb_tmp/pki/$_ca-server.key
certificate = $sb_tmp/pki/$_ca-server.crt
ca_list = $sb_tmp/pki/$_ca.pem
TLS
	kamailio -f "$top_srcdir/tests/peers/kamailio/kamailio.cfg" -DD -E -Y "$sb_tmp/$_k" \
		-P "$sb_tmp/$_k/kamailio.pid" -A "TLS_PORT=$1" -A "TLS_CFG=\"$sb_tmp/$_k/tls.cfg\"" \
		${5:+-A "UDP_PORT=$5"} >>"$sb_tmp/$_k.log" 2>&1 &
	eval "kam_pid_$_k=$!"
	sb_kamailio_pids="$sb_kamailio_pids $_k"
	# ready when it accepts connections on the port
	sb_poll 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 0.5)"
}
sb_kamailio_pids=
# sb_kamailio_stop [NAME]
sb_kamailio_stop() {
	eval "_p=\${kam_pid_${1:-kam}:-}"
	[ -n "$_p" ] || return 0
	kill -TERM "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	eval "kam_pid_${1:-kam}="
}
sb_sip_cleanup() {
	sb_sipp_stop
	for _k in $sb_kamailio_pids; do sb_kamailio_stop "$_k"; done
	[ -n "${tls11_pid:-}" ] && kill "$tls11_pid" 2>/dev/null
	sb_cleanup
}

# sb_license PORTS: a vendor key and a license file with PORTS PBX-Port licenses for the test
# override of the hardware id ($SB_TEST_HWID, tests/lib/daemon.sh); sets lic_conf (the config line) and lic_file (give it to `ctl license install`)
sb_license() {
	mkdir -p "$sb_tmp/lic"
	_pub=$("$top_builddir/symbridge-license" keygen "$sb_tmp/lic/vendor.key" "$sb_tmp/lic/vendor.pub" |
		sed -n 's/.*public_key = "\([^"]*\)".*/\1/p')
	lic_file=$sb_tmp/lic/ports.lic
	"$top_builddir/symbridge-license" sign --key "$sb_tmp/lic/vendor.key" --hwid "$SB_TEST_HWID" --test \
		--id SIP-TEST --expires 2099-12-31 -o "$lic_file" "PBX-Port13=$1" >/dev/null
	lic_conf="license: { public_key = \"$_pub\"; };"
}
