#!/bin/sh
# sip-flood-smoke.sh: the flood bench runs small (400 requests/s for 6 s from four addresses, a
# legitimate station calling once a second) and ends with its summary line: every legitimate call
# served, RSS back within 64 MB. The figures come from a full run (tests/bench/sip-flood, or
# `make bench`), not from here.
. "$top_srcdir/tests/lib/tap.sh"
command -v sipp >/dev/null 2>&1 || { echo "1..0 # SKIP sipp is not installed (scripts/install-deps.sh installs it)"; exit 0; }
if [ "$(id -u)" -ne 0 ] || ! unshare -n true 2>/dev/null; then
	echo "1..0 # SKIP the flood runs in a network namespace: needs root and unshare"
	exit 0
fi
tap_plan 1
out=$(sh "$top_srcdir/tests/bench/sip-flood" --smoke 2>&1)
rc=$?
printf '%s\n' "$out" | tail -1 |
	grep -Eq '^sip-flood: legit calls ([0-9]+)/\1, rss before [0-9.]+ peak [0-9.]+ after [0-9.]+$' &&
	[ $rc -eq 0 ]
tap_ok $? "sip-flood: every legitimate call served during the flood, RSS back within 64 MB" ||
	tap_diag "$out"
tap_done
