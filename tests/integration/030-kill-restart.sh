#!/bin/sh
# 030-kill-restart.sh: one daemon per state dir; after SIGKILL the same state dir starts again
# (lock released, stale socket replaced, store reopened with what was committed).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
tap_plan 9

sb_conf k.conf <<'CONF'
cards = ( { slot = 2; type = "link"; peer = "127.0.0.1:5098"; } );
CONF
# the link card makes the SIP side listen: on a port of its own, not 5060
sb_sip_section "$(sb_free_port)" >>"$sb_tmp/k.conf"
sb_start k.conf
tap_ok $? "daemon starts"
first=$sb_pid

out=$("$SYMBRIDGED" -f -c "$sb_tmp/k.conf" --state-dir "$sb_tmp/state" --control-socket "$sb_tmp/other.sock" 2>&1)
rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q "another symbridged (pid $first) is running with state dir $sb_tmp/state"
tap_ok $? "a second daemon on the same state dir is refused, naming the first" || tap_diag "$rc: $out"
[ ! -e "$sb_tmp/other.sock" ]
tap_ok $? "the refused daemon left no socket behind"

# another state dir but the same socket: the running daemon's socket is not taken over
out=$("$SYMBRIDGED" -f -c "$sb_tmp/k.conf" --state-dir "$sb_tmp/state2" --control-socket "$sb_tmp/ctl.sock" 2>&1)
rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q "another process answers on $sb_tmp/ctl.sock" && ctl version >/dev/null
tap_ok $? "a daemon of another state dir does not hijack a live socket" || tap_diag "$rc: $out"

kill -KILL "$sb_pid"
wait "$sb_pid" 2>/dev/null
sb_pid=
[ -S "$sb_tmp/ctl.sock" ]
tap_ok $? "SIGKILL leaves a stale socket behind"

sb_start k.conf
tap_ok $? "the same state dir starts again after SIGKILL"
starts=$(ctl --json show status | json_get 'j["item"]["starts"]')
[ "$starts" = 2 ]
tap_ok $? "the store kept the start counter across SIGKILL (starts=$starts)"
[ "$(cat "$sb_tmp/state/symbridged.lock")" = "$sb_pid" ]
tap_ok $? "the lock file names the running daemon"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
