# daemon.sh: start and stop a real symbridged for a test, in a temp dir, always by pid.
: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"
SYMBRIDGED=$top_builddir/symbridged
SYMBRIDGECTL=$top_builddir/symbridgectl

sb_tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbtest.XXXXXX")
# The daemon's hardware id comes from the machine; tests run it with the test override (only
# ids that start with "test-", see symbridge.conf(5), LICENSE) and sign their license files for
# that id with `symbridge-license sign --test`.
SB_TEST_HWID=test-hw
SYMBRIDGE_TEST_HWID=$SB_TEST_HWID
export SYMBRIDGE_TEST_HWID
sb_pid=
sb_cleanup() {
	if [ -n "$sb_pid" ] && kill -0 "$sb_pid" 2>/dev/null; then
		kill -KILL "$sb_pid" 2>/dev/null
		wait "$sb_pid" 2>/dev/null
	fi
	[ -n "${SB_KEEP:-}" ] || rm -rf "$sb_tmp"
}
trap sb_cleanup EXIT

# sb_conf NAME <<EOF ... : write a config into the temp dir
sb_conf() { cat > "$sb_tmp/$1"; }

ctl() { "$SYMBRIDGECTL" -s "$sb_tmp/ctl.sock" "$@"; }

# sb_start CONF: start in the foreground (background job), wait until the socket answers
sb_start() {
	"$SYMBRIDGED" -f -c "$sb_tmp/$1" --state-dir "$sb_tmp/state" \
		--control-socket "$sb_tmp/ctl.sock" 2>>"$sb_tmp/daemon.log" &
	sb_pid=$!
	sb_wait_ready
}

# poll with a bound: 200 x 50 ms = 10 s
sb_wait_ready() {
	i=0
	while [ $i -lt 200 ]; do
		ctl version >/dev/null 2>&1 && return 0
		kill -0 "$sb_pid" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# sb_stop: SIGTERM, wait (bounded) and return the daemon's exit status
sb_stop() {
	kill -TERM "$sb_pid" 2>/dev/null
	i=0
	while kill -0 "$sb_pid" 2>/dev/null && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	wait "$sb_pid"
	rc=$?
	sb_pid=
	return $rc
}

# json_get EXPR: evaluate a python expression on the JSON read from stdin (j)
json_get() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

# sb_port_range VAR [COUNT]: set VAR to the first of COUNT (default 100) consecutive ports outside
# the kernel's ephemeral range, free now and reserved for this test until its shell exits
# (tests/lib/portrange.py keeps the reservations under flock); for RTP port ranges
sb_port_range() {
	_sb_r=$(python3 "$top_srcdir/tests/lib/portrange.py" "${2:-100}" $$) ||
		{ echo "Bail out! no free range of ${2:-100} ports (tests/lib/portrange.py)"; exit 1; }
	eval "$1=\$_sb_r"
}
