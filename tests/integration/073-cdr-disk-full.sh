#!/bin/sh
# 073-cdr-disk-full.sh: call records while the state dir's disk is full. The state dir is a small
# tmpfs the test mounts in a mount namespace of its own (unshare -m); a file fills it. Calls
# made while it is full are kept in memory and `show status` says the store is degraded (the log
# says it once); once space returns every call has exactly one complete record. Then calls that
# began with space and ended without are still waiting when the daemon stops: the log names
# every record it could not write, and the next start closes exactly the begun ones as
# interrupted (records never begun in the store are only in that log).
if [ -z "${SB_073_NS:-}" ]; then
	SB_073_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
. "$top_srcdir/tests/lib/deskdoor.sh"
sb_need_peers sipp
tap_plan 13

pids=
cleanup073() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sb_sip_cleanup
	umount "$sb_tmp/state" 2>/dev/null
}
trap cleanup073 EXIT

mkdir -p "$sb_tmp/state"
mount -t tmpfs -o size=4m tmpfs "$sb_tmp/state"
tap_ok $? "a 4 MB tmpfs on the state dir, in this test's mount namespace" || exit 1

sip_port=$(sb_free_port) dd_tag=073
sb_port_range rtp
sb_license_calls 4 1
export sb_tmp SYMBRIDGECTL
dd_conf

fill() { dd if=/dev/zero of="$sb_tmp/state/fill" bs=64k >/dev/null 2>&1; sync; }
store() { ctl --json show status | json_get 'j["item"]["store"]'; }
degraded() { store | grep -q '^degraded ([1-9][0-9]* records waiting: No space left on device)$'; }
healthy() { [ "$(store)" = ok ]; }
records() { ctl --json cdr list --limit 1000 | json_get 'len(j["rows"])'; }

sb_start c.conf && ctl license install "$lic_file" >/dev/null
desk_start 1000
door_calls 2 300
tap_ok $? "two calls with space on the disk" ||
	{ tap_diag "$(grep -v '^ *[|-]' "$sb_tmp/door.out" | tail -20)" "$(tail -20 "$sb_tmp/daemon.log")"; exit 1; }
[ "$(records)" = 2 ] && healthy
tap_ok $? "two records, store ok" || tap_diag "$(ctl cdr list)" "$(ctl show status)"

# calls until the store fails: LMDB reuses its free pages first, and fails once its file must grow
fill_and_call() {
	fill
	_i=0
	until degraded || [ $_i -ge 10 ]; do
		door_calls 5 200
		_i=$((_i + 1))
	done
	degraded
}
made() { grep -c 'from door to 300 ended: ' "$sb_tmp/daemon.log"; }
fill_and_call
tap_ok $? "calls with the disk full ($(($(made) - 2))): show status says $(store)" ||
	tap_diag "$(tail -20 "$sb_tmp/daemon.log")"
n=$(grep -c 'call records cannot be stored' "$sb_tmp/daemon.log")
m=$(grep -c 'mdb_txn_commit failed' "$sb_tmp/daemon.log")
[ "$n" = 1 ] && [ "$m" = 1 ]
tap_ok $? "the log says so once ($n, and the store $m)" || tap_diag "$(grep 'store' "$sb_tmp/daemon.log")"

rm -f "$sb_tmp/state/fill"
sb_poll 10 healthy
tap_ok $? "space returns: the store takes the waiting records (status ok)" || tap_diag "$(ctl show status)"
grep -q 'call records are stored again' "$sb_tmp/daemon.log"
tap_ok $? "the log says the store took them"
door_calls 2 200
export made_n=$(made)
python3 - <<'PY'
import json, os, subprocess
out = subprocess.run([os.environ["SYMBRIDGECTL"], "-s", os.environ["sb_tmp"] + "/ctl.sock", "--json",
                      "cdr", "list", "--limit", "1000"], capture_output=True, text=True).stdout
rows = json.loads(out)["rows"]
n = int(os.environ["made_n"])
assert n >= 9 and len(rows) == n, (len(rows), n)
assert len({r["id"] for r in rows}) == n, rows
for r in rows:
    assert r["state"] == "ended" and r["reason"] in ("normal", "failed"), r
    assert r["caller"] == "door" and r["called"] == "300" and r["to"] == "station desk", r
    assert r["duration_s"] == 0, r  # calls of 200-300 ms
PY
tap_ok $? "$made_n calls, $made_n records: each ended, complete, none twice" || tap_diag "$(ctl cdr list)"

# a call that begins with space and ends without is still waiting (with calls that never got
# in) when the daemon stops
door_calls 1 60000 &
pids="$pids $!"
call_id() { ctl --json show calls | json_get 'j["rows"][0]["id"] if j["rows"] else ""'; }
one_call() { [ -n "$(call_id)" ]; }
sb_poll 10 one_call
long=$(call_id)
fill_and_call
ctl hangup "$long" >/dev/null
degraded && [ -z "$(call_id)" ]
tap_ok $? "the disk full again, the long call hung up: $(store)"
export made_n=$(made)
sb_stop
tap_ok $? "the daemon stops with records still waiting (exit 0)" || tap_diag "$(tail -5 "$sb_tmp/daemon.log")"
export marked=$(grep -c 'call record not stored (No space left on device), marked interrupted' "$sb_tmp/daemon.log")
export lost=$(grep 'call record not stored' "$sb_tmp/daemon.log" | grep -vc 'marked interrupted')
[ "$marked" -ge 1 ]
tap_ok $? "the log names each record it could not write ($marked begun, $lost never stored)" ||
	tap_diag "$(tail -5 "$sb_tmp/daemon.log")"
rm -f "$sb_tmp/state/fill"
sb_start c.conf
python3 - <<'PY'
import json, os, subprocess
out = subprocess.run([os.environ["SYMBRIDGECTL"], "-s", os.environ["sb_tmp"] + "/ctl.sock", "--json",
                      "cdr", "list", "--limit", "1000"], capture_output=True, text=True).stdout
rows = json.loads(out)["rows"]
inter = [r for r in rows if r["state"] == "interrupted"]
assert len(inter) == int(os.environ["marked"]), (len(inter), os.environ["marked"])
assert all(r["state"] == "ended" and r["caller"] == "door" for r in rows if r not in inter)
assert len(rows) + int(os.environ["lost"]) == int(os.environ["made_n"]), (len(rows), os.environ)
PY
tap_ok $? "restarted with space: exactly the $marked begun records are interrupted, the rest ended" ||
	tap_diag "$(ctl cdr list | head -20)"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
