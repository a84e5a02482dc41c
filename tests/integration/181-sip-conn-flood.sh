#!/bin/sh
# 181-sip-conn-flood.sh: 1,100 TCP connections that send half a request (and a few that send
# nothing) against a daemon started with the usual 1,024 open files: the daemon raises its
# limit, holds at most sip.limits.max_connections_per_source from each address, a station still
# registers over TCP and calls over UDP, symbridgectl answers, the loop does not spin; the half
# requests are closed after message_timeout and the silent ones after idle_timeout; a reload
# lowers max_connections and a flood from many addresses is held to it. In a network namespace.
if [ -z "${SB_IN_NETNS:-}" ]; then
	unshare -n true 2>/dev/null || { echo "1..0 # SKIP cannot make a network namespace"; exit 0; }
	SB_IN_NETNS=1 exec unshare -n sh "$0" "$@"
fi
ip link set lo up
ulimit -Sn 1024 # what systemd and a login shell give by default
. "$top_srcdir/tests/lib/linkcall.sh"
tap_plan 19

limits() {
	cat <<CONF
$lic_conf
system: { name = "t181"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port", "tcp:127.0.0.1:$sip_port" ];
       options_interval = 3600; limits: { message_timeout = 15; idle_timeout = 20; connection_rate_per_source = 100000; $1 }; };
stations = ( { user = "door"; password = "$door_pw"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:2/555"; } ); },
  { slot = 2; type = "link"; name = "intercom"; protocol = "net"; transport = "udp";
    peer = "127.0.0.1:$lp"; } );
CONF
}
limits "" | sb_conf c.conf
linkcall_server link-server.xml "s/@DELAY@/0/" 60
linkcall_start c.conf
grep -q 'open files: limit [0-9]* (was 1024; ' "$sb_tmp/daemon.log" &&
	[ "$(awk '/Max open files/ { print $4 }' "/proc/$sb_pid/limits")" -gt 1100 ]
tap_ok $? "the daemon raised its open-files limit from 1024 and logged it" ||
	tap_diag "$(grep 'open files' "$sb_tmp/daemon.log")"

flood() { # COUNT SOURCES FIRST SILENT WATCH NAME
	rm -f "$sb_tmp/$6.ready"
	python3 "$top_srcdir/tests/peers/conn-flood.py" 127.0.0.1 "$sip_port" "$1" "$2" "$3" \
		"$4" "$5" "$sb_tmp/$6.ready" >"$sb_tmp/$6.out" 2>&1 &
	flood_pid=$!
	pids="$pids $flood_pid"
	sb_poll 60 test -s "$sb_tmp/$6.ready"
}
# connections the daemon holds open on its SIP port (only this test's processes are in this
# namespace)
held() { ss -Htn state established "( sport = :$sip_port )" | wc -l; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$sb_pid/stat"; }

# 1,090 half requests from 127.0.0.2-5, 10 silent connections from 127.0.0.6
flood 1100 4 127.0.0.2 10 45 f1
tap_ok $? "1,100 connections opened against the SIP port" || tap_diag "$(cat "$sb_tmp/f1.out")"
h=$(held)
[ "$h" -le $((4 * 32 + 10)) ] && [ "$h" -ge 10 ]
tap_ok $? "the daemon holds $h of them: at most 32 per source address (the default)"
nfd=$(ls "/proc/$sb_pid/fd" | wc -l)
[ "$nfd" -lt 1024 ]
tap_ok $? "the daemon has $nfd files open, far from its limit"
ctl version >/dev/null
tap_ok $? "symbridgectl answers during the flood"
sb_sipp_register door "$door_pw" 60 200 t1
tap_ok $? "a station registers over TCP from another address during the flood" ||
	tap_diag "$(tail -5 "$sb_tmp/sipp-door-200.out")"
c0=$(cpu_ticks)
t0=$(date +%s%N)
linkcall_station station-call.xml "s/@HOLD@/3000/g; /<!--BYE-WAITING-->/,/<!--\/BYE-WAITING-->/d" 20
wait "$door_pid"
tap_ok $? "the station's call ends cleanly (BYE answered)" || tap_diag "$(tail -5 "$sb_tmp/door.out")"
c1=$(cpu_ticks)
t1=$(date +%s%N)
# CPU in % of one core while the flood is held (the loop spun at about 90 % when files ran out)
pct=$(( (c1 - c0) * 10 * 1000000000 / (t1 - t0) * 10 / $(getconf CLK_TCK) ))
[ "$pct" -lt 50 ]
tap_ok $? "daemon CPU while the flood is held: $pct % of a core"
grep -q 'sip connection from 127\.0\.0\.[2-5] refused: sip.limits.max_connections_per_source reached' \
	"$sb_tmp/daemon.log"
tap_ok $? "the refusals are logged with the source address"

wait "$flood_pid"
r=$(cat "$sb_tmp/f1.out")
set -- $r
# opened N refused R held H closed C silent_closed S first F last L silent_last SL
[ "$2" = 1100 ] && [ "$8" -eq $(($6 - 10)) ] && [ "${14%.*}" -le 18 ]
tap_ok $? "every held half request was closed within message_timeout (15 s): $r"
[ "${10}" = 10 ] && [ "${16%.*}" -ge 19 ] && [ "${16%.*}" -le 27 ]
tap_ok $? "the 10 silent connections were closed after idle_timeout (20 s): ${16} s"
[ "$(held)" = 0 ]
tap_ok $? "no connection is left"

# a flood from 20 addresses, 5 each: under the per-source cap, over a total cap of 20
limits "max_connections = 20;" | sb_conf c.conf
ctl reload >/dev/null
tap_ok $? "reload with sip.limits.max_connections = 20"
flood 100 20 127.0.1.1 0 4 f2
h=$(held)
[ "$h" -le 20 ] && [ "$h" -ge 15 ]
tap_ok $? "the daemon holds $h connections of 100 from 20 addresses: the total cap"
grep -q 'refused: sip.limits.max_connections reached' "$sb_tmp/daemon.log"
tap_ok $? "that refusal is logged"
wait "$flood_pid"
ctl version >/dev/null
tap_ok $? "symbridgectl still answers"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
