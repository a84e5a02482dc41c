#!/bin/sh
# 107-isdn-media-workers.sh: 30 simultaneous calls through two E1 spans with audio both ways on
# every call: the media workers read and write the B-channels themselves, so the main thread
# makes no system call per packet (its read/write system calls and context switches while 60
# tones play are compared with the same 5 s with the calls silent), and every tone arrives whole
# at the other end (the peers measure its frequency).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 8

CALLS=30
isdn_pair_conf
sb_start c.conf && isdn_license_install
tap_ok $? "daemon starts"
isdn_pair_peers --audio
tap_ok $? "both spans up"
peer b auto-answer

i=1
while [ $i -le $CALLS ]; do
	peer a call 100 49301$i
	i=$((i + 1))
done
# 30 set-ups through two peers and the daemon: a loaded machine may need more than 10 s
peer_wait a '^answer ' $CALLS 30 && peer_wait b '^ring ' $CALLS 30 &&
	wait_ctl "len(j['rows']) == $CALLS and all(r['state'] == 'up' for r in j['rows'])" show calls
tap_ok $? "$CALLS calls are up" || tap_diag "$(grep -c '^answer' "$sb_tmp/a.out") answered"

# The main thread is the one whose id is the daemon's pid; the others are the media workers and
# libuv's. strace attached to that thread alone counts its system calls; its context switches
# (/proc/PID/task/TID/status) count its wake-ups.
main_cs() {
	awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ { n += $2 } END { print n }' \
		"/proc/$sb_pid/task/$sb_pid/status"
}
media_pkts() { ctl --json show media | json_get 'j["item"]["rx_packets"] + j["item"]["tx_packets"]'; }
# measure NAME: over 5 s of wall time (a time span, not a wait for something observable): the
# main thread's system calls and context switches, and the packets the engine moved
measure() {
	p0=$(media_pkts) cs0=$(main_cs)
	timeout -s INT 5 strace -c -p "$sb_pid" -o "$sb_tmp/strace.$1" 2>"$sb_tmp/strace.$1.err"
	cs1=$(main_cs) p1=$(media_pkts)
	sc=$(awk '$NF == "total" { print $4 }' "$sb_tmp/strace.$1")
	echo "${sc:-0} $((cs1 - cs0)) $((p1 - p0))"
}

set -- $(measure idle)
idle_sc=$1 idle_cs=$2 idle_p=$3
tap_diag "calls up, silent, 5 s: main thread $idle_sc system calls, $idle_cs context switches; the engine moved $idle_p packets"

# 440 Hz from every caller, 1000 Hz from every called side, 8 s each, in real time
FRAMES=400
i=1
while [ $i -le $CALLS ]; do
	peer a tone $i $FRAMES 440
	peer b tone $i $FRAMES 1000
	i=$((i + 1))
done
# under way once the first frames arrived at both ends
sleep_until_heard() {
	_i=0
	while [ $_i -lt 100 ]; do
		[ "$(ctl --json show media | json_get 'j["item"]["rx_packets"] > 3000')" = True ] && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}
sleep_until_heard
set -- $(measure busy)
busy_sc=$1 busy_cs=$2 busy_p=$3
tap_diag "60 tones playing, 5 s: main thread $busy_sc system calls, $busy_cs context switches; the engine moved $busy_p packets (frames in and out)"
tap_diag "main thread's system calls with audio: $(awk '/^ *[0-9]/ && $NF != "total" { printf "%s %s, ", $NF, $4 }' "$sb_tmp/strace.busy")"
# relaying over loopback RTP on the main loop cost 4 system calls per frame (read, sendto, recv,
# write), 2 per packet the engine counts (a frame in on one leg, out on the other): the main
# thread's count stays at its silent level, far below the packets moved meanwhile
grep -q "attached" "$sb_tmp/strace.busy.err" && [ "$busy_sc" -le $((idle_sc + 150)) ] &&
	[ "$busy_cs" -le $((idle_cs + 150)) ] && [ $((busy_sc * 20)) -lt "$busy_p" ]
tap_ok $? "the main thread makes no system call per packet ($busy_sc with $busy_p packets moved, $idle_sc silent)" ||
	tap_diag "idle $idle_sc/$idle_cs, busy $busy_sc/$busy_cs; $(cat "$sb_tmp/strace.busy.err")"
# 60 tones of 50 frames/s would be 30000 packets in the window if the peers kept real time; on a
# loaded machine the peers (one thread each, 30 channels) fall behind, and what the engine
# carried is checked whole below (every frame heard at the other end)
[ "$busy_p" -ge 1000 ]
tap_ok $? "meanwhile the media workers moved the frames of the calls both ways ($busy_p packets in 5 s)"
peer_wait a '^tone-sent ' $CALLS && peer_wait b '^tone-sent ' $CALLS
tap_ok $? "every peer played its $FRAMES frames on every call" ||
	tap_diag "$(grep -c '^tone-sent' "$sb_tmp/a.out") $(grep -c '^tone-sent' "$sb_tmp/b.out")"
wait_ctl "all(r['a_tx_packets'] >= $((FRAMES * 95 / 100)) and r['b_tx_packets'] >= $((FRAMES * 95 / 100)) for r in j['rows'])" show calls
i=1
while [ $i -le $CALLS ]; do
	peer a heard $i
	peer b heard $i
	i=$((i + 1))
done
peer_wait a '^heard ' $CALLS && peer_wait b '^heard ' $CALLS
# each call heard its partner's tone, nearly every frame of it, at its frequency (+-5 %)
check_heard() { # FILE HZ
	awk -v hz="$2" -v min=$((FRAMES * 95 / 100)) '/^heard / {
		n++; if ($4 < min || $6 < hz * 0.95 || $6 > hz * 1.05) { bad++; print } }
		END { exit !(n == '$CALLS' && bad == 0) }' "$1"
}
check_heard "$sb_tmp/b.out" 440 && check_heard "$sb_tmp/a.out" 1000
tap_ok $? "each called side heard 440 Hz and each caller 1000 Hz, at least 95 % of the frames" ||
	tap_diag "$(grep '^heard' "$sb_tmp/a.out" "$sb_tmp/b.out" | head -6)"

i=1
while [ $i -le $CALLS ]; do
	peer a hangup $i 16
	i=$((i + 1))
done
peer_wait b '^hangup [0-9]+ cause 16' $CALLS && wait_ctl 'len(j["rows"]) == 0' show calls &&
	wait_ctl 'j["item"]["sessions"] == 0' show media
peer_stop a
peer_stop b
sb_stop
tap_ok $? "every call ends, its media session with it; daemon stops cleanly (exit 0)"
tap_done
