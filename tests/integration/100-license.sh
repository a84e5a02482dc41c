#!/bin/sh
# 100-license.sh: license files made by symbridge-license, installed into the real daemon: show
# licenses, every refusal with its reason, check, per-user assignment, restart without double
# counting, remove; and the bundled config's empty table with its hint.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 35
LIC=$top_builddir/symbridge-license
k=$sb_tmp/keys
mkdir -p "$k"

# the bundled configuration runs as it is and says how to get licenses
# (on a free loopback port, not 5060, so parallel tests do not collide)
. "$top_srcdir/tests/lib/sip.sh"
sed -e '/state_dir\|control_socket/d' \
	-e "s/127.0.0.1:5060/127.0.0.1:$(sb_free_port)/g" "$top_srcdir/etc/symbridge.conf" | sb_conf bundled.conf
sb_start bundled.conf
tap_ok $? "the bundled configuration starts"
out=$(ctl --json show licenses)
printf '%s' "$out" | json_get 'j["rows"] == [] and "no vendor public key" in j["message"]' | grep -qx True
tap_ok $? "bundled: show licenses is an empty table with a hint" || tap_diag "$out"
sb_stop
tap_ok $? "daemon exits 0"
rm -rf "$sb_tmp/state"

# the vendor's side
pub=$("$LIC" keygen "$k/vendor.key" "$k/vendor.pub" | sed -n 's/.*public_key = "\([^"]*\)".*/\1/p')
[ -n "$pub" ] && [ "$(stat -c %a "$k/vendor.key")" = 600 ]
tap_ok $? "keygen writes a private key only its owner reads and prints the public key"
"$LIC" sign --key "$k/vendor.key" --hwid "$SB_TEST_HWID" --test --id DEMO-1 --customer "Test Ltd." \
	--expires 2099-12-31 -o "$sb_tmp/demo.lic" PBX-Port13%500=10 PBX-UC13=2 'App(phone)13=3' \
	Relay-PRIs=1 L-SYM-BRIDGE=1 L-SIS-11=1
tap_ok $? "sign writes a license file"
"$LIC" verify --pub "$k/vendor.pub" --hwid "$SB_TEST_HWID" "$sb_tmp/demo.lic" | grep -q ': ok: license DEMO-1, 6 items'
tap_ok $? "verify accepts it"
"$LIC" show "$sb_tmp/demo.lic" | grep -q '^license: *PBX-Port13%500 *10  kind PBX-Port, version 13 (price tier)$'
tap_ok $? "show prints each license with its kind and version"
"$LIC" sign --key "$k/vendor.key" --hwid h --id X -o "$sb_tmp/x.lic" PBX-Port=1 2>"$sb_tmp/err"
[ $? -eq 2 ] && grep -q 'PBX-Port needs a version after the name' "$sb_tmp/err"
tap_ok $? "a license name without its version is a usage error (exit 2)"
"$LIC" frobnicate 2>/dev/null; a=$?
"$LIC" verify "$sb_tmp/demo.lic" 2>/dev/null; b=$?
[ $a -eq 2 ] && [ $b -eq 2 ] && [ ! -e "$sb_tmp/x.lic" ]
tap_ok $? "an unknown command or a missing --pub is a usage error (exit 2)"
sed 's/^license: PBX-Port13%500 10$/license: PBX-Port13%500 90/' "$sb_tmp/demo.lic" > "$sb_tmp/tampered.lic"
"$LIC" sign --key "$k/vendor.key" --hwid other-hw --id OTHER -o "$sb_tmp/foreign.lic" PBX-Port13=5
"$LIC" sign --key "$k/vendor.key" --hwid "$SB_TEST_HWID" --test --id OLD --issued 2020-01-01 \
	--expires 2020-12-31 -o "$sb_tmp/expired.lic" PBX-Port13=5
"$LIC" sign --key "$k/vendor.key" --hwid "$SB_TEST_HWID" --test --id VA-1 -o "$sb_tmp/va.lic" PBX-Port13=10 PBX-IPVA13=3
printf 'symbridge-license: 1\nid: X\nhardware-id: test-hw-1\nissued: 2020-01-01\nexpires: soon\n' \
	> "$sb_tmp/malformed.lic"

sb_conf l.conf <<CONF
license: { public_key = "$pub"; };
cards = (
  { slot = 1; type = "sym-bridge"; channels = ( { number = "100"; target = "cloud:a"; } ); },
  { slot = 2; type = "pri"; framing = "e1"; switchtype = "euroisdn"; side = "cpe"; dchannel = "dahdi:1"; }
);
CONF
sb_start l.conf
tap_ok $? "daemon starts with the vendor key"
out=$(ctl --json show licenses)
printf '%s' "$out" | json_get '"no licenses installed on hardware id test-hw" in j["message"] and any("card 1" in d and "not-installed" in d for d in j["details"])' | grep -qx True
tap_ok $? "no licenses yet: the hint and the unlicensed bridge card" || tap_diag "$out"

out=$(ctl license install "$sb_tmp/demo.lic")
tap_ok $? "license install accepts the signed file" || tap_diag "$out"

