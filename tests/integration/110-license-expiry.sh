#!/bin/sh
# 110-license-expiry.sh: a license file that expires while the daemon runs stops counting just
# after midnight UTC, without a restart. The daemon's clock starts seconds before midnight
# through libfaketime (Debian package libfaketime); the test is skipped without it.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
fake=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
if [ -z "$fake" ]; then
	echo "1..0 # SKIP libfaketime not installed (apt-get install libfaketime)"
	exit 0
fi
tap_plan 6
LIC=$top_builddir/symbridge-license

pub=$("$LIC" keygen "$sb_tmp/v.key" "$sb_tmp/v.pub" | sed -n 's/.*public_key = "\([^"]*\)".*/\1/p')
"$LIC" sign --key "$sb_tmp/v.key" --hwid "$SB_TEST_HWID" --test --id LAST-DAY --issued 2026-11-01 \
	--expires 2026-11-30 -o "$sb_tmp/last-day.lic" PBX-Port13=5 L-SYM-BRIDGE=1 L-SIS-11=1
sb_conf e.conf <<CONF
license: { public_key = "$pub"; };
cards = ( { slot = 1; type = "sym-bridge"; channels = ( { number = "100"; target = "cloud:a"; } ); } );
CONF
# the daemon (only) lives on 2026-11-30 from 23:59:50 on (room for a loaded machine); exec keeps its pid for sb_stop
cat > "$sb_tmp/faked" <<SH
#!/bin/sh
LD_PRELOAD=$fake FAKETIME="@2026-11-30 23:59:50" exec "$top_builddir/symbridged" "\$@"
SH
chmod +x "$sb_tmp/faked"
SYMBRIDGED=$sb_tmp/faked
sb_start e.conf
tap_ok $? "daemon starts on the license's last day"

ctl license install "$sb_tmp/last-day.lic" >/dev/null
tap_ok $? "the license is valid on its last day"
state() { ctl --json show license-files | json_get 'j["rows"][0]["state"]'; }
s=$(state)
a=$(ctl --json license check Port 5 | json_get 'j["item"]["allowed"]')
[ "$s" = ok ] && [ "$a" = True ]
tap_ok $? "its Ports are counted" || tap_diag "state $s, allowed $a" "$(tail -n 3 "$sb_tmp/daemon.log")"

# midnight passes within about 11 s: poll with a bound of 30 s
i=0
while [ "$(state)" != expired ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(state)" = expired ]
tap_ok $? "after midnight the file is expired, without a restart"
out=$(ctl --json license check Port 1)
[ "$(printf '%s' "$out" | json_get 'j["item"]["reason"]')" = not-installed ] &&
	grep -q 'license LAST-DAY expired on 2026-11-30: its licenses are no longer counted' "$sb_tmp/daemon.log"
tap_ok $? "its licenses are no longer counted, and the log says so" || tap_diag "$out"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
