#!/bin/sh
# 096-log-levels.sh: log levels per subsystem at run time: show log, log level [SUBSYSTEM] LEVEL,
# "default", what a reload keeps, and the refusals. The core logs every control command at debug
# ("control: COMMAND from uid N"), which shows whether the core's debug lines are on.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
tap_plan 12

sb_conf l.conf <<'CONF'
system: { name = "t096"; log_level = "info"; };
CONF
sb_start l.conf
tap_ok $? "daemon starts at log level info"

out=$(ctl --json show log)
printf '%s' "$out" | json_get '",".join(r["subsystem"] + "=" + r["level"] + "/" + r["source"] for r in j["rows"])' |
	grep -qx 'core=info/system.log_level,sip=info/system.log_level,media=info/system.log_level,isdn=info/system.log_level,license=info/system.log_level,cdr=info/system.log_level'
tap_ok $? "show log: the six subsystems at system.log_level" || tap_diag "$out"

controls() { grep -c 'debug core: control: version from uid' "$sb_tmp/daemon.log"; }
ctl log level sip debug >/dev/null && ctl version >/dev/null
[ "$(ctl --json show log | json_get 'j["rows"][1]["level"] + "/" + j["rows"][1]["source"]')" = debug/run-time ] &&
	[ "$(controls)" = 0 ]
tap_ok $? "log level sip debug: sip at debug (run-time), the core's debug lines stay off"

out=$(ctl log level core debug) && ctl version >/dev/null
[ "$(controls)" = 1 ] && printf '%s' "$out" | grep -q 'core logs at debug until a restart'
tap_ok $? "log level core debug: the core's debug lines appear ($out)"

ctl reload >/dev/null && ctl version >/dev/null
[ "$(controls)" = 2 ]
tap_ok $? "a reload keeps the levels set at run time"

out=$(ctl log level core default) && ctl version >/dev/null
[ "$(controls)" = 2 ] && printf '%s' "$out" | grep -q 'core logs at system.log_level (info) again'
tap_ok $? "log level core default: back to system.log_level ($out)"

ctl log level debug >/dev/null && ctl version >/dev/null
[ "$(controls)" = 3 ] &&
	[ "$(ctl --json show log | json_get '"".join(sorted(set(r["level"] for r in j["rows"])))')" = debug ]
tap_ok $? "log level debug: every subsystem at debug"

grep -q 'notice core: log level of sip set to debug (uid [0-9]*)' "$sb_tmp/daemon.log"
tap_ok $? "each change is logged with who made it"

out=$(ctl log level loud 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q 'no level "loud" (levels: error, warn, notice, info, debug)'
tap_ok $? "an unknown level is refused, exit 1 ($out)"

out=$(ctl log level radio debug 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q 'no subsystem "radio" (subsystems: core, sip, media, isdn, license, cdr)'
tap_ok $? "an unknown subsystem is refused, exit 1 ($out)"

out=$(ctl show log)
printf '%s\n' "$out" | grep -q '^SUBSYSTEM *LEVEL *SOURCE$' && printf '%s\n' "$out" | grep -q '^sip *debug *run-time$'
tap_ok $? "show log for people" || tap_diag "$out"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
