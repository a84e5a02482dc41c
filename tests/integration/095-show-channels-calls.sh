#!/bin/sh
# 095-show-channels-calls.sh: show channels follows the calls: a sym-bridge channel is busy while
# a call dialled to its number is up and idle again once it ended (sipp station "door" calls 400
# through the bridge to a sipp intercom server on a link card; the CLI hangs it up).
. "$top_srcdir/tests/lib/linkcall.sh"
tap_plan 7

linkcall_conf 095 | sb_conf c.conf
sed "s/@DELAY@/100/; s/@MPORT@/$(sb_free_port)/g" "$top_srcdir/tests/peers/sipp/link-server.xml" \
	>"$sb_tmp/server.xml"
(cd "$sb_tmp" && exec timeout 60 sipp -sf server.xml -i 127.0.0.1 -p "$lp" -m 2 -nostdin \
	-timeout 40s -timeout_error >server.out 2>&1) &
srv_pid=$!
pids="$pids $srv_pid"
sb_wait_listen "$lp"
linkcall_start c.conf

state() { ctl --json show channels 1 | json_get "j['rows'][0]['state']"; }
[ "$(state)" = idle ]
tap_ok $? "before the call, channel 400 of the bridge is idle"

sed -e "s/@USER@/door/g; s/@NUMBER@/400/g; s/@MPORT@/$(sb_free_port)/g; s/@HOLD@/20000/g" \
	-e "/<!--BYE-SENDING-->/,/<!--\/BYE-SENDING-->/d" \
	"$top_srcdir/tests/peers/sipp/station-call.xml" >"$sb_tmp/door.xml"
(cd "$sb_tmp" && exec timeout 60 sipp -sf door.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-au door -ap "$door_pw" -timeout 30s -timeout_error -nostdin "127.0.0.1:$sip_port" \
	>door.out 2>&1) &
door_pid=$!
pids="$pids $door_pid"
sb_poll 15 up
tap_ok $? "door's call to 400 is answered by the server on the link" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"

[ "$(state)" = busy ]
tap_ok $? "during the call, show channels says channel 400 is busy" || tap_diag "$(ctl show channels)"
ctl show channels 1 | grep -q '^ *1 *bridge *1 *400 *card:2/555 *busy *$'
tap_ok $? "the table for people says busy too" || tap_diag "$(ctl show channels 1)"

ctl hangup "$(call id)" >/dev/null
wait "$door_pid"
idle() { [ "$(state)" = idle ]; }
sb_poll 10 idle
tap_ok $? "after the hangup it is idle again"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
