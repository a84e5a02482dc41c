#!/bin/sh
# 072-cdr-cli.sh: the cdr commands over a large store: list (newest first, filters, limit), show,
# export --csv (streamed, whole), stats per card, option errors, and retention deleting old
# records at start. 610 records are written into the state dir by tests/peers/cdr-writer before
# the daemon starts: this tests the commands' mechanics, not what a record says about a call
# (070-cdr-report.sh makes real calls for that).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 17
WRITER=$top_builddir/tests/peers/cdr-writer
export TZ=UTC

mkdir -p "$sb_tmp/state"
"$WRITER" "$sb_tmp/state/store" 3 10 200 >/dev/null &&   # 10 calls 200 days ago
	"$WRITER" "$sb_tmp/state/store" 4 600 >/dev/null  # 600 calls now, 4 at a time
tap_ok $? "records written through the API"

sb_conf c.conf <<'CONF'
cards = ( { slot = 1; type = "sym-bridge"; channels = ( { number = "100"; target = "cloud:a"; } ); } );
cdr: { retention_days = 180; };
CONF
sb_start c.conf
tap_ok $? "daemon starts"

# the sweep at start deletes what is older than the retention period
i=0
until grep -q 'deleted 10 call record(s) older than 180 days' "$sb_tmp/daemon.log" || [ $i -ge 200 ]; do
	sleep 0.05; i=$((i + 1))
done
grep -q 'deleted 10 call record(s) older than 180 days' "$sb_tmp/daemon.log"
tap_ok $? "records older than retention_days are deleted at start" || tap_diag "$(cat "$sb_tmp/daemon.log")"

out=$(ctl cdr list)
rows=$(printf '%s\n' "$out" | grep -c ' to-cloud ')
[ "$rows" -eq 50 ] && printf '%s\n' "$out" | grep -q 'the newest 50 matching records, newest first; more match'
tap_ok $? "cdr list shows the newest 50 and says more match" || tap_diag "$out"

ids=$(ctl --json cdr list --limit 5 | json_get '" ".join(r["id"] for r in j["rows"])')
sorted=$(printf '%s\n' $ids | sort -rn | tr '\n' ' ' | sed 's/ $//')
[ "$(printf '%s\n' $ids | wc -l)" -eq 5 ] && [ "$ids" = "$sorted" ]
tap_ok $? "--limit 5 gives five, newest first" || tap_diag "$ids"

n=$(ctl --json cdr list --number 49301007 | json_get 'len(j["rows"])')
caller=$(ctl --json cdr list --number 49301007 | json_get 'j["rows"][0]["caller"]')
[ "$n" = 1 ] && [ "$caller" = 49301007 ]
tap_ok $? "--number finds the one call of that number" || tap_diag "$n $caller"

first=${ids%% *}
out=$(ctl cdr show "$first")
printf '%s\n' "$out" | grep -q 'state: *ended' && printf '%s\n' "$out" | grep -q 'b_codec: *G722' &&
	printf '%s\n' "$out" | grep -q 'b_srtp: *yes' && printf '%s\n' "$out" | grep -q 'a_endpoint: *2/'
tap_ok $? "cdr show gives the record with both legs" || tap_diag "$out"

out=$(ctl cdr show 12345 2>&1)
[ $? -eq 1 ] && printf '%s' "$out" | grep -q 'no call record 12345'
tap_ok $? "cdr show of an unknown id fails and says so" || tap_diag "$out"

ctl cdr export --csv > "$sb_tmp/all.csv"
rc=$?
lines=$(wc -l < "$sb_tmp/all.csv")
[ $rc -eq 0 ] && [ "$lines" -eq 601 ] && head -1 "$sb_tmp/all.csv" | grep -q '^id,start,answer,end,duration_s,'
tap_ok $? "cdr export --csv streams a header and all 600 records" || tap_diag "rc=$rc lines=$lines"

python3 - "$sb_tmp/all.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
hdr, body = rows[0], rows[1:]
assert all(len(r) == len(hdr) for r in body), "ragged rows"
ids = [int(r[0]) for r in body]
assert ids == sorted(ids) and len(set(ids)) == len(ids), "ids not rising"
assert all(r[hdr.index("state")] == "ended" for r in body)
PY
tap_ok $? "the CSV parses, every row has every column, ids rise"

n=$(ctl cdr export --since -1h --number 49301007 | wc -l)
[ "$n" -eq 2 ]
tap_ok $? "export takes the same filters" || tap_diag "$n"

# the protocol: a streamed reply, then the next request's reply, to a client that half-closed
python3 - "$sb_tmp/ctl.sock" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"argv":["cdr","export","--csv"]}\n{"argv":["version"]}\n')
s.shutdown(socket.SHUT_WR)
buf = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    buf += b
lines = [json.loads(l) for l in buf.decode().splitlines()]
assert lines[0]["ok"] and lines[0]["stream"], lines[0]
data = "".join(l.get("data", "") for l in lines[1:-2])
assert lines[-2] == {"end": True, "ok": True}, lines[-2]
assert lines[-1]["item"]["name"] == "symbridged", lines[-1]
assert len(data.splitlines()) == 601, len(data.splitlines())
assert len(lines) >= 5, len(lines)  # 600 rows leave in more than one chunk of 500
PY
tap_ok $? "protocol: stream lines, end line, then the next reply, to a half-closed client"

stats=$(ctl --json cdr stats)
echo "$stats" | json_get '{r["card"] or r["direction"]: r["calls"] for r in j["rows"]} == {"1": 600, "2": 600, "to-cloud": 600, "all": 600}' | grep -q True
tap_ok $? "cdr stats counts the calls per card and in all" || tap_diag "$stats"

out=$(ctl cdr list --since yesterday 2>&1)
[ $? -eq 1 ] && printf '%s' "$out" | grep -q -- '--since: "yesterday" is not a time'
tap_ok $? "a bad time is refused with examples" || tap_diag "$out"
out=$(ctl cdr list --limit 0 2>&1)
[ $? -eq 1 ] && printf '%s' "$out" | grep -q -- '--limit: "0" is not a count from 1 to 10000'
tap_ok $? "a bad limit is refused" || tap_diag "$out"
out=$(ctl cdr list --colour 2>&1)
[ $? -eq 1 ] && printf '%s' "$out" | grep -q 'unknown option "--colour" (allowed: --since, --until, --number, --limit)'
tap_ok $? "an unknown option names the allowed ones" || tap_diag "$out"

sb_stop
tap_ok $? "daemon stops cleanly (exit 0)"
tap_done
