#!/bin/sh
# sip-options.sh [N] [RATE]: the cost of sofia-sip nested in the main libuv loop, measured on the
# running daemon: wake-ups while idle, then N OPTIONS (default 5000) at RATE per second (default
# 1000) from sipp over UDP: mean round trip and daemon CPU time per request.
# Run from the build tree: top_srcdir=. top_builddir=. sh tests/bench/sip-options.sh
: "${top_srcdir:=.}" "${top_builddir:=.}"
top_srcdir=$(cd "$top_srcdir" && pwd) top_builddir=$(cd "$top_builddir" && pwd)
export top_srcdir top_builddir
idle=${SB_IDLE_SECONDS:-10}
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
n=${1:-5000}
rate=${2:-1000}
command -v sipp >/dev/null || { echo "sip-options: sipp is not installed" >&2; exit 1; }
sip_port=$(sb_free_port)
sb_conf b.conf <<CONF
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; };
stations = ( { user = "d1"; password = "door-pass-1"; } );
CONF
sb_start b.conf || { echo "sip-options: the daemon did not start" >&2; exit 1; }
tck=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$sb_pid/stat"; }
wakes() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$sb_pid/status"; }
w0=$(wakes); c0=$(cpu)
sleep "$idle"
w1=$(wakes); c1=$(cpu)
echo "sip-options: idle $idle s: $((w1 - w0)) wake-ups, $(( (c1 - c0) * 1000 / tck )) ms CPU"
c0=$(cpu)
(cd "$sb_tmp" && sipp -sf "$top_srcdir/tests/peers/sipp/options-uac.xml" -i 127.0.0.1 \
	-p "$(sb_free_port)" -m "$n" -r "$rate" -nostdin "127.0.0.1:$sip_port" >sipp.out 2>&1)
rc=$?
c1=$(cpu)
[ $rc -eq 0 ] || tail -n 5 "$sb_tmp/sipp.out" >&2
# sipp's closing screen: "Response Time rt | <periodic> | <cumulative mean>" as hh:mm:ss:µs
rt=$(sed -n 's/^ *Response Time rt *|[^|]*| *\([0-9:]*\).*/\1/p' "$sb_tmp/sipp.out" | tail -n 1)
ok=$(sed -n 's/^ *Successful call *|[^|]*| *\([0-9]*\).*/\1/p' "$sb_tmp/sipp.out" | tail -n 1)
failed=$(sed -n 's/^ *Failed call *|[^|]*| *\([0-9]*\).*/\1/p' "$sb_tmp/sipp.out" | tail -n 1)
python3 - "$n" "$rate" "$(( (c1 - c0) * 1000000 / tck ))" "$rt" "$ok" "$failed" <<'PY'
import sys
n, rate, cpu_us, rt, ok, failed = sys.argv[1:7]
us = int(rt.split(":")[-1]) + 1000000 * sum(int(x) * m for x, m in zip(rt.split(":")[:-1][::-1], (1, 60, 3600))) if rt else -1
mean = "%.0f ms" % (us / 1000) if us >= 1000 else "under 1 ms (sipp's resolution)"
print("sip-options: %s OPTIONS at %s/s: %s answered, %s failed; mean round trip %s; "
      "daemon CPU %.1f us per request" % (n, rate, ok, failed, mean, int(cpu_us) / int(n)))
PY
sb_stop
