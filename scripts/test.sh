#!/bin/sh
# test.sh: the whole test suite from a fresh clone: dependencies, build, make check, make distcheck.
set -u
cd "$(dirname "$0")/.." || exit 1
sh scripts/install-deps.sh || exit 1
autoreconf -fi && ./configure --enable-werror && make -j"$(nproc)" || exit 1

status=0
make -j"$(nproc)" check || status=1
if [ $status -eq 0 ]; then
	# the release tarball, built out of a read-only source tree, installed, and checked: every
	# unit test, and of the shell tests (which make check has just run on this tree) one per
	# area, so that the tarball's completeness is proven without running the suite twice
	SB_TESTS_SUBSET="layering.sh run.sh 010-show.sh 020-reload.sh 070-cdr-report.sh
		090-packaging-notify.sh 100-license.sh 101-isdn-pri.sh 140-sip-call-cloud.sh
		230-mqtt-reports.sh" \
		make -j"$(nproc)" distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror || status=1
fi
[ $status -eq 0 ] || cat test-suite.log
pass=$(sed -n 's/^# PASS: *//p' test-suite.log)
fail=$(sed -n 's/^# FAIL: *//p' test-suite.log)
err=$(sed -n 's/^# ERROR: *//p' test-suite.log)
# the .deb and .rpm, built from the tarball and checked (packaging/README.md); the suite has just
# run, so the package builds skip it
if [ $status -eq 0 ]; then
	sh scripts/install-deps.sh --packaging &&
		DEB_BUILD_OPTIONS=nocheck SB_RPM_NOCHECK=1 make check-packages >packages.log 2>&1 ||
		status=1
	grep -E '^(not )?ok ' packages.log
	pass=$(( ${pass:-0} + $(grep '^ok ' packages.log | grep -vc '# SKIP') ))
	fail=$(( ${fail:-0} + $(grep -c '^not ok ' packages.log) ))
	[ $status -eq 0 ] || { tail -n 40 packages.log; [ "${fail:-0}" -gt 0 ] || fail=1; }
fi
echo "${pass:-0} passed, $(( ${fail:-0} + ${err:-0} )) failed"
exit $status
