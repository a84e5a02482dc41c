# linkcall.sh: the call several SIP dialog tests (160-165) build on: a sipp station "door" calls
# 400 through the bridge to a sipp intercom server on a link card (slot 2, peer 127.0.0.1:$lp).
#   linkcall_conf ID [SIP_SETTINGS] [LINK_SETTINGS]  the configuration, on stdout
#   linkcall_server XML SED SECONDS   the server from tests/peers/sipp/XML edited by SED (two
#                                     calls at most, SECONDS in all); srv_pid, its media port smp
#   linkcall_start CONF               the daemon, the license, the link up (one check)
#   linkcall_door NAME XML SED SECONDS  sipp as station door (digest) from tests/peers/sipp/XML
#                                     edited by SED, then @NUMBER@ 400 and @MPORT@ a free port
#                                     (unless SED set them); $sb_tmp/NAME.{xml,log,out};
#                                     door_pid (`wait "$door_pid"` for its result)
#   linkcall_station XML SED SECONDS  door calls 400 (linkcall_door door); its media port dmp;
#                                     the call answered (one check), t_up when it was
# call FIELD gives a field of the first call of show calls. Every process is stopped at exit.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp

pids=
linkcall_cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap linkcall_cleanup EXIT

call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
link_up() { [ "$(ctl --json show links | json_get "j['rows'][0]['state']")" = up ]; }

sip_port=$(sb_free_port)
lp=$(sb_free_port)
sb_port_range rtp
sb_license_calls 4 1
door_pw="door-secret-$$"

linkcall_conf() {
	cat <<CONF
$lic_conf
system: { name = "t$1"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; ${2:-} };
stations = ( { user = "door"; password = "$door_pw"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:2/555"; } ); },
  { slot = 2; type = "link"; name = "intercom"; transport = "udp";
    peer = "127.0.0.1:$lp"; ${3:-} } );
CONF
}

linkcall_server() {
	smp=$(sb_free_port)
	sed "s/@MPORT@/$smp/g; $2" "$top_srcdir/tests/peers/sipp/$1" >"$sb_tmp/server.xml"
	(cd "$sb_tmp" && exec timeout $(($3 + 20)) sipp -sf server.xml -i 127.0.0.1 -p "$lp" -m 2 \
		-nostdin -timeout "$3s" -timeout_error -trace_msg -message_file server.log \
		>server.out 2>&1) &
	srv_pid=$!
	pids="$pids $srv_pid"
	sb_wait_listen "$lp"
}

linkcall_start() {
	sb_start "$1" && ctl license install "$lic_file" >/dev/null
	sb_poll 10 link_up
	tap_ok $? "the link to the sipp intercom server is up" || tap_diag "$(ctl show links)"
}

linkcall_door() {
	sed -e "$3" -e "s/@USER@/door/g; s/@NUMBER@/400/g; s/@MPORT@/$(sb_free_port)/g" \
		"$top_srcdir/tests/peers/sipp/$2" >"$sb_tmp/$1.xml"
	(cd "$sb_tmp" && exec timeout $(($4 + 20)) sipp -sf "$1.xml" -i 127.0.0.1 \
		-p "$(sb_free_port)" -m 1 -au door -ap "$door_pw" -timeout "$4s" \
		-timeout_error -nostdin -trace_msg -message_file "$1.log" \
		"127.0.0.1:$sip_port" >"$1.out" 2>&1) &
	door_pid=$!
	pids="$pids $door_pid"
}

linkcall_station() {
	dmp=$(sb_free_port)
	linkcall_door door "$1" "s/@MPORT@/$dmp/g; $2" "$3"
	sb_poll 15 up
	tap_ok $? "door's call to 400 is answered by the server on the link" ||
		tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"
	t_up=$(date +%s)
}
