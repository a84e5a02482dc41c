#!/bin/sh
# 220-store-sync-kill.sh: store commits are synced to disk by a thread, many commits to one
# fdatasync (cdr.sync_interval_ms), and still a SIGKILL loses nothing committed: with a 10 s
# window none of the calls' records can have been synced when the daemon is killed, and each
# is there, ended, at the next start. A reload to 0 syncs every commit again.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
. "$top_srcdir/tests/lib/deskdoor.sh"
sb_need_peers sipp
tap_plan 9
CALLS=12

pids=
cleanup220() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sb_sip_cleanup
}
trap 'cleanup220; sb_cleanup' EXIT

sip_port=$(sb_free_port) dd_tag=220
sb_port_range rtp
sb_license_calls 4 1
export sb_tmp SYMBRIDGECTL
stat() { ctl --json show status | json_get "j[\"item\"][\"$1\"]"; }
all_ended() { [ "$(ended)" = $CALLS ]; }
iv_is() { [ "$(stat store_sync_interval_ms)" = "$1" ]; }
ended() { ctl --json cdr list --limit 1000 | json_get 'sum(1 for r in j["rows"] if r["state"] == "ended")'; }

dd_conf "cdr: { sync_interval_ms = 10000; };"
sb_start c.conf && ctl license install "$lic_file" >/dev/null
desk_start 1000 50
c0=$(stat store_commits) s0=$(stat store_syncs)
door_calls $CALLS 100
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

dd_conf "cdr: { sync_interval_ms = 0; };"
ctl reload >/dev/null
sb_poll 10 iv_is 0
tap_ok $? "a reload sets cdr.sync_interval_ms = 0" || tap_diag "$(tail -5 "$sb_tmp/daemon.log")"
c0=$(stat store_commits) s0=$(stat store_syncs)
desk_start 1000 50
door_calls 2 100
c1=$(stat store_commits) s1=$(stat store_syncs)
[ $((c1 - c0)) -ge 6 ] && [ $((s1 - s0)) = $((c1 - c0)) ]
tap_ok $? "then every commit is synced: $((c1 - c0)) commits, $((s1 - s0)) syncs"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
