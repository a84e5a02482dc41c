#!/bin/sh
# sip-load-smoke.sh: the SIP load bench runs (one low step each way, a few seconds) and ends with
# its summary line with no failed call; the figures come from a full run (`make bench`, or
# tests/bench/sip-load by hand), not from here.
. "$top_srcdir/tests/lib/tap.sh"
for p in kamailio sipp openssl; do
	command -v $p >/dev/null 2>&1 || { echo "1..0 # SKIP $p is not installed (scripts/install-deps.sh installs it)"; exit 0; }
done
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root for network namespaces (the cloud runs in one of its own)"; exit 0; }
tap_plan 1
out=$(sh "$top_srcdir/tests/bench/sip-load" --smoke 2>&1)
printf '%s\n' "$out" | tail -1 |
	grep -Eq '^sip-load: bridge [1-9][0-9]* cps, kamailio [1-9][0-9]* cps, ratio [0-9]+\.[0-9]+, failed 0$'
tap_ok $? "sip-load runs through the bridge and straight at kamailio and prints its summary" ||
	tap_diag "$out"
tap_done
