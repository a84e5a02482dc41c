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
