# linkpair.sh: the calls the drain and upgrade tests (210, 211) build on: a sipp intercom server
# on a link card (slot 2, peer 127.0.0.1:$lp) calls channel 400 of the bridge, routed to a sipp
# server on a second link card (slot 3, 127.0.0.1:$sp) that answers every call and waits for BYE.
#   linkpair_conf ID [CARDS]   the configuration on stdout; CARDS: more card entries after slot 3
#   linkpair_server SECONDS    the answering server (183, 200 after 100 ms), listening on return
#   linkpair_start CONF        the daemon, the licence installed, the server's link up (0) or not
#   linkpair_calls N TAG SECONDS  N calls at once from the intercom server, each up until the
#                              daemon's BYE; sipp's output in uac-TAG.out / .err (runs in the
#                              foreground: put it in the background yourself)
#   nup                        how many calls show calls has up
# Every process put in $pids is stopped at exit.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp

pids=
linkpair_cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap linkpair_cleanup EXIT

sip_port=$(sb_free_port)
lp=$(sb_free_port) # the intercom server that calls (sipp UAC)
sp=$(sb_free_port) # the server the calls go to (sipp UAS)
sb_port_range rtp

linkpair_conf() {
	cat <<CONF
$lic_conf
system: { name = "t$1"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; };
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:3/555"; } ); },
  { slot = 2; type = "link"; name = "intercom"; transport = "udp"; peer = "127.0.0.1:$lp"; },
  { slot = 3; type = "link"; name = "server"; transport = "udp"; peer = "127.0.0.1:$sp"; }${2:+,
  $2} );
CONF
}

linkpair_server() {
	sed "s/@DELAY@/100/; s/@MPORT@/$(sb_free_port)/g" "$top_srcdir/tests/peers/sipp/link-server.xml" \
		>"$sb_tmp/server.xml"
	(cd "$sb_tmp" && exec timeout "$1" sipp -sf server.xml -i 127.0.0.1 -p "$sp" -nostdin \
		>server.out 2>&1) &
	pids="$pids $!"
	sb_wait_listen "$sp"
}

server_up() {
	ctl --json show links |
		json_get "[r['state'] for r in j['rows'] if r['name'] == 'server'][0]" | grep -qx up
}

linkpair_start() {
	sb_start "$1" && ctl license install "$lic_file" >/dev/null && sb_poll 15 server_up
}

linkpair_calls() {
	[ -f "$sb_tmp/uac.xml" ] ||
		sed "s/@NUMBER@/400/g" "$top_srcdir/tests/peers/sipp/drain-uac.xml" >"$sb_tmp/uac.xml"
	(cd "$sb_tmp" && exec timeout $(($3 + 40)) sipp -sf uac.xml -i 127.0.0.1 -p "$lp" \
		-mp "$(sb_free_port)" -m "$1" -l "$1" -r "$1" -nostdin -timeout "$3s" -timeout_error \
		-recv_timeout "$3s" -trace_err -error_file "uac-$2.err" "127.0.0.1:$sip_port" \
		>"uac-$2.out" 2>&1)
}

nup() { ctl --json show calls | json_get "sum(1 for r in j['rows'] if r['state'] == 'up')"; }
