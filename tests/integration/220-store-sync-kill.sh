#!/bin/sh
# 220-store-sync-kill.sh: store commits are synced to disk by a thread, many commits to one
# fdatasync (cdr.sync_interval_ms), and still a SIGKILL loses nothing committed: with a 10 s
# window none of the calls' records can have been synced when the daemon is killed, and each
# is there, ended, at the next start. A reload to 0 syncs every commit again.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp
tap_plan 9
CALLS=12

pids=
cleanup220() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sb_sip_cleanup
}
trap 'cleanup220; sb_cleanup' EXIT

sip_port=$(sb_free_port)
sb_port_range rtp
sb_license_calls 4 1
export sb_tmp SYMBRIDGECTL
conf() {
	sb_conf c.conf <<CONF
$lic_conf
system: { name = "t220"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; };
cdr: { sync_interval_ms = $1; };
stations = ( { user = "door"; password = "door-secret-220"; },
             { user = "desk"; password = "desk-secret-220"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "300"; target = "station:desk"; } ); } );
CONF
}

desk_start() {
	sed "s/@EARLY@/180 Ringing/; s/@DELAY@/50/; s/@MPORT@/$(sb_free_port)/g" \
		"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/desk.xml"
	dp=$(sb_free_port)
	(cd "$sb_tmp" && exec timeout 120 sipp -sf desk.xml -i 127.0.0.1 -p "$dp" -m "$1" -nostdin \
		-timeout 100s -timeout_error >>desk.out 2>&1) &
	pids="$pids $!"
	sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$dp;transport=udp>/; s/@USER@/desk/g; s/@EXPIRES@/3600/; s/@WANT@/200/" \
		"$top_srcdir/tests/peers/sipp/register.xml" >"$sb_tmp/reg-desk.xml"
	(cd "$sb_tmp" && timeout 30 sipp -sf reg-desk.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
		-au desk -ap desk-secret-220 -timeout 10s -timeout_error -nostdin \
		"127.0.0.1:$sip_port" >>reg-desk.out 2>&1)
}
door_calls() {
	sed -e "s/@USER@/door/g; s/@NUMBER@/300/g; s/@MPORT@/$(sb_free_port)/g; s/@HOLD@/100/g" \
		-e "/<!--BYE-WAITING-->/,/<!--\/BYE-/d" \
		"$top_srcdir/tests/peers/sipp/station-call.xml" >"$sb_tmp/door.xml"
	(cd "$sb_tmp" && timeout 120 sipp -sf door.xml -i 127.0.0.1 -p "$(sb_free_port)" \
		-m "$1" -l 1 -au door -ap door-secret-220 -timeout 100s -timeout_error -nostdin \
		"127.0.0.1:$sip_port" >>door.out 2>&1)
}
stat() { ctl --json show status | json_get "j[\"item\"][\"$1\"]"; }
all_ended() { [ "$(ended)" = $CALLS ]; }
iv_is() { [ "$(stat store_sync_interval_ms)" = "$1" ]; }
ended() { ctl --json cdr list --limit 1000 | json_get 'sum(1 for r in j["rows"] if r["state"] == "ended")'; }

conf 10000
sb_start c.conf && ctl license install "$lic_file" >/dev/null
desk_start 1000
c0=$(stat store_commits) s0=$(stat store_syncs)
door_calls $CALLS
tap_ok $? "$CALLS calls with cdr.sync_interval_ms = 10000" ||
	{ tap_diag "$(grep -v '^ *[|-]' "$sb_tmp/door.out" | tail -20)" "$(tail -20 "$sb_tmp/daemon.log")"; exit 1; }
sb_poll 10 all_ended
tap_ok $? "their records are ended in the store ($(ended))"

commits=$(($(stat store_commits) - c0)) syncs=$(($(stat store_syncs) - s0))
iv=$(stat store_sync_interval_ms)
# each call commits its begin, answer and end; the 10 s windows hold them in two syncs at most
# (the window the licence install opened, and the next)
[ "$iv" = 10000 ] && [ "$commits" -ge $((CALLS * 3)) ] && [ "$syncs" -le 2 ]
tap_ok $? "show status: $commits commits, $syncs syncs to disk (interval $iv ms)"

kill -KILL "$sb_pid"
wait "$sb_pid" 2>/dev/null
sb_pid=
sb_start c.conf
tap_ok $? "the daemon starts again after SIGKILL"
n=$(ended)
inter=$(ctl --json cdr list --limit 1000 | json_get 'sum(1 for r in j["rows"] if r["state"] != "ended")')
[ "$n" = $CALLS ] && [ "$inter" = 0 ] && ! grep -q 'calls that were running when the daemon' "$sb_tmp/daemon.log"
tap_ok $? "after the kill every record is there and ended ($n ended, $inter other)" ||
	tap_diag "$(ctl cdr list)" "$(tail -20 "$sb_tmp/daemon.log")"
ctl show license-files 2>/dev/null | grep -q CALLS-TEST
tap_ok $? "the licence installed before the kill is still there"

conf 0
ctl reload >/dev/null
sb_poll 10 iv_is 0
tap_ok $? "a reload sets cdr.sync_interval_ms = 0" || tap_diag "$(tail -5 "$sb_tmp/daemon.log")"
c0=$(stat store_commits) s0=$(stat store_syncs)
desk_start 1000
door_calls 2
c1=$(stat store_commits) s1=$(stat store_syncs)
[ $((c1 - c0)) -ge 6 ] && [ $((s1 - s0)) = $((c1 - c0)) ]
tap_ok $? "then every commit is synced: $((c1 - c0)) commits, $((s1 - s0)) syncs"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
