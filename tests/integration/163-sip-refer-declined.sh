#!/bin/sh
# 163-sip-refer-declined.sh: transfer (REFER) is not built yet, so a REFER inside a call is
# declined with 603 instead of the 202 sofia-sip's nua would give on its own (which would leave
# the transferor waiting for a transfer that never comes); the call stays up and ends normally.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp
tap_plan 5

pids=
cleanup163() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap cleanup163 EXIT

sip_port=$(sb_free_port)
lp=$(sb_free_port)
rtp=$((20000 + ($$ % 400) * 100))
sb_license_calls 4 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t163"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; };
stations = ( { user = "door"; password = "door-secret-163"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:2/555"; } ); },
  { slot = 2; type = "link"; name = "intercom"; protocol = "net"; transport = "udp";
    peer = "127.0.0.1:$lp"; } );
CONF

sed "s/@DELAY@/100/; s/@MPORT@/$(sb_free_port)/g" "$top_srcdir/tests/peers/sipp/link-server.xml" \
	>"$sb_tmp/link-server.xml"
(cd "$sb_tmp" && exec timeout 60 sipp -sf link-server.xml -i 127.0.0.1 -p "$lp" -m 2 -nostdin \
	-timeout 40s -timeout_error >server.out 2>&1) &
srv_pid=$!
pids="$pids $srv_pid"
sb_start c.conf && ctl license install "$lic_file" >/dev/null
link_up() { [ "$(ctl --json show links | json_get "j['rows'][0]['state']")" = up ]; }
sb_poll 10 link_up
tap_ok $? "the link to the sipp intercom server is up" || tap_diag "$(ctl show links)"

sed -e "s/@USER@/door/g; s/@NUMBER@/400/g; s/@MPORT@/$(sb_free_port)/g; s/@HOLD@/1000/g" \
	-e "s/@WANT@/603/; s|@TARGET@|sip:401@127.0.0.1|" \
	"$top_srcdir/tests/peers/sipp/refer-call.xml" >"$sb_tmp/door.xml"
(cd "$sb_tmp" && timeout 60 sipp -sf door.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-au door -ap door-secret-163 -timeout 30s -timeout_error -nostdin -trace_msg -message_file door.log \
	"127.0.0.1:$sip_port" >door.out 2>&1)
tap_ok $? "the station's REFER in the call is answered 603; its BYE then ends the call" ||
	tap_diag "$(tail -12 "$sb_tmp/door.out")" "$(tail -6 "$sb_tmp/daemon.log")"
wait "$srv_pid"
tap_ok $? "the server's leg stayed up until the BYE" || tap_diag "$(tail -12 "$sb_tmp/server.out")"
pids=
grep -q 'REFER from door to 401 declined (603)' "$sb_tmp/daemon.log"
tap_ok $? "the log says which transfer was declined and why"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
