#!/bin/sh
# 090-packaging-notify.sh: systemd readiness (Type=notify). symbridged sends READY=1 once, to the
# datagram socket named by $NOTIFY_SOCKET (a path or an '@' abstract name), only when its control
# socket already answers; a broken $NOTIFY_SOCKET is a warning, not a failed start.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 11

sb_conf n.conf <<'CONF'
system: { name = "t090"; };
CONF

# listen NOTIFY_ADDR RESULT: a supervisor stand-in in the background. It binds the datagram
# socket, waits (bounded) for the first message, asks the control socket for "version" at that
# very moment, then notes any further message within 0.5 s and writes all of it to RESULT.
listen() {
	python3 - "$1" "$sb_tmp/ctl.sock" "$2" <<'PY' &
import json, socket, sys
addr, ctl, out = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(out + ".bound", "w").close()
s.settimeout(10)
try:
    msg = s.recv(4096).decode()
except socket.timeout:
    msg = "TIMEOUT"
try:
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(5)
    c.connect(ctl)
    c.sendall(b'{"argv": ["version"]}\n')
    buf = b""
    while not buf.endswith(b"\n"):
        d = c.recv(4096)
        if not d:
            break
        buf += d
    answer = "ok" if json.loads(buf)["ok"] else "refused"
except Exception as e:
    answer = "no answer: %s" % e
s.settimeout(0.5)
try:
    extra = s.recv(4096).decode()
except socket.timeout:
    extra = ""
with open(out, "w") as f:
    json.dump({"msg": msg, "ctl": answer, "extra": extra}, f)
PY
	listen_pid=$!
	i=0
	while [ ! -e "$2.bound" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}

# wait_listener: bounded wait for the stand-in to finish
wait_listener() {
	i=0
	while kill -0 "$listen_pid" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
	kill "$listen_pid" 2>/dev/null
	wait "$listen_pid" 2>/dev/null
	listen_pid=
}
listen_pid=
trap '[ -n "$listen_pid" ] && kill "$listen_pid" 2>/dev/null; sb_cleanup' EXIT

for kind in path abstract; do
	if [ $kind = path ]; then
		addr=$sb_tmp/notify.sock
	else
		addr=@symbridge-test-$$-$(basename "$sb_tmp")
	fi
	res=$sb_tmp/notify-$kind.json
	listen "$addr" "$res"
	NOTIFY_SOCKET=$addr
	export NOTIFY_SOCKET
	sb_start n.conf
	tap_ok $? "$kind: daemon starts with NOTIFY_SOCKET=$addr"
	unset NOTIFY_SOCKET
	wait_listener
	got=$(json_get '"%s|%s|%s" % (j["msg"], j["ctl"], j["extra"])' <"$res")
	[ "${got%%|*}" = "READY=1" ]
	tap_ok $? "$kind: the supervisor receives READY=1" || tap_diag "$got"
	r=${got#*|}
	[ "${r%%|*}" = ok ]
	tap_ok $? "$kind: the control socket answers as soon as READY=1 arrived" || tap_diag "$got"
	[ "${got##*|}" = "" ]
	tap_ok $? "$kind: READY=1 is sent once" || tap_diag "$got"
	sb_stop
	tap_ok $? "$kind: daemon exits 0 on SIGTERM"
done

# a supervisor that is not there: the daemon runs all the same and says why it could not notify
NOTIFY_SOCKET=$sb_tmp/nobody.sock
export NOTIFY_SOCKET
sb_start n.conf && ctl version >/dev/null &&
	grep -q 'cannot tell systemd we are ready through \$NOTIFY_SOCKET: .*No such file' "$sb_tmp/daemon.log" &&
	sb_stop
tap_ok $? "an unreachable NOTIFY_SOCKET is a warning, the daemon serves and stops cleanly" ||
	tap_diag "$(cat "$sb_tmp/daemon.log")"
unset NOTIFY_SOCKET
tap_done
