#!/bin/sh
# 092-packaging-reload.sh: the unit's ExecReload= is `symbridgectl reload`, so `systemctl reload`
# fails (exit 1, errors shown) when the new file is refused, and succeeds when it is taken.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 5

unit=$top_builddir/packaging/systemd/symbridged.service
cmd=$(sed -n 's/^ExecReload=//p' "$unit")
case $cmd in
*/symbridgectl\ -s\ */symbridge/ctl.sock\ reload) r=0 ;;
*) r=1 ;;
esac
tap_ok $r "ExecReload= runs symbridgectl reload on the package's socket ($cmd)"

# the same command line, pointed at this test's build and socket
set -- $cmd
shift 3
reload() { "$SYMBRIDGECTL" -s "$sb_tmp/ctl.sock" "$@"; }

sb_conf r.conf <<'CONF'
system: { name = "t092"; };
CONF
sb_start r.conf
reload "$@" >"$sb_tmp/good.out" 2>&1
tap_ok $? "reload of a good file exits 0" || tap_diag "$(cat "$sb_tmp/good.out")"

printf 'system: { name = "t092"; log_level = "loud"; };\n' >"$sb_tmp/r.conf"
reload "$@" >"$sb_tmp/bad.out" 2>&1
rc=$?
[ $rc -eq 1 ]
tap_ok $? "reload of a refused file exits 1 (got $rc): systemctl reload fails"
grep -q 'r.conf:1: system.log_level' "$sb_tmp/bad.out"
tap_ok $? "the errors are shown to whoever reloaded" || tap_diag "$(cat "$sb_tmp/bad.out")"

sb_stop
tap_ok $? "daemon still ran on its old configuration and exits 0"
tap_done
