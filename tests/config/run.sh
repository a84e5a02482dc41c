#!/bin/sh
# run.sh: every tests/config/good/*.conf passes `symbridged -t`; every bad one fails with the
# message its "# expect:" line gives (which names file:line).
: "${top_builddir:?run through make check}"
. "$top_srcdir/tests/lib/tap.sh"
dir=$top_srcdir/tests/config
set -- "$dir"/good/*.conf "$dir"/bad/*.conf
tap_plan $#
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for f in "$@"; do
	name=${f#"$dir"/}
	"$top_builddir/symbridged" -t -c "$f" >"$out" 2>&1
	rc=$?
	case $name in
	good/*)
		[ $rc -eq 0 ]
		r=$?
		[ $r -eq 0 ] || tap_diag "exit $rc" "$(cat "$out")"
		tap_ok $r "$name passes -t"
		;;
	bad/*)
		expect=$(sed -n '1s/^# expect: //p' "$f")
		if [ -z "$expect" ]; then
			tap_ok 1 "$name has an '# expect:' first line"
			continue
		fi
		[ $rc -eq 1 ] && grep -qF -- "$expect" "$out"
		r=$?
		[ $r -eq 0 ] || tap_diag "exit $rc, expected: $expect" "got:" "$(cat "$out")"
		tap_ok $r "$name fails with: $expect"
		;;
	esac
done
tap_done
