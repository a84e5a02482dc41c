#!/bin/sh
# 165-sip-session-refresh-fails.sh: session timers (RFC 4028): the bridge refreshes the link
# leg (the server made it the refresher) with UPDATE at about half the interval, and the server
# answers 503: the refresh failed, so the whole call ends at once (BYE to the server and to the
# station, long before the station's own session would expire), with cause 102 in the call
# record.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp
tap_plan 7

pids=
cleanup165() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap cleanup165 EXIT

sip_port=$(sb_free_port)
lp=$(sb_free_port)
rtp=$((20000 + ($$ % 400) * 100))
sb_license_calls 4 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t165"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600;
       session_interval = 90; };
stations = ( { user = "door"; password = "door-secret-165"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:2/555"; } ); },
  { slot = 2; type = "link"; name = "intercom"; protocol = "net"; transport = "udp";
    peer = "127.0.0.1:$lp"; } );
CONF

sed "s/@MPORT@/$(sb_free_port)/g; s/@SE@/90/g; s/@HOLD@/100000/g; s/@UPDATE_ANSWER@/503 Service Unavailable/" \
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
	-e "s/@SE@/90/g; /<!--REFRESH-->/,/<!--\/REFRESH-->/d; s/\"se,refreshed\"/\"se\"/" \
	"$top_srcdir/tests/peers/sipp/timer-station.xml" >"$sb_tmp/door.xml"
(cd "$sb_tmp" && exec timeout 150 sipp -sf door.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-au door -ap door-secret-165 -timeout 130s -timeout_error -nostdin -trace_msg \
	-message_file door.log "127.0.0.1:$sip_port" >door.out 2>&1) &
door_pid=$!
pids="$pids $door_pid"
call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
sb_poll 15 up
tap_ok $? "door's call to 400 is answered by the server on the link" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"
t_up=$(date +%s)

wait "$door_pid"
tap_ok $? "the station gets BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/door.out")" "$(tail -8 "$sb_tmp/daemon.log")"
t_bye=$(date +%s)
wait "$srv_pid"
tap_ok $? "the server: the bridge refreshes with UPDATE, answered 503, then BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/server.out")" "$(tail -8 "$sb_tmp/daemon.log")"
pids=
# nua refreshes at about half the interval (39 s seen); the station's session would last
# until 80 s, so an end well before that is the refresh's
el=$((t_bye - t_up))
[ "$el" -ge 25 ] && [ "$el" -le 60 ]
tap_ok $? "the call ended $el s after the answer, at the failed refresh (25..60 s)"
id=$(ctl --json cdr list | json_get "j['rows'][0]['id']")
rec=$(ctl --json cdr show "$id")
echo "$rec" | json_get "j['item']['a_q850'] == 102 and j['item']['b_q850'] == 102" | grep -q True
tap_ok $? "the call record gives cause 102 (recovery on timer expiry)" || tap_diag "$rec"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
