#!/bin/sh
# 114-license-install-guard.sh: issue 16, hole 4: `license install` refuses a file that would
# make installed licenses unusable (SMB Ports beside Port licenses, an older version that gates
# the Ports), naming what would stop working, unless --force; harmless files install as before.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 8
LIC=$top_builddir/symbridge-license

pub=$("$LIC" keygen "$sb_tmp/v.key" "$sb_tmp/v.pub" | sed -n 's/.*public_key = "\([^"]*\)".*/\1/p')
sign() { _id=$1; shift; "$LIC" sign --key "$sb_tmp/v.key" --hwid "$SB_TEST_HWID" --test --id "$_id" -o "$sb_tmp/$_id.lic" "$@" >/dev/null; }
sign PORTS PBX-Port13=10 PBX-Standby13=10
sign SMB 'Port13$20=1'
sign OLD PBX-Port12=5
sign HW Relay-PRIs=1
sb_conf g.conf <<CONF
license: { public_key = "$pub"; };
CONF
sb_start g.conf && ctl license install "$sb_tmp/PORTS.lic" >/dev/null
tap_ok $? "daemon starts; 10 Ports and 10 Standby installed"
state() { ctl --json show licenses | json_get "[(r['state'], r['reason']) for r in j['rows'] if r['kind'] == '$1']"; }

out=$(ctl license install "$sb_tmp/SMB.lic" 2>&1); rc=$?
[ $rc -eq 1 ] &&
	printf '%s' "$out" | grep -q "refused: would-disable: it would make PBX-Port (smb-exclusive: SMB Ports cannot be combined with PBX-Port licenses" &&
	printf '%s' "$out" | grep -q "PBX-Standby (smb-exclusive: Standby is never used together with SMB Ports)" &&
	printf '%s' "$out" | grep -q -- '--force\\" installs it anyway\|--force" installs it anyway'
tap_ok $? "an SMB Port file beside Ports is refused, naming the Ports and the Standby it would disable" || tap_diag "$rc: $out"
[ "$(ctl --json license install "$sb_tmp/SMB.lic" | json_get 'j["item"]["reason"]')" = would-disable ] &&
	[ "$(state PBX-Port)" = "[('usable', 'ok')]" ] && [ "$(state PBX-Standby)" = "[('usable', 'ok')]" ] &&
	! ctl --json show license-files | json_get '[r["id"] for r in j["rows"]]' | grep -q SMB
tap_ok $? "JSON says would-disable; nothing was installed, the Ports stay usable" || tap_diag "$(ctl show licenses)"

out=$(ctl license install "$sb_tmp/OLD.lic" 2>&1)
[ $? -eq 1 ] && printf '%s' "$out" | grep -q "would make PBX-Port (version-gated: a PBX-Port license of version 12 is installed"
tap_ok $? "an older Port version that would gate the kind is refused" || tap_diag "$out"
ctl license install "$sb_tmp/HW.lic" | grep -q 'license HW installed'
tap_ok $? "a file that disables nothing installs without --force"

out=$(ctl license install "$sb_tmp/SMB.lic" --force 2>&1)
[ $? -eq 0 ] && printf '%s' "$out" | grep -q 'license SMB installed' &&
	printf '%s' "$out" | grep -q 'forced: now unusable: PBX-Port (smb-exclusive' &&
	[ "$(state PBX-Port)" = "[('unusable', 'smb-exclusive')]" ] &&
	grep -q 'license SMB installed with --force: now unusable: PBX-Port' "$sb_tmp/daemon.log"
tap_ok $? "with --force it installs, and the reply and the log say what stopped working" || tap_diag "$out" "$(ctl show licenses)"
ctl license install "$sb_tmp/OLD.lic" --frobnicate >/dev/null 2>&1
[ $? -eq 1 ]
tap_ok $? "an unknown word after the file is refused"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
