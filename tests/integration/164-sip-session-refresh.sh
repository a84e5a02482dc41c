#!/bin/sh
# 164-sip-session-refresh.sh: session timers (RFC 4028), the other half of 164: the station
# refreshes its 90 s session with an UPDATE after 40 s (answered 200 with Session-Expires), so
# its leg is still up after the 80 s at which an unrefreshed one ends; hangup from the CLI then
# ends the call normally (cause 16). About 90 s.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp
tap_plan 7

pids=
cleanup164() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap cleanup164 EXIT

sip_port=$(sb_free_port)
lp=$(sb_free_port)
rtp=$((20000 + ($$ % 400) * 100))
sb_license_calls 4 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t164"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600;
       session_interval = 90; };
stations = ( { user = "door"; password = "door-secret-164"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:2/555"; } ); },
  { slot = 2; type = "link"; name = "intercom"; protocol = "net"; transport = "udp";
    peer = "127.0.0.1:$lp"; } );
CONF

sed "s/@MPORT@/$(sb_free_port)/g; s/@SE@/90/g; s/@HOLD@/100000/g; s/@UPDATE_ANSWER@/200 OK/" \
	"$top_srcdir/tests/peers/sipp/timer-server.xml" >"$sb_tmp/timer-server.xml"
(cd "$sb_tmp" && exec timeout 150 sipp -sf timer-server.xml -i 127.0.0.1 -p "$lp" -m 2 \
	-nostdin -timeout 130s -timeout_error -trace_msg -message_file server.log \
	>server.out 2>&1) &
srv_pid=$!
pids="$pids $srv_pid"
sb_start c.conf && ctl license install "$lic_file" >/dev/null
link_up() { [ "$(ctl --json show links | json_get "j['rows'][0]['state']")" = up ]; }
sb_poll 10 link_up
tap_ok $? "the link to the sipp intercom server is up" || tap_diag "$(ctl show links)"

sed -e "s/@USER@/door/g; s/@NUMBER@/400/g; s/@MPORT@/$(sb_free_port)/g; s/@HOLD@/100000/g" \
	-e "s/@SE@/90/g; s/@REFRESH@/40000/" \
	"$top_srcdir/tests/peers/sipp/timer-station.xml" >"$sb_tmp/door.xml"
(cd "$sb_tmp" && exec timeout 150 sipp -sf door.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-au door -ap door-secret-164 -timeout 130s -timeout_error -nostdin -trace_msg \
	-message_file door.log "127.0.0.1:$sip_port" >door.out 2>&1) &
door_pid=$!
pids="$pids $door_pid"
call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
sb_poll 15 up
tap_ok $? "door's call to 400 is answered by the server on the link" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"
t_up=$(date +%s)

# the unrefreshed leg of test 161 ends 80 s after the answer: look past that
late() { [ $(($(date +%s) - t_up)) -ge 86 ] || [ "$(call state)" != up ]; }
sb_poll 100 late
[ "$(call state)" = up ]
tap_ok $? "refreshed by its UPDATE, the call is still up $(($(date +%s) - t_up)) s after the answer" ||
	tap_diag "$(tail -8 "$sb_tmp/daemon.log")"
id=$(call id)
ctl hangup "$id" >/dev/null
wait "$door_pid"
tap_ok $? "the station's UPDATE got 200 with Session-Expires: 90;refresher=uac; the hangup's BYE came" ||
	tap_diag "$(tail -15 "$sb_tmp/door.out")" "$(tail -8 "$sb_tmp/daemon.log")"
wait "$srv_pid"
tap_ok $? "the server: the bridge refreshed its side with UPDATE, then BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/server.out")" "$(tail -8 "$sb_tmp/daemon.log")"
pids=
rec=$(ctl --json cdr show "$(ctl --json cdr list | json_get "j['rows'][0]['id']")")
echo "$rec" | json_get "j['item']['a_q850'] != 102 and j['item']['b_q850'] != 102" | grep -q True
tap_ok $? "the call record gives no timer cause" || tap_diag "$rec"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
