#!/bin/sh
# cdr-smoke.sh: the call-record bench runs (small) and ends with its summary line; the figures
# themselves come from a full run (`tests/bench/cdr-bench`, 1 000 000 records), not from here.
. "$top_srcdir/tests/lib/tap.sh"
tap_plan 1
out=$("$top_builddir/tests/bench/cdr-bench" 20000 2>&1)
printf '%s\n' "$out" | tail -1 |
	grep -Eq '^cdr-bench: 20000 records, [0-9]+ inserts/s batched, [0-9]+ calls/s durable, list [0-9.]+ ms, export [0-9]+ records/s, [0-9]+ B/record$'
tap_ok $? "cdr-bench runs and prints its summary" || tap_diag "$out"
tap_done
