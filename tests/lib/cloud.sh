# cloud.sh: the cloud client of the call tests: baresip registered to kamailio over TLS with a
# client certificate, auto-answer, SRTP mandatory, G.722; driven through its ctrl_tcp module.
# It runs beside kamailio in the cloud's network namespace, at $sb_cloud_ip.
# Needs tests/lib/sip.sh (sb_poll, sb_free_port, sb_in_cloud) and a PKI made by sb_pki ca.

# sb_cloud_up ID [ANSWERMODE] [CODECS]: the test's cloud as one TAP point: a PKI, kamailio with
# TLS on a free port (in $kp) and baresip registered there as ID (sb_baresip_start's arguments);
# a test without its cloud cannot go on, so a failure ends it (exit 1) with both peers' last lines
sb_cloud_up() {
	sb_pki ca >/dev/null
	kp=$(sb_free_port)
	sb_kamailio_start "$kp" && sb_baresip_start "$1" "$kp" "${2:-}" "${3:-}"
	tap_ok $? "the cloud at ${sb_cloud_ip:-127.0.0.1}${sb_cloud_ns:+ (namespace $sb_cloud_ns)}: kamailio with TLS on $kp, baresip registered there as $1" ||
		{ tap_diag "$(tail -5 "$sb_tmp/kam.log")" "$(tail -5 "$sb_tmp/baresip.log")"; exit 1; }
}

# sb_baresip_start ID KAMAILIO_PORT [ANSWERMODE] [CODECS]: start baresip as sip:ID@$sb_cloud_ip
# registered at kamailio (CODECS: its audio_codecs, default G722/16000); returns once kamailio
# has a new registration of it (bounded). pid in bs_pid, control port (on $sb_cloud_ip) in
# bs_ctrl, what it decoded lands in $sb_tmp/bs/snd/*-dec.wav
bs_pid=
sb_baresip_start() {
	_bsp=$(sb_free_port)
	bs_ctrl=$(sb_free_port)
	mkdir -p "$sb_tmp/bs/snd"
	_regs=$(grep -c "REGISTER [^ ]* from sip:$1@" "$sb_tmp/kam.log" 2>/dev/null || true)
	cat "$sb_tmp/pki/ca-device.key" "$sb_tmp/pki/ca-device.crt" >"$sb_tmp/bs/client.pem"
	cat >"$sb_tmp/bs/config" <<CONF
poll_method		epoll
sip_listen		$sb_cloud_ip:$_bsp
sip_certificate		$sb_tmp/bs/client.pem
sip_cafile		$sb_tmp/pki/ca.pem
net_interface		$sb_cloud_ip
audio_player		aubridge,spk
audio_source		ausine,1000
audio_alert		aubridge,spk
ausrc_srate		48000
ausrc_channels		2
rtcp_mux		no
module_path		/usr/lib/baresip/modules
module			g722.so
module			g711.so
module			opus.so
module			srtp.so
module			ausine.so
module			aubridge.so
module			sndfile.so
module			ctrl_tcp.so
module_app		account.so
module_app		menu.so
snd_path		$sb_tmp/bs/snd
ctrl_tcp_listen		$sb_cloud_ip:$bs_ctrl
CONF
	echo "<sip:$1@$sb_cloud_ip:$2;transport=tls>;regint=300;answermode=${3:-auto};mediaenc=srtp-mand;audio_codecs=${4:-G722/16000}" \
		>"$sb_tmp/bs/accounts"
	ip netns exec "$sb_cloud_ns" baresip -f "$sb_tmp/bs" -v </dev/null >"$sb_tmp/baresip.log" 2>&1 &
	bs_pid=$!
	sb_poll 15 sh -c "[ \$(grep -c 'REGISTER [^ ]* from sip:$1@' '$sb_tmp/kam.log') -gt ${_regs:-0} ]"
}

