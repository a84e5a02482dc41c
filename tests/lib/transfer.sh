# transfer.sh: what the transfer tests (166, 167) start from (tests/lib/linkcall.sh): channel 400
# rings the sipp intercom server on the link card (up to three calls), channel 401 rings station
# desk, a sipp station answering after 300 ms on port kmp.
#   transfer_setup DESK_XML   the daemon, the server, desk registered with DESK_XML (two checks)
. "$top_srcdir/tests/lib/linkcall.sh"

dp=$(sb_free_port)
smp=$(sb_free_port)
kmp=$(sb_free_port)
desk_pw="desk-secret-$$"

transfer_setup() {
	sb_conf c.conf <<CONF
$lic_conf
system: { name = "transfer"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; };
stations = ( { user = "door"; password = "$door_pw"; },
  { user = "desk"; password = "$desk_pw"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:2/555"; }, { number = "401"; target = "station:desk"; } ); },
  { slot = 2; type = "link"; name = "intercom"; transport = "udp";
    peer = "127.0.0.1:$lp"; } );
CONF
	sed "s/@DELAY@/100/; s/@MPORT@/$smp/g" "$top_srcdir/tests/peers/sipp/link-server.xml" \
		>"$sb_tmp/link-server.xml"
	(cd "$sb_tmp" && exec timeout 90 sipp -sf link-server.xml -i 127.0.0.1 -p "$lp" -m 3 \
		-nostdin -timeout 80s -timeout_error -trace_msg -message_file server.log \
		>server.out 2>&1) &
	srv_pid=$!
	pids="$pids $srv_pid"
	sb_wait_listen "$lp"
	linkcall_start c.conf

	sed "s/@EARLY@/180 Ringing/; s/@DELAY@/300/; s/@MPORT@/$kmp/g" \
		"$top_srcdir/tests/peers/sipp/$1" >"$sb_tmp/desk.xml"
	(cd "$sb_tmp" && exec timeout 90 sipp -sf desk.xml -i 127.0.0.1 -p "$dp" -m 1 -nostdin \
		-timeout 80s -timeout_error -trace_msg -message_file desk.log >desk.out 2>&1) &
	desk_pid=$!
	pids="$pids $desk_pid"
	sb_wait_listen "$dp"
	sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$dp;transport=udp>/; s/@USER@/desk/g; s/@EXPIRES@/300/; s/@WANT@/200/" \
		"$top_srcdir/tests/peers/sipp/register.xml" >"$sb_tmp/reg-desk.xml"
	(cd "$sb_tmp" && timeout 30 sipp -sf reg-desk.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
		-au desk -ap "$desk_pw" -timeout 10s -timeout_error -nostdin \
		"127.0.0.1:$sip_port" >reg-desk.out 2>&1)
	tap_ok $? "station desk registered"
}
