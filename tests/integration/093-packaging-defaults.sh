#!/bin/sh
# 093-packaging-defaults.sh: what a package installs starts clean on any Debian machine: the
# installed config has no DAHDI span, no demo link and no fixed password, and the daemon logs no
# warning or error on it; the examples still pass -t; the signing half of symbridge-license is
# the vendor's tool (symbridge-vendor-tools), verify and show stay with the appliance.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 9

inst=$top_builddir/etc/installed/symbridge.conf
out=$("$SYMBRIDGED" -t -c "$inst" 2>&1)
[ $? -eq 0 ] && ! printf '%s\n' "$out" | grep -q warning
tap_ok $? "the installed config passes -t without a warning" || tap_diag "$out"

! grep -v '^[[:space:]]*#' "$inst" | grep -n 'type = "pri"\|type = "bri"\|dchannel\|type = "link"\|peer = \|password'
tap_ok $? "the installed config has no ISDN span, no SIP link, no station password"

# the daemon on it (state and socket of the test's own; the file's are /var/lib and /run)
cp "$inst" "$sb_tmp/installed.conf"
# as installed: without the test suite's hardware id override (it warns, as it should)
unset SYMBRIDGE_TEST_HWID
sb_start installed.conf
tap_ok $? "the daemon starts on the installed config"
sb_stop
tap_ok $? "and stops with 0"
! grep -E '^[0-9-]+ [0-9:.]+ (warn|error) ' "$sb_tmp/daemon.log"
tap_ok $? "no warning and no error in its log ($(wc -l <"$sb_tmp/daemon.log") lines)"

bad=
for f in "$top_srcdir"/etc/examples/*.conf; do
	"$SYMBRIDGED" -t -c "$f" >/dev/null 2>&1 || bad="$bad $f"
done
[ -z "$bad" ]
tap_ok $? "every example in etc/examples passes -t" || tap_diag "failed:$bad"

# the appliance's tool alone (as the symbridge package installs it)
mkdir -p "$sb_tmp/bin"
cp "$top_builddir/symbridge-license" "$sb_tmp/bin/"
"$sb_tmp/bin/symbridge-license" keygen "$sb_tmp/k" "$sb_tmp/k.pub" 2>"$sb_tmp/err"
rc=$?
[ $rc -eq 1 ] && [ ! -e "$sb_tmp/k" ] && grep -q 'package symbridge-vendor-tools' "$sb_tmp/err"
tap_ok $? "without the vendor's tool, keygen exits 1 and names symbridge-vendor-tools" ||
	tap_diag "exit $rc: $(cat "$sb_tmp/err")"

# with it beside (as symbridge-vendor-tools installs it): the same command line signs
cp "$top_builddir/symbridge-license-vendor" "$sb_tmp/bin/"
"$sb_tmp/bin/symbridge-license" keygen "$sb_tmp/k" "$sb_tmp/k.pub" >/dev/null &&
	"$sb_tmp/bin/symbridge-license" sign --key "$sb_tmp/k" --hwid hw --id T093 \
		-o "$sb_tmp/t.lic" PBX-Port13=2
tap_ok $? "with symbridge-license-vendor installed, symbridge-license keygen and sign work"

rm "$sb_tmp/bin/symbridge-license-vendor"
"$sb_tmp/bin/symbridge-license" verify --pub "$sb_tmp/k.pub" --hwid hw "$sb_tmp/t.lic" |
	grep -q ': ok: license T093' && "$sb_tmp/bin/symbridge-license" show "$sb_tmp/t.lic" |
	grep -q '^id: *T093'
tap_ok $? "verify and show work with the appliance's tool alone"
tap_done
