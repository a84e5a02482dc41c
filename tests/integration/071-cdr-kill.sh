#!/bin/sh
# 071-cdr-kill.sh: a process writing a stream of call records through the cdr API is killed
# with SIGKILL mid-stream; the next daemon start closes the calls that were running as
# interrupted, at the last known time, and every record reads back whole.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 8
WRITER=$top_builddir/tests/peers/cdr-writer
export TZ=UTC

mkdir -p "$sb_tmp/state"
"$WRITER" "$sb_tmp/state/store" 8 > "$sb_tmp/writer.out" 2>&1 &
wpid=$!
i=0
until [ "$(grep -c begun "$sb_tmp/writer.out")" -ge 300 ] || [ $i -ge 400 ]; do
	sleep 0.05; i=$((i + 1))
done
kill -KILL "$wpid"
wait "$wpid" 2>/dev/null
begun=$(grep -c begun "$sb_tmp/writer.out")
[ "$begun" -ge 300 ]
tap_ok $? "the writer was killed mid-stream after $begun calls"

sb_conf k.conf <<'CONF'
cards = ( { slot = 1; type = "sym-bridge"; channels = ( { number = "100"; target = "cloud:a"; } ); } );
CONF
sb_start k.conf
tap_ok $? "daemon starts on the store the killed writer left"

closed=$(sed -n 's/.*closed \([0-9]*\) call record(s) of calls that were running.*/\1/p' "$sb_tmp/daemon.log")
[ -n "$closed" ] && [ "$closed" -ge 7 ] && [ "$closed" -le 8 ]
tap_ok $? "the calls running at the kill ($closed) are closed at start" || tap_diag "$(cat "$sb_tmp/daemon.log")"

ctl cdr export --csv > "$sb_tmp/all.csv"
python3 - "$sb_tmp/all.csv" "$begun" "$closed" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
begun, closed = int(sys.argv[2]), int(sys.argv[3])
# the kill may fall after a call's record was written and before the writer said so
assert begun <= len(rows) <= begun + 1, (len(rows), begun)
states = [r["state"] for r in rows]
assert "running" not in states, "a record is still open"
assert states.count("interrupted") == closed, (states.count("interrupted"), closed)
# the interrupted ones are the newest, and end at the last moment anything was written
inter = [r for r in rows if r["state"] == "interrupted"]
assert inter == rows[-len(inter):], "interrupted records are not the last ones"
# every write notes its time as the last known one: the latest time found in any record
times = [r[k] for r in rows for k in ("start", "answer") if r[k]]
times += [r["end"] for r in rows if r["state"] == "ended"]
last_known = max(times)
assert all(r["end"] == last_known for r in inter), ([r["end"] for r in inter], last_known)
assert all(r["reason"] == "interrupted" for r in inter)
PY
tap_ok $? "every record reads back whole; only the running ones are interrupted, ended at the last known time"

n=$(ctl --json cdr list --limit 10000 | json_get 'sum(1 for r in j["rows"] if r["state"] == "interrupted")')
[ "$n" = "$closed" ]
tap_ok $? "cdr list shows them as interrupted" || tap_diag "$n"

sb_stop
tap_ok $? "daemon stops cleanly (exit 0)"
sb_start k.conf
grep -c 'call record(s) of calls that were running' "$sb_tmp/daemon.log" | grep -qx 1
tap_ok $? "a second start finds nothing left to close"
sb_stop
tap_ok $? "and stops cleanly"
tap_done
