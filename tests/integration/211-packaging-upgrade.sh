#!/bin/sh
# 211-packaging-upgrade.sh: a package upgrade keeps calls. The maintainer scripts (deb postinst,
# rpm %post) no longer try-restart a running daemon: they run packaging/upgrade-restart, which
# asks it to `restart --when-idle --max-wait SYMBRIDGE_UPGRADE_MAX_WAIT` (/etc/default/symbridge).
# Here the helper, as built, runs against a daemon with a call up (systemd is not PID 1 in a
# test: the unit's restart on status 75 is its RestartForceExitStatus= line).
. "$top_srcdir/tests/lib/linkpair.sh"
tap_plan 10

helper=$top_builddir/packaging/upgrade-restart
unit=$top_builddir/packaging/systemd/symbridged.service
pi=$top_srcdir/packaging/debian/symbridge.postinst
spec=$top_srcdir/packaging/rpm/symbridge.spec
grep -q '^RestartForceExitStatus=75$' "$unit" && grep -q '^SuccessExitStatus=75$' "$unit" &&
	grep -q -- '--no-stop-on-upgrade --no-restart-after-upgrade' "$top_srcdir/packaging/debian/rules" &&
	grep -q '^[[:space:]]*/usr/libexec/symbridge/upgrade-restart ||$' "$pi" &&
	grep -q '^[[:space:]]*%{_libexecdir}/symbridge/upgrade-restart ||$' "$spec" &&
	! grep -q 'postun_with_restart' "$spec"
tap_ok $? "unit restarts on 75; postinst and %post run upgrade-restart, debhelper and %postun restart nothing"

# the autopkgtests (run by autopkgtest, not here): their scripts parse, control names each
at=$top_srcdir/packaging/debian/tests
sh -n "$at/call" && sh -n "$at/upgrade" && [ -x "$at/call" ] && [ -x "$at/upgrade" ] &&
	[ "$(sed -n 's/^Tests: //p' "$at/control" | tr '\n' ' ')" = "call upgrade " ] &&
	[ "$(grep -c '^Depends: symbridge, ' "$at/control")" = 2 ]
tap_ok $? "debian/tests: call and upgrade parse and are declared in control"

sb_license_calls 4 1
linkpair_conf 211 | sb_conf c.conf
linkpair_server 300

# no daemon answers: the helper says so and exits 1 (postinst then restarts plainly)
out=$(SYMBRIDGECTL=$SYMBRIDGECTL SYMBRIDGE_DEFAULTS=/nonexistent sh "$helper" "$sb_tmp/ctl.sock" 2>&1)
rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q 'cannot ask the running daemon to restart when idle'
tap_ok $? "without a daemon: exit 1 and a reason (got $rc: $out)"

linkpair_start c.conf
linkpair_calls 1 one 150 &
uac_pid=$!
pids="$pids $uac_pid"
one() { [ "$(nup)" = 1 ]; }
sb_poll 30 one
tap_ok $? "a call is up through the daemon (link -> bridge -> link)" || tap_diag "$(ctl show calls)"

# /etc/default/symbridge's maximum, as the package installs it, with another value
sed 's/^SYMBRIDGE_UPGRADE_MAX_WAIT=.*/SYMBRIDGE_UPGRADE_MAX_WAIT=900/' \
	"$top_srcdir/packaging/default/symbridge" >"$sb_tmp/default"
out=$(SYMBRIDGECTL=$SYMBRIDGECTL SYMBRIDGE_DEFAULTS=$sb_tmp/default sh "$helper" "$sb_tmp/ctl.sock" 2>&1)
tap_ok $? "upgrade-restart against the running daemon exits 0 ($out)"
st=$(ctl --json show status | json_get "j['item']['state']")
case $st in
"draining (1 call remains), restart when idle or in "*" s")
	s=${st##*in }
	s=${s% s}
	[ "$s" -le 900 ] && [ "$s" -gt 800 ]
	;;
*) false ;;
esac
tap_ok $? "the daemon drains and restarts when idle, within the file's 900 s: $st"
kill -0 "$sb_pid" 2>/dev/null && [ "$(nup)" = 1 ]
tap_ok $? "the call is still up, the daemon still runs"

id=$(ctl --json show calls | json_get "j['rows'][0]['id']")
ctl hangup "$id" >/dev/null
sb_poll 15 sh -c "! kill -0 $sb_pid 2>/dev/null"
wait "$sb_pid"
rc=$?
sb_pid=
[ $rc -eq 75 ]
tap_ok $? "the call ended: the daemon exited 75, the status the unit restarts on (got $rc)" ||
	tap_diag "$(tail -5 "$sb_tmp/daemon.log")"
wait "$uac_pid"
tap_ok $? "the call itself ended normally (BYE answered)" || tap_diag "$(tail -5 "$sb_tmp/uac-one.out")"

# a value that is no number: the default (4 h) and a warning, never a failed upgrade
printf 'SYMBRIDGE_UPGRADE_MAX_WAIT=soon\n' >"$sb_tmp/default"
sb_start c.conf
out=$(SYMBRIDGECTL=$SYMBRIDGECTL SYMBRIDGE_DEFAULTS=$sb_tmp/default sh "$helper" "$sb_tmp/ctl.sock" 2>&1)
rc=$?
sb_poll 15 sh -c "! kill -0 $sb_pid 2>/dev/null"
wait "$sb_pid"
rc2=$?
sb_pid=
[ $rc -eq 0 ] && [ $rc2 -eq 75 ] && printf '%s' "$out" | grep -q '"soon" is not a number of seconds.*using 14400' &&
	printf '%s' "$out" | grep -q 'at the latest in 14400 s'
tap_ok $? "SYMBRIDGE_UPGRADE_MAX_WAIT=soon: warned, 14400 used; idle, the daemon exits 75 at once ($rc, $rc2)" ||
	tap_diag "$out"
tap_done
