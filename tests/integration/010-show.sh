#!/bin/sh
# 010-show.sh: the daemon starts on a config, symbridgectl shows cards, channels and ring groups
# as tables and as JSON, abbreviations work, errors exit 1, SIGTERM stops it cleanly.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
tap_plan 18

sb_conf a.conf <<'CONF'
system: { name = "t010"; log_level = "debug"; };
cards = (
  { slot = 1; type = "sym-bridge"; name = "b1"; channels = (
      { number = "100"; target = "cloud:alice"; },
      { number = "101"; ring_group = "doors"; } ); },
  { slot = 4; type = "bri"; side = "cpe"; mode = "ptp"; dchannel = "socket:/tmp/x.sock"; },
  { slot = 6; type = "link"; peer = "127.0.0.1:5099"; channels = 3; }
);
ring_groups = ( { name = "doors"; members = [ "station:d1", "card:4/77" ]; } );
stations = ( { user = "d1"; password = "door-pass-1"; } );
CONF
# the link card makes the SIP side listen: on a port of its own, not 5060
sb_sip_section "$(sb_free_port)" >>"$sb_tmp/a.conf"

sb_start a.conf
tap_ok $? "daemon starts and answers on its control socket"

[ "$(stat -c %a "$sb_tmp/ctl.sock")" = 660 ]
tap_ok $? "control socket has mode 0660"

out=$(ctl show cards)
tap_ok $? "show cards exits 0"
printf '%s\n' "$out" | grep -q '^SLOT  *TYPE  *NAME' &&
	printf '%s\n' "$out" | grep -q '^1  *sym-bridge  *b1  *2 ' &&
	printf '%s\n' "$out" | grep -q '^4  *bri  *bri-4  *2 ' &&
	printf '%s\n' "$out" | grep -q '^6  *link  *link-6  *3 '
tap_ok $? "show cards lists the three cards as a table" || tap_diag "$out"

json=$(ctl --json show channels)
n=$(printf '%s' "$json" | json_get 'len(j["rows"])')
[ "$n" = 7 ]
tap_ok $? "show channels --json lists all 7 channels (got $n)"

got=$(printf '%s' "$json" | json_get '";".join("%s/%s/%s/%s" % (r["slot"], r["channel"], r["number"], r["assignment"]) for r in j["rows"][:3])')
[ "$got" = "1/1/100/cloud:alice;1/2/101/ring_group:doors;4/1/None/None" ]
tap_ok $? "channels carry slot, number and assignment" || tap_diag "$got"

n=$(ctl --json sh ch 6 | json_get 'len(j["rows"])')
[ "$n" = 3 ]
tap_ok $? "abbreviated 'sh ch 6' shows the link's 3 channels"

out=$(ctl show channels 9 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$out" = 'symbridgectl: no card in slot "9" ("show cards" lists the slots)' ]
tap_ok $? "a missing slot is a one-line error with exit 1" || tap_diag "$rc $out"

out=$(ctl show c 2>&1)
[ $? -eq 1 ] && printf '%s' "$out" | grep -q 'ambiguous command word "c" (possibilities are: cards, channels'
tap_ok $? "an ambiguous word lists the possibilities" || tap_diag "$out"

out=$(ctl --json show ring-groups)
got=$(printf '%s' "$out" | json_get '"%s=%s@%s" % (j["rows"][0]["name"], ",".join(j["rows"][0]["members"]), ",".join(j["rows"][0]["numbers"]))')
[ "$got" = "doors=station:d1,card:4/77@101" ]
tap_ok $? "show ring-groups: members and the numbers that ring them" || tap_diag "$got"

ver=$(ctl --json version | json_get 'j["item"]["version"]')
[ -n "$ver" ] && "$SYMBRIDGED" --version | grep -qF "$ver"
tap_ok $? "version over the socket matches symbridged --version"

st=$(ctl --json show status | json_get '"%s %s %s" % (j["item"]["name"], j["item"]["cards"], j["item"]["channels"])')
[ "$st" = "t010 3 7" ]
tap_ok $? "show status counts cards and channels" || tap_diag "$st"

# a malformed request is answered, not fatal
reply=$(python3 - "$sb_tmp/ctl.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'{"argv": "show cards"}\n{not json\n')
buf = b""
while buf.count(b"\n") < 2:
    d = s.recv(4096)
    if not d: break
    buf += d
print(buf.decode().strip().replace("\n", " | "))
PY
)
printf '%s' "$reply" | grep -q 'no \\"argv\\" array' && printf '%s' "$reply" | grep -q 'not JSON'
tap_ok $? "malformed requests get error replies on the same connection" || tap_diag "$reply"
ctl version >/dev/null
tap_ok $? "daemon still answers after malformed requests"

# a client that half-closes after its requests still gets every reply; an over-long request is
# answered with an error rather than a reset
reply=$(python3 - "$sb_tmp/ctl.sock" <<'PY'
import socket, sys, json
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(((json.dumps({"argv": ["show", "channels"]}) + "\n") * 200).encode())
s.shutdown(socket.SHUT_WR)
buf = b""
while True:
    d = s.recv(65536)
    if not d: break
    buf += d
lines = buf.decode().splitlines()
print(len(lines), all(json.loads(l)["ok"] for l in lines))
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b'{"argv":["' + b"x" * 70000 + b'"]}\n')
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(65536)
    if not d: break
    buf += d
print(json.loads(buf)["error"])
PY
)
printf '%s\n' "$reply" | grep -q '^200 True$'
tap_ok $? "a half-closed client gets all 200 replies" || tap_diag "$reply"
printf '%s\n' "$reply" | grep -q 'request longer than 65536 bytes'
tap_ok $? "an over-long request is answered with an error" || tap_diag "$reply"

sb_stop
tap_ok $? "SIGTERM: daemon exits 0"
[ ! -e "$sb_tmp/ctl.sock" ]
tap_ok $? "control socket removed at shutdown"
tap_done
