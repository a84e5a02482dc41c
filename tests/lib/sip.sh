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
# never install packages (scripts/install-deps.sh does, before the suite). kamailio is the cloud,
# which runs in a network namespace: that needs root too.
sb_need_peers() {
	for p in "$@"; do
		[ "$p" = kamailio ] && sb_need_netns
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

# sb_pki NAME: a test CA NAME with server and device certificates in $sb_tmp/pki; the server
# certificate names the cloud's address ($sb_cloud_ip, made here by sb_cloud_net) as IP and DNS
sb_pki() {
	sb_cloud_net || return 1
	sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" "$1" "$sb_cloud_ip"
}

# ---- the cloud's own host: a network namespace reached over a veth pair ----------------------
# The appliance and the cloud are different hosts: kamailio, baresip and whatever else plays
# the cloud run in a namespace of their own (sb_in_cloud), at $sb_cloud_ip; this side of the
# veth pair is $sb_host_ip. The pair is a /30 out of 198.18.0.0/16 (RFC 2544's benchmarking
# range, never routed), one per test run: the namespace's name (sbcN) is the lock on index N,
# since `ip netns add` fails when it exists. sb_sip_cleanup stops everything in it and removes
# the pair and the namespace.
sb_cloud_ns= sb_cloud_ip= sb_host_ip= sb_cloud_veth=
sb_cloud_net() {
	[ -n "$sb_cloud_ns" ] && return 0
	[ "$(id -u)" -eq 0 ] || { echo "sb_cloud_net: needs root for network namespaces" >&2; return 1; }
	_t=0
	while [ $_t -lt 100 ] && [ -z "$sb_cloud_ns" ]; do
		_i=$(($(od -An -N2 -tu2 /dev/urandom) % 16384))
		ip netns add "sbc$_i" 2>/dev/null && sb_cloud_ns=sbc$_i
		_t=$((_t + 1))
	done
	[ -n "$sb_cloud_ns" ] || { echo "sb_cloud_net: no free namespace index" >&2; return 1; }
	_net=198.18.$((_i * 4 / 256)).$((_i * 4 % 256))
	sb_host_ip=${_net%.*}.$((${_net##*.} + 1))
	sb_cloud_ip=${_net%.*}.$((${_net##*.} + 2))
	sb_cloud_veth=sbc${_i}h
	# signals end the test through its EXIT trap, which removes all of it
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	ip link del "$sb_cloud_veth" 2>/dev/null
	ip link add "$sb_cloud_veth" type veth peer name "sbc${_i}c" &&
		ip link set "sbc${_i}c" netns "$sb_cloud_ns" &&
		ip addr add "$sb_host_ip/30" dev "$sb_cloud_veth" &&
		ip link set "$sb_cloud_veth" up &&
		ip -n "$sb_cloud_ns" addr add "$sb_cloud_ip/30" dev "sbc${_i}c" &&
		ip -n "$sb_cloud_ns" link set "sbc${_i}c" up &&
		ip -n "$sb_cloud_ns" link set lo up ||
		{ echo "sb_cloud_net: cannot set up the veth pair $sb_cloud_veth" >&2; return 1; }
	# ready when this side reaches the other (the link comes up asynchronously)
	sb_poll 5 sh -c "ip -n $sb_cloud_ns -o link show sbc${_i}c | grep -q LOWER_UP && ip -o link show $sb_cloud_veth | grep -q LOWER_UP"
}
# sb_in_cloud COMMAND...: run COMMAND in the cloud's namespace, in the foreground. A process
# started in the background must be `ip netns exec "$sb_cloud_ns" COMMAND... &` written out:
# a shell function run with & is a subshell, and $! would be its pid, not the command's (ip
# netns exec execs the command in place, so then $! is the command itself, to kill by pid).
sb_in_cloud() { ip netns exec "$sb_cloud_ns" "$@"; }
sb_cloud_net_down() {
	[ -n "$sb_cloud_ns" ] || return 0
	# whatever a test left running in the namespace (its peers were stopped by pid before)
	for _p in $(ip netns pids "$sb_cloud_ns" 2>/dev/null); do kill -KILL "$_p" 2>/dev/null; done
	ip link del "$sb_cloud_veth" 2>/dev/null
	ip netns del "$sb_cloud_ns" 2>/dev/null
	sb_cloud_ns=
}
# sb_need_netns: skip the whole test (TAP "1..0 # SKIP") unless we may make namespaces
sb_need_netns() {
	[ "$(id -u)" -eq 0 ] && command -v ip >/dev/null 2>&1 && return 0
	echo "1..0 # SKIP needs root for network namespaces (the cloud runs in one of its own)"
	exit 0
}

# sb_kamailio_start PORT [CA] [NAME] [METHOD] [UDP]: kamailio as the cloud on
# tls:$sb_cloud_ip:PORT, in the cloud's namespace, with the server certificate of CA (default
# "ca"), TLS METHOD (default TLSv1.2+: 1.2 or later); NAME (default kam) keeps a second one apart;
# with UDP, also plain udp:$sb_cloud_ip:UDP for sipp clients in that namespace (sb_in_cloud).
# Its pid is in kam_pid_NAME.
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
	sb_cloud_net || return 1
	ip netns exec "$sb_cloud_ns" kamailio -f "$top_srcdir/tests/peers/kamailio/kamailio.cfg" -DD -E \
		-Y "$sb_tmp/$_k" -P "$sb_tmp/$_k/kamailio.pid" -A "CLOUD_IP=$sb_cloud_ip" \
		-A "TLS_PORT=$1" -A "TLS_CFG=\"$sb_tmp/$_k/tls.cfg\"" \
		${5:+-A "UDP_PORT=$5"} >>"$sb_tmp/$_k.log" 2>&1 &
	eval "kam_pid_$_k=$!"
	sb_kamailio_pids="$sb_kamailio_pids $_k"
	# ready when it accepts connections on the port (from here, over the veth pair)
	sb_poll 10 python3 -c "import socket; socket.create_connection(('$sb_cloud_ip', $1), 0.5)"
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
	command -v sb_baresip_stop >/dev/null 2>&1 && sb_baresip_stop
	for _k in $sb_kamailio_pids; do sb_kamailio_stop "$_k"; done
	[ -n "${tls11_pid:-}" ] && kill "$tls11_pid" 2>/dev/null && wait "$tls11_pid" 2>/dev/null
	sb_cloud_net_down
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