# sb_baresip COMMAND [PARAMS]: one ctrl_tcp command (netstring JSON); prints the response. A SIP
# URI at 127.0.0.1 in PARAMS (tests written when the cloud ran on the loopback) means the cloud's
# address: "dial sip:100@127.0.0.1:$kp" dials through kamailio. bs_host (set by sb_station)
# names a baresip that runs here instead.
sb_baresip() {
	python3 - "${bs_host:-$sb_cloud_ip}" "$bs_ctrl" "$@" <<'PY'
import json, socket, sys
host, port, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3]
params = (sys.argv[4] if len(sys.argv) > 4 else "").replace("@127.0.0.1:", "@%s:" % host)
s = socket.create_connection((host, port), 5)
s.settimeout(5)
m = json.dumps({"command": cmd, "params": params, "token": "t"}).encode()
s.sendall(b"%d:%s," % (len(m), m))
buf = b""
while True:
    try:
        buf += s.recv(4096)
    except socket.timeout:
        sys.exit(1)  # the command was sent; baresip did not confirm it in time
    n, _, rest = buf.partition(b":")
    if n.isdigit() and len(rest) > int(n):
        r = json.loads(rest[:int(n)])
        if r.get("response"):
            print(r.get("data", ""))
            sys.exit(0 if r.get("ok") else 1)
        buf = rest[int(n) + 1:]
PY
}

sb_baresip_stop() {
	[ -n "$bs_pid" ] || return 0
	kill -TERM "$bs_pid" 2>/dev/null
	_i=0
	while kill -0 "$bs_pid" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -KILL "$bs_pid" 2>/dev/null
	wait "$bs_pid" 2>/dev/null
	bs_pid=
}

# sb_license_calls PORTS BRIDGES: like sb_license (tests/lib/sip.sh), with PORTS PBX-Port and
# BRIDGES L-SYM-BRIDGE licenses (and the L-SIS-11 a bridge needs): lic_conf is the config line, lic_file the file to install
sb_license_calls() {
	mkdir -p "$sb_tmp/lic"
	_pub=$("$top_builddir/symbridge-license" keygen "$sb_tmp/lic/vendor.key" "$sb_tmp/lic/vendor.pub" |
		sed -n 's/.*public_key = "\([^"]*\)".*/\1/p')
	lic_file=$sb_tmp/lic/calls.lic
	"$top_builddir/symbridge-license" sign --key "$sb_tmp/lic/vendor.key" --hwid "$SB_TEST_HWID" --test \
		--id CALLS-TEST --expires 2099-12-31 -o "$lic_file" "PBX-Port13=$1" "L-SYM-BRIDGE=$2" "L-SIS-11=1" >/dev/null
	lic_conf="license: { public_key = \"$_pub\"; };"
}

# sb_inbound_conns PID: how many TCP connections others opened to PID's listening sockets (the
# daemon must accept none from the cloud: everything comes over the connection it opened)
sb_inbound_conns() {
	python3 - "$1" <<'PY'
import subprocess, sys
pid = "pid=%s," % sys.argv[1]
lines = [l for l in subprocess.run(["ss", "-Htnp", "state", "all"], capture_output=True,
                                   text=True).stdout.splitlines() if pid in l]
port = lambda l: l.split()[3].rsplit(":", 1)[1]
listen = {port(l) for l in lines if l.startswith("LISTEN")}
print(sum(1 for l in lines if l.startswith("ESTAB") and port(l) in listen))
PY
}

# sb_cloud_section: the daemon's cloud section for kamailio on $sb_cloud_ip:$kp with the test PKI
# of sb_pki ca (the device certificate)
sb_cloud_section() {
	cat <<CLOUD
cloud: { enabled = true; registrar = [ "sips:$sb_cloud_ip:$kp" ];
  tls: { ca_file = "$sb_tmp/pki/ca.pem"; cert_file = "$sb_tmp/pki/ca-device.crt";
         key_file = "$sb_tmp/pki/ca-device.key"; }; };
CLOUD
}

# sb_cloud_registered: the daemon's cloud link is registered (for sb_poll)
sb_cloud_registered() { [ "$(ctl --json show cloud | json_get "j['item']['state']")" = registered ]; }