# row KIND FIELD: one field of show licenses --json
row() { ctl --json show licenses | json_get "[r[\"$2\"] for r in j[\"rows\"] if r[\"kind\"] == \"$1\"]"; }
[ "$(row PBX-Port installed)" = "[10]" ] && [ "$(row PBX-Port free)" = "[10]" ] &&
	[ "$(row PBX-Port version)" = "[13]" ] && [ "$(row PBX-Port state)" = "['usable']" ]
tap_ok $? "show licenses: PBX-Port13%500 counts as 10 Ports of version 13"
[ "$(row L-SYM-BRIDGE in_use)" = "[1]" ] && [ "$(row Relay-PRIs in_use)" = "[1]" ]
tap_ok $? "the configured cards took their licenses once installed"

for f in tampered:bad-signature foreign:foreign-hardware expired:expired malformed:malformed; do
	out=$(ctl license install "$sb_tmp/${f%%:*}.lic" 2>&1)
	rc=$?
	[ $rc -eq 1 ] && printf '%s' "$out" | grep -q "refused: ${f#*:}: "
	tap_ok $? "a ${f%%:*} file is refused: ${f#*:}" || tap_diag "$rc: $out"
done
ctl --json license install "$sb_tmp/malformed.lic" 2>/dev/null | json_get 'j["item"]["reason"]' | grep -qx malformed &&
	ctl license install "$sb_tmp/malformed.lic" 2>&1 | grep -q 'line 5: expires: a date YYYY-MM-DD or never'
tap_ok $? "the refusal names the line and the reason in JSON"
[ "$(row PBX-Port installed)" = "[10]" ]
tap_ok $? "nothing of the refused files was counted"

a=$(ctl --json license check Port 10 | json_get 'j["item"]["allowed"]')
b=$(ctl --json license check PBX-Port 11 | json_get 'j["item"]["reason"]')
[ "$a" = True ] && [ "$b" = exhausted ] && [ "$(row PBX-Port in_use)" = "[0]" ]
tap_ok $? "license check answers without taking ($a, $b)"

ctl license assign PBX-UC alice >/dev/null && ctl license assign 'App(phone)' bob >/dev/null &&
	ctl license assign 'App(softphone)' alice >/dev/null
tap_ok $? "per-user licenses are assigned (alice's Softphone is in her UC)"
out=$(ctl license assign 'App(softphone)' carol 2>&1)
[ $? -eq 1 ] && printf '%s' "$out" | grep -q 'requires-phone-app'
tap_ok $? "the Softphone App needs the Phone App first" || tap_diag "$out"

counts() { ctl --json show licenses | json_get '";".join("%s=%s/%s" % (r["kind"], r["in_use"], r["installed"]) for r in j["rows"])'; }
before=$(counts)
sb_stop
tap_ok $? "daemon exits 0"
sb_start l.conf
tap_ok $? "daemon starts again"
after=$(counts)
[ "$before" = "$after" ] && printf '%s' "$after" | grep -q 'PBX-UC=1/2;App(phone)=1/3;.*L-SYM-BRIDGE=1/1'
tap_ok $? "after a restart: the same counts, nothing counted twice ($after)" || tap_diag "before: $before"

ctl --json show license-files | json_get '[(r["id"], r["state"]) for r in j["rows"]]' | grep -qx "\[('DEMO-1', 'ok')\]"
tap_ok $? "show license-files lists the installed file"
ctl license remove DEMO-1 | grep -q 'license DEMO-1 removed' &&
	[ "$(row L-SYM-BRIDGE in_use)" = "[]" ] && [ "$(row PBX-UC in_use)" = "[1]" ]
tap_ok $? "license remove: the cards give their licenses back, the users' assignments stay" || tap_diag "$(ctl show licenses)"
sb_stop
sb_start l.conf
out=$(ctl --json show licenses)
printf '%s' "$out" | json_get '"no licenses installed" in j["message"] and any("user alice" in d for d in j["details"])' | grep -qx True
tap_ok $? "the removal survived the restart; the assignments say they are unlicensed" || tap_diag "$out"

# a virtual appliance: a reload that changes the license settings starts over from the store
sed -i 's/^license: { public_key = "\([^"]*\)"; };/license: { public_key = "\1"; virtual = true; };/' "$sb_tmp/l.conf"
ctl reload >/dev/null && ctl license install "$sb_tmp/va.lic" >/dev/null
tap_ok $? "reload as a virtual appliance, install Ports with IPVA"
a=$(ctl --json license check Port 3 | json_get 'j["item"]["allowed"]')
b=$(ctl --json license check Port 4 | json_get '(j["item"]["reason"], j["item"]["decided_by"])')
[ "$a" = True ] && [ "$b" = "('ipva-short', 'PBX-IPVA')" ]
tap_ok $? "every Port needs an IPVA: 3 of 10 Ports usable ($a, $b)"
out=$(ctl --json license remove VA-1)
[ $? -eq 1 ] && [ "$(printf '%s' "$out" | json_get 'j["item"]["reason"]')" = ipva-bound ]
tap_ok $? "IPVA licenses bound to this machine cannot be removed" || tap_diag "$out"
sb_stop
sb_start l.conf
tap_ok $? "daemon starts again"
out=$(ctl --json license remove VA-1)
[ $? -eq 1 ] && printf '%s' "$out" | grep -q 'IPVA licenses bound to'
tap_ok $? "the IPVA binding survived the restart" || tap_diag "$out"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
