#!/bin/sh
# run-one.sh TEST: runs one shell test for `make check`. When SB_TESTS_SUBSET names tests (by file
# name, space-separated), any other shell test is reported skipped: scripts/test.sh sets it for
# `make distcheck`, which checks that the release tarball builds, installs and runs a test of each
# area, after `make check` has run the whole suite on the same tree.
t=$1
shift
if [ -n "${SB_TESTS_SUBSET:-}" ]; then
	listed=
	for name in $SB_TESTS_SUBSET; do
		[ "$name" = "${t##*/}" ] && listed=1
	done
	if [ -z "$listed" ]; then
		echo "1..0 # SKIP not in SB_TESTS_SUBSET (make check ran the whole suite)"
		exit 0
	fi
fi
exec "$t" "$@"
