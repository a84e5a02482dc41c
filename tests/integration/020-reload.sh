#!/bin/sh
# 020-reload.sh: reload is all or nothing: a good file replaces the running config, a bad one
# changes nothing and says why with file:line; SIGHUP does the same.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 11

sb_conf r.conf <<'CONF'
cards = ( { slot = 1; type = "sym-bridge"; channels = ( { number = "100"; target = "cloud:a"; } ); } );
CONF
sb_start r.conf
tap_ok $? "daemon starts"

numbers() { ctl --json show channels | json_get '",".join(r["number"] for r in j["rows"])'; }

sb_conf r.conf <<'CONF'
cards = ( { slot = 1; type = "sym-bridge"; channels = (
  { number = "100"; target = "cloud:a"; },
  { number = "200"; target = "cloud:b"; } ); } );
CONF
out=$(ctl reload)
tap_ok $? "reload of a good file exits 0"
printf '%s' "$out" | grep -q 'configuration reloaded from .*r.conf: 1 cards, 2 channels'
tap_ok $? "reload says what it loaded" || tap_diag "$out"
[ "$(numbers)" = "100,200" ]
tap_ok $? "the new channel is visible"

sb_conf r.conf <<'CONF'
cards = ( { slot = 1; type = "sym-bridge"; channels = (
  { number = "100"; target = "cloud:a"; },
  { number = "100"; target = "cloud:b"; },
  { number = "300"; } ); } );
CONF
out=$(ctl reload 2>&1)
rc=$?
[ $rc -eq 1 ]
tap_ok $? "reload of a bad file exits 1"
printf '%s\n' "$out" | grep -q 'reload refused: 2 errors in .*r.conf; the running configuration is unchanged' &&
	printf '%s\n' "$out" | grep -q 'r.conf:4: cards\[0\].channels\[2\]: has neither target nor ring_group'
tap_ok $? "the refusal lists every error with file:line" || tap_diag "$out"
[ "$(numbers)" = "100,200" ]
tap_ok $? "the running configuration is unchanged"

# SIGHUP with a bad file: refused too, the daemon keeps running
kill -HUP "$sb_pid"
i=0
until grep -q 'reload of .* refused' "$sb_tmp/daemon.log" || [ $i -ge 100 ]; do sleep 0.05; i=$((i + 1)); done
grep -q 'reload of .*r.conf refused, the running configuration stays: 2 errors' "$sb_tmp/daemon.log"
tap_ok $? "SIGHUP with a bad file is refused and logged"
refused=$(ctl --json show status | json_get 'j["item"]["reloads_refused"]')
[ "$refused" = 2 ] && [ "$(numbers)" = "100,200" ]
tap_ok $? "status counts both refusals; channels unchanged"

# a change that needs a restart is named as such
sb_conf r.conf <<CONF
system: { state_dir = "$sb_tmp/elsewhere"; };
cards = ( { slot = 1; type = "sym-bridge"; channels = ( { number = "100"; target = "cloud:a"; } ); } );
CONF
"$SYMBRIDGECTL" -s "$sb_tmp/ctl.sock" reload 2>&1 | grep -q 'warning: system.state_dir changed to .*elsewhere: takes effect after a restart'
# --state-dir on the command line wins over the file, so no warning is expected here
[ $? -ne 0 ] && [ "$(numbers)" = "100" ]
tap_ok $? "a command-line --state-dir wins over the file on reload"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
