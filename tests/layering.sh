#!/bin/sh
# layering.sh: the core (src/) includes no header of a module (modules/*/): modules observe the
# core's call events and register their operations with it, never the other way round.
: "${top_srcdir:?run through make check}"
. "$top_srcdir/tests/lib/tap.sh"
tap_plan 2
headers=$(cd "$top_srcdir/modules" && find . -name '*.h' | sed 's|.*/||' | sort -u)
bad=
for h in $headers; do
	hits=$(grep -rlE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[\"<]([^\">]*/)?$h[\">]" \
		"$top_srcdir/src" 2>/dev/null)
	[ -n "$hits" ] && bad="$bad $h:$(echo $hits | sed "s|$top_srcdir/||g")"
done
[ -z "$bad" ]
tap_ok $? "src/ includes no module header" || tap_diag "$bad"
# no call into the call-record module by name either (cdr_*, the old direct API)
calls=$(grep -rnE '\bcdr_[a-z_]+\(' "$top_srcdir/src" | grep -v '^\s*/[*/]')
[ -z "$calls" ]
tap_ok $? "src/ calls no cdr function" || tap_diag "$calls"
tap_done
