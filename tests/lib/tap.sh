# tap.sh: TAP output for shell tests: plan, ok/not ok with a reason, and a summary exit code.
tap_n=0
tap_failed=0

tap_plan() { echo "1..$1"; }

# tap_ok STATUS DESCRIPTION: one test point; returns STATUS so `|| tap_diag ...` can explain
tap_ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
	return "$1"
}

# tap_diag TEXT...: a comment line, shown by the TAP driver in the log
tap_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

tap_done() { [ "$tap_failed" -eq 0 ]; exit $?; }
