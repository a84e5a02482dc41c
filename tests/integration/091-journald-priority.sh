#!/bin/sh
# 091-journald-priority.sh: under systemd (stderr is the journal's stream, named by
# $JOURNAL_STREAM) every line starts with its syslog priority "<N>" and carries no timestamp of
# its own, so `journalctl -p err` finds errors; on a terminal or a file the format is unchanged.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
tap_plan 8

# a PRI span on a DAHDI span that does not exist: the daemon logs an error and goes on
sb_conf j.conf <<'CONF'
system: { name = "t091"; log_level = "info"; };
cards = ( { slot = 2; type = "pri"; name = "trunk"; side = "cpe"; dchannel = "dahdi:97"; } );
CONF

# start_with_stream LOG STREAM_OF: the daemon with stderr appended to LOG and JOURNAL_STREAM
# naming the file STREAM_OF (the same file: as systemd does; another one: a redirected stderr)
start_with_stream() {
	: >"$sb_tmp/$1"
	JOURNAL_STREAM=$(stat -c %d:%i "$sb_tmp/$2") "$SYMBRIDGED" -f -c "$sb_tmp/j.conf" \
		--state-dir "$sb_tmp/state" --control-socket "$sb_tmp/ctl.sock" 2>>"$sb_tmp/$1" &
	sb_pid=$!
	sb_wait_ready
}

start_with_stream journal.log journal.log && sb_stop
tap_ok $? "daemon starts and stops with stderr on the journal stream"
! grep -v '^<[0-7]>[a-z]* [a-z]*: ' "$sb_tmp/journal.log"
tap_ok $? "every line starts with <N>, the level and the subsystem ($(wc -l <"$sb_tmp/journal.log") lines)"
! grep -q '^<[0-7]>[0-9]\{4\}-' "$sb_tmp/journal.log"
tap_ok $? "no timestamp of our own (the journal adds one)"
grep -q '^<3>error isdn: span 2 (trunk): D-channel dahdi:97 cannot start' "$sb_tmp/journal.log" &&
	grep -q '^<5>notice core: symbridged .* ready' "$sb_tmp/journal.log" &&
	grep -q '^<6>info ' "$sb_tmp/journal.log"
tap_ok $? "errors at priority 3, notices at 5, info at 6" || tap_diag "$(cat "$sb_tmp/journal.log")"

: >"$sb_tmp/other"
start_with_stream file.log other && sb_stop
grep -q '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] [0-9:.]* error isdn: span 2' "$sb_tmp/file.log" &&
	! grep -q '^<' "$sb_tmp/file.log"
tap_ok $? "stderr redirected away from the journal's stream: timestamps, no prefixes"

# symbridged -t (the unit's ExecStartPre=) on a bad file: its errors are errors in the journal
printf 'system: { name = "t091"; log_level = "loud"; };\n' >"$sb_tmp/bad.conf"
: >"$sb_tmp/t.log"
JOURNAL_STREAM=$(stat -c %d:%i "$sb_tmp/t.log") "$SYMBRIDGED" -t -c "$sb_tmp/bad.conf" 2>>"$sb_tmp/t.log"
grep -q '^<3>.*bad.conf:1: system.log_level' "$sb_tmp/t.log" &&
	grep -q '^<3>symbridged: configuration file .* test failed' "$sb_tmp/t.log"
tap_ok $? "symbridged -t: configuration errors at priority 3" || tap_diag "$(cat "$sb_tmp/t.log")"

unit=$top_builddir/packaging/systemd/symbridged.service
grep -q '^SyslogLevelPrefix=true$' "$unit"
tap_ok $? "the unit says SyslogLevelPrefix=true"

# the real journal, where there is one (CI containers usually have none)
if [ -S /run/systemd/journal/stdout ] && command -v systemd-cat >/dev/null &&
	command -v journalctl >/dev/null && journalctl -n 0 >/dev/null 2>&1; then
	tag=sbtest091-$$
	systemd-cat -t "$tag" sh -c 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$@"' \
		sh "$SYMBRIDGED" -f -c "$sb_tmp/j.conf" --state-dir "$sb_tmp/state" \
		--control-socket "$sb_tmp/ctl.sock" &
	sb_pid=$!
	sb_wait_ready && sb_stop
	sb_poll 10 sh -c "journalctl -q -p err -t '$tag' -o cat | grep -q 'dahdi:97 cannot start'"
	tap_ok $? "journalctl -p err -t $tag shows the error the daemon logged"
elif [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v systemd-cat >/dev/null &&
	command -v journalctl >/dev/null && [ -x /lib/systemd/systemd-journald ]; then
	# No journal runs here (a container): start a private systemd-journald in a mount namespace
	# of the test's own, where a tmpfs hides the machine's /run and /var/log/journal, so the
	# daemon's stderr goes to a real journal stream and journalctl reads a real journal.
	tag=sbtest091-$$
	cat >"$sb_tmp/journal-ns.sh" <<NS
mount -t tmpfs -o mode=755 sbtest091 /run || exit 2
[ ! -d /var/log/journal ] || mount -t tmpfs sbtest091 /var/log/journal || exit 2
mkdir -p /run/systemd/journal
/lib/systemd/systemd-journald & jd=\$!
i=0
while [ ! -S /run/systemd/journal/stdout ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i + 1)); done
systemd-cat -t '$tag' sh -c 'JOURNAL_STREAM=\$(stat -L -c %d:%i /proc/self/fd/2) exec "\$@"' \\
	sh '$SYMBRIDGED' -f -c '$sb_tmp/j.conf' --state-dir '$sb_tmp/state' \\
	--control-socket '$sb_tmp/ctl.sock' & sd=\$!
i=0
until '$SYMBRIDGECTL' -s '$sb_tmp/ctl.sock' version >/dev/null 2>&1 || [ \$i -ge 200 ]; do
	sleep 0.05; i=\$((i + 1))
done
kill -TERM \$sd; wait \$sd
rc=1 i=0
while [ \$i -lt 100 ]; do
	journalctl -q -p err -t '$tag' -o cat | grep -q 'dahdi:97 cannot start' && { rc=0; break; }
	sleep 0.1; i=\$((i + 1))
done
journalctl -q -t '$tag' -o short-monotonic >'$sb_tmp/journal-ns.log' 2>&1
kill \$jd; wait \$jd
exit \$rc
NS
	timeout 60 unshare -m --propagation private sh "$sb_tmp/journal-ns.sh"
	tap_ok $? "journalctl -p err -t $tag shows the error the daemon logged (a private journald)" ||
		tap_diag "$(cat "$sb_tmp/journal-ns.log" 2>/dev/null)"
else
	echo "ok 8 # SKIP journald is not running here and no private one can be started (root, unshare)"
	tap_n=8
fi
tap_done
