# timer.sh: the call that the session-timer tests (161, 164, 165) share: a sipp station "door"
# calls 400 through the bridge to a sipp intercom server on a link card, with
# sip.session_interval = 90 (the floor) on the bridge and 90 s offered by both peers.
#   timer_call ID UPDATE_ANSWER STATION_SED
# ID names the test (system name, password); UPDATE_ANSWER is what the server answers the
# bridge's refresh with ("200 OK"); STATION_SED edits tests/peers/sipp/timer-station.xml (how the
# station refreshes, or not). Runs two checks (link up, call answered); sets srv_pid, door_pid
# (waited for by the test), t_up (when the call was answered) and call() (a field of the call).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp

pids=
timer_cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap timer_cleanup EXIT

call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
link_up() { [ "$(ctl --json show links | json_get "j['rows'][0]['state']")" = up ]; }

timer_call() {
	sip_port=$(sb_free_port)
	lp=$(sb_free_port)
	rtp=$((20000 + ($$ % 400) * 100))
	sb_license_calls 4 1
	sb_conf c.conf <<CONF
$lic_conf
system: { name = "t$1"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600;
       session_interval = 90; };
stations = ( { user = "door"; password = "door-secret-$1"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:2/555"; } ); },
  { slot = 2; type = "link"; name = "intercom"; protocol = "net"; transport = "udp";
    peer = "127.0.0.1:$lp"; } );
CONF
	sed "s/@MPORT@/$(sb_free_port)/g; s/@SE@/90/g; s/@HOLD@/100000/g; s/@UPDATE_ANSWER@/$2/" \
		"$top_srcdir/tests/peers/sipp/timer-server.xml" >"$sb_tmp/timer-server.xml"
	(cd "$sb_tmp" && exec timeout 150 sipp -sf timer-server.xml -i 127.0.0.1 -p "$lp" -m 2 \
		-nostdin -timeout 130s -timeout_error -trace_msg -message_file server.log \
		>server.out 2>&1) &
	srv_pid=$!
	pids="$pids $srv_pid"
	sb_start c.conf && ctl license install "$lic_file" >/dev/null
	sb_poll 10 link_up
	tap_ok $? "the link to the sipp intercom server is up" || tap_diag "$(ctl show links)"

	sed -e "s/@USER@/door/g; s/@NUMBER@/400/g; s/@MPORT@/$(sb_free_port)/g; s/@HOLD@/100000/g" \
		-e "s/@SE@/90/g; $3" \
		"$top_srcdir/tests/peers/sipp/timer-station.xml" >"$sb_tmp/door.xml"
	(cd "$sb_tmp" && exec timeout 150 sipp -sf door.xml -i 127.0.0.1 -p "$(sb_free_port)" \
		-m 1 -au door -ap "door-secret-$1" -timeout 130s -timeout_error -nostdin -trace_msg \
		-message_file door.log "127.0.0.1:$sip_port" >door.out 2>&1) &
	door_pid=$!
	pids="$pids $door_pid"
	sb_poll 15 up
	tap_ok $? "door's call to 400 is answered by the server on the link" ||
		tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"
	t_up=$(date +%s)
}
