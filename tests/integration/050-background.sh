#!/bin/sh
# 050-background.sh: without -f the daemon forks, the starting process returns once it is ready;
# a start that fails returns 1 with the reason on stderr.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 6

sb_conf g.conf <<'CONF'
system: { name = "bg"; };
CONF
"$SYMBRIDGED" -c "$sb_tmp/g.conf" --state-dir "$sb_tmp/state" --control-socket "$sb_tmp/ctl.sock" 2>"$sb_tmp/err"
tap_ok $? "symbridged without -f returns 0"
ctl version >/dev/null
tap_ok $? "the daemon answers as soon as the starter returned"
sb_pid=$(cat "$sb_tmp/state/symbridged.lock")
[ -n "$sb_pid" ] && kill -0 "$sb_pid"
tap_ok $? "it runs in the background (pid $sb_pid from the lock file)"

"$SYMBRIDGED" -c "$sb_tmp/g.conf" --state-dir "$sb_tmp/state" --control-socket "$sb_tmp/b.sock" 2>"$sb_tmp/err2"
rc=$?
[ $rc -eq 1 ] && grep -q "another symbridged (pid $sb_pid)" "$sb_tmp/err2"
tap_ok $? "a failing background start exits 1 with the reason" || tap_diag "$rc: $(cat "$sb_tmp/err2")"

kill -TERM "$sb_pid"
i=0
while kill -0 "$sb_pid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
! kill -0 "$sb_pid" 2>/dev/null
tap_ok $? "SIGTERM stops the background daemon"
sb_pid=
[ ! -e "$sb_tmp/ctl.sock" ]
tap_ok $? "and it removed its socket"
tap_done
