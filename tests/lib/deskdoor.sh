# deskdoor.sh: two sipp stations of the daemon on UDP, for tests about what calls leave behind
# (records, the store): desk answers, door calls channel 300 (target station:desk). Set before
# use: sip_port (the daemon's UDP port), dd_tag (the test's number, in the passwords), pids
# (sipp processes started in the background are added to it, for the test's cleanup).

# dd_conf [EXTRA]: the daemon's configuration in c.conf; EXTRA is added as top-level settings
dd_conf() {
	sb_conf c.conf <<CONF
$lic_conf
system: { name = "t$dd_tag"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; };
${1:-}
stations = ( { user = "door"; password = "door-secret-$dd_tag"; },
             { user = "desk"; password = "desk-secret-$dd_tag"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "300"; target = "station:desk"; } ); } );
CONF
}

# desk_start N [DELAY_MS]: desk answers N calls (after DELAY_MS, default 100), registered first
desk_start() {
	sed "s/@EARLY@/180 Ringing/; s/@DELAY@/${2:-100}/; s/@MPORT@/$(sb_free_port)/g" \
		"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/desk.xml"
	dp=$(sb_free_port)
	(cd "$sb_tmp" && exec timeout 120 sipp -sf desk.xml -i 127.0.0.1 -p "$dp" -m "$1" -nostdin \
		-timeout 100s -timeout_error >>desk.out 2>&1) &
	pids="$pids $!"
	sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$dp;transport=udp>/; s/@USER@/desk/g; s/@EXPIRES@/3600/; s/@WANT@/200/" \
		"$top_srcdir/tests/peers/sipp/register.xml" >"$sb_tmp/reg-desk.xml"
	(cd "$sb_tmp" && timeout 30 sipp -sf reg-desk.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
		-au desk -ap "desk-secret-$dd_tag" -timeout 10s -timeout_error -nostdin \
		"127.0.0.1:$sip_port" >>reg-desk.out 2>&1)
}

# door_calls N HOLD_MS: door makes N calls to 300, one at a time, each held HOLD_MS
door_calls() {
	sed -e "s/@USER@/door/g; s/@NUMBER@/300/g; s/@MPORT@/$(sb_free_port)/g; s/@HOLD@/$2/g" \
		-e "/<!--BYE-WAITING-->/,/<!--\/BYE-/d" \
		"$top_srcdir/tests/peers/sipp/station-call.xml" >"$sb_tmp/door.xml"
	(cd "$sb_tmp" && timeout 120 sipp -sf door.xml -i 127.0.0.1 -p "$(sb_free_port)" \
		-m "$1" -l 1 -au door -ap "door-secret-$dd_tag" -timeout 100s -timeout_error -nostdin \
		"127.0.0.1:$sip_port" >>door.out 2>&1)
}
