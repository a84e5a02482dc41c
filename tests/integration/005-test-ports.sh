#!/bin/sh
# 005-test-ports.sh: the test library on a busy machine: RTP port ranges come from sb_port_range
# (outside the kernel's ephemeral range, reserved per test, never handed out twice while the
# owner lives, given back when it exits), peers are waited for, and tests never install packages.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
tap_plan 8

# (dash's read gets one byte from a /proc file: cat it)
range=$(cat /proc/sys/net/ipv4/ip_local_port_range)
elo=${range%%[[:space:]]*} ehi=${range##*[[:space:]]}
outside() { [ "$1" -ge 1024 ] && { [ $(($1 + $2 - 1)) -lt "$elo" ] || [ "$1" -gt "$ehi" ]; }; }

sb_port_range a
sb_port_range b
sb_port_range c 40
outside "$a" 100 && outside "$b" 100 && outside "$c" 40
tap_ok $? "ranges lie outside the ephemeral range $elo-$ehi (got $a, $b, $c)"

# no test derives ports from its pid (ranges that overlap the ephemeral one and each other)
! grep -rn '\$\$ *%' "$top_srcdir/tests/integration" "$top_srcdir/tests/lib" "$top_srcdir/tests/bench"
tap_ok $? "no test computes ports as BASE + \$\$ % N"

# a second owner (a live process) never gets a range this shell holds
sleep 60 &
other=$!
overlap=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	o=$(python3 "$top_srcdir/tests/lib/portrange.py" 100 "$other") || overlap=1
	for mine in "$a:100" "$b:100" "$c:40"; do
		m=${mine%:*} n=${mine#*:}
		[ "$o" -lt $((m + n)) ] && [ "$m" -lt $((o + 100)) ] && overlap=1
	done
done
[ $overlap -eq 0 ]
tap_ok $? "ten ranges for another live test overlap none of this test's"

# a port in use (bound by someone else) keeps its range out
busy=$(python3 - "$top_srcdir/tests/lib/portrange.py" <<'PY'
import socket, subprocess, sys, os
held = []
for p in range(10000, 65536, 100):
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("", p)); held.append(s)
    except OSError:
        pass
# the first port of every candidate range (they start at multiples of 100) is taken
r = subprocess.run([sys.executable, sys.argv[1], "2", str(os.getpid())], capture_output=True)
print(r.returncode)
PY
)
[ "$busy" = 1 ]
tap_ok $? "no range is handed out when its ports are bound by others (exit $busy)"

# the other owner exits: its reservations lapse and are not listed any more
kill "$other"
wait "$other" 2>/dev/null
python3 "$top_srcdir/tests/lib/portrange.py" 2 $$ >/dev/null
! grep -q " $other " /tmp/symbridge-test-ports/registry
tap_ok $? "reservations of an exited test lapse"

grep -q " $$ " /tmp/symbridge-test-ports/registry
tap_ok $? "this test's reservations are kept while it runs"

# tests never install packages; a missing peer skips the test loudly
! grep -rn 'install-deps\|apt-get\|apt \|dpkg -i' "$top_srcdir/tests/lib" "$top_srcdir/tests/integration" |
	grep -v '^[^:]*:[0-9]*:[[:space:]]*#' | grep -v 'SKIP' | grep -v '005-test-ports'
tap_ok $? "no test and no test helper installs packages"
out=$(sh -c ". '$top_srcdir/tests/lib/sip.sh'; sb_need_peers sh no-such-peer-sb; echo not reached")
[ "$out" = "1..0 # SKIP peer no-such-peer-sb missing (scripts/install-deps.sh installs it)" ]
tap_ok $? "sb_need_peers skips loudly, naming the peer" || tap_diag "got: $out"
tap_done
