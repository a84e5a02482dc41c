#!/bin/sh
# 040-cli.sh: symbridgectl without a daemon, interactive use from a pipe, usage errors.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 7

out=$(ctl show cards 2>&1)
rc=$?
[ $rc -eq 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
	printf '%s' "$out" | grep -q "cannot reach symbridged at $sb_tmp/ctl.sock"
tap_ok $? "no daemon: one line and exit 1" || tap_diag "$rc: $out"

out=$(SYMBRIDGE_CTL_SOCKET=$sb_tmp/env.sock "$SYMBRIDGECTL" version 2>&1)
printf '%s' "$out" | grep -q "$sb_tmp/env.sock"
tap_ok $? "SYMBRIDGE_CTL_SOCKET picks the socket" || tap_diag "$out"

"$SYMBRIDGECTL" --no-such-option >/dev/null 2>&1
[ $? -eq 2 ]
tap_ok $? "a bad option exits 2"

sb_conf c.conf <<'CONF'
cards = ( { slot = 3; type = "pri"; side = "net"; dchannel = "dahdi:1"; } );
CONF
sb_start c.conf
tap_ok $? "daemon starts"

out=$(printf 'show cards\nshow nothing\n\nversion\nquit\nshow cards\n' | ctl 2>&1)
rc=$?
[ $rc -eq 0 ]
tap_ok $? "interactive mode from a pipe exits 0 on quit" || tap_diag "$rc: $out"
printf '%s\n' "$out" | grep -q '^3  *pri  *pri-3  *30 ' &&
	printf '%s\n' "$out" | grep -q 'unknown command word "nothing"' &&
	[ "$(printf '%s\n' "$out" | grep -c '^SLOT')" -eq 1 ]
tap_ok $? "it runs each line, survives an error, stops at quit" || tap_diag "$out"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
