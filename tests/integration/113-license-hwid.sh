#!/bin/sh
# 113-license-hwid.sh: issue 16, hole 3: the hardware id license files are bound to comes from
# the machine (/etc/machine-id, the DMI product UUID, the first permanent MAC), no setting can
# claim another box's id, and the test override (SYMBRIDGE_TEST_HWID) takes only "test-" ids,
# which the vendor's tool signs only with --test; show licenses marks a daemon running with it.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 8
LIC=$top_builddir/symbridge-license

pub=$("$LIC" keygen "$sb_tmp/v.key" "$sb_tmp/v.pub" | sed -n 's/.*public_key = "\([^"]*\)".*/\1/p')
sb_conf h.conf <<CONF
license: { public_key = "$pub"; };
CONF
item() { ctl --json show licenses | json_get "j['item']['$1']"; }

# what the machine says, in the documented order (this shell reads what the daemon reads)
mid=$(cat /etc/machine-id 2>/dev/null)
if printf '%s' "$mid" | grep -qx '[0-9a-f]\{32\}'; then
	want=$mid src=/etc/machine-id
elif [ -r /sys/class/dmi/id/product_uuid ]; then
	want=$(tr 'A-F' 'a-f' </sys/class/dmi/id/product_uuid) src=/sys/class/dmi/id/product_uuid
else
	want= src="first permanent MAC address"
fi

SYMBRIDGE_TEST_HWID=
sb_start h.conf
tap_ok $? "daemon starts with the test override empty"
[ "$(item hardware_id_source)" = "$src" ] && { [ -z "$want" ] || [ "$(item hardware_id)" = "$want" ]; } &&
	[ "$(item test_override)" = False ] && ! ctl show licenses | grep -q 'TEST OVERRIDE'
tap_ok $? "without the override the hardware id comes from $src ($(item hardware_id))" ||
	tap_diag "$(ctl --json show licenses)"
machine=$(item hardware_id)
"$LIC" sign --key "$sb_tmp/v.key" --hwid "$machine" --id MINE -o "$sb_tmp/mine.lic" PBX-Port13=2 &&
	"$LIC" sign --key "$sb_tmp/v.key" --hwid test-hw --test --id TEST -o "$sb_tmp/test.lic" PBX-Port13=2 &&
	ctl license install "$sb_tmp/mine.lic" >/dev/null &&
	ctl --json license install "$sb_tmp/test.lic" | json_get 'j["item"]["reason"]' | grep -qx foreign-hardware
tap_ok $? "a file for this machine installs; one for a test id is foreign here" ||
	tap_diag "$(ctl license install "$sb_tmp/test.lic" 2>&1)"
sb_stop
tap_ok $? "daemon exits 0"

# an override that is not a test id is ignored: it cannot claim another machine's files
rm -rf "$sb_tmp/state"
SYMBRIDGE_TEST_HWID=$machine-other
sb_start h.conf &&
	[ "$(item hardware_id)" = "$machine" ] && [ "$(item test_override)" = False ] &&
	grep -q 'SYMBRIDGE_TEST_HWID is set but ignored: the test override takes only ids that start with "test-"' "$sb_tmp/daemon.log"
tap_ok $? "an override without the test- prefix is ignored, the machine's id stays, the log says why" ||
	tap_diag "$(ctl --json show licenses)" "$(grep -i hardware "$sb_tmp/daemon.log")"
sb_stop

rm -rf "$sb_tmp/state"
SYMBRIDGE_TEST_HWID=test-hw
sb_start h.conf &&
	[ "$(item hardware_id)" = test-hw ] && [ "$(item test_override)" = True ] &&
	ctl show licenses | grep -q 'TEST OVERRIDE: hardware id test-hw comes from SYMBRIDGE_TEST_HWID, not from this machine: for tests only' &&
	ctl license install "$sb_tmp/test.lic" >/dev/null
tap_ok $? "with a test- override show licenses marks the daemon, and test files install" ||
	tap_diag "$(ctl show licenses)"
sb_stop
tap_ok $? "daemon exits 0"

"$LIC" sign --key "$sb_tmp/v.key" --hwid test-box --id T -o "$sb_tmp/t.lic" PBX-Port13=1 2>"$sb_tmp/err"
[ $? -eq 1 ] && [ ! -e "$sb_tmp/t.lic" ] && grep -q 'add --test to make one' "$sb_tmp/err"
tap_ok $? "the vendor's tool signs a test- id only with --test" || tap_diag "$(cat "$sb_tmp/err")"
tap_done
