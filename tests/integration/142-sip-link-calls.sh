#!/bin/sh
# 142-sip-link-calls.sh: calls over a link card with sipp as the intercom server: out (a station
# dials a channel whose target is card:SLOT/NUMBER on the link: INVITE to the peer, its early
# media (183 with SDP) reaches the station before the answer) and in (the server calls a channel
# number from its configured address, without credentials; the station's 183 reaches it).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp
tap_plan 10

pids=
cleanup142() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap cleanup142 EXIT

sip_port=$(sb_free_port)
lp=$(sb_free_port)
sb_port_range rtp
sb_license_calls 4 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t142"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; };
stations = ( { user = "door"; password = "door-secret-142"; },
             { user = "desk"; password = "desk-secret-142"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:2/555"; },
    { number = "401"; target = "station:desk"; } ); },
  { slot = 2; type = "link"; name = "intercom"; transport = "udp";
    peer = "127.0.0.1:$lp"; } );
CONF

# the intercom server: answers the link's OPTIONS, then a call with 183 + SDP and 200 after 1 s
sed "s/@DELAY@/1000/; s/@MPORT@/$(sb_free_port)/g" "$top_srcdir/tests/peers/sipp/link-server.xml" \
	>"$sb_tmp/link-server.xml"
(cd "$sb_tmp" && exec timeout 60 sipp -sf link-server.xml -i 127.0.0.1 -p "$lp" -m 2 -nostdin \
	-timeout 40s -timeout_error -trace_msg -message_file link-server.log >link-server.out 2>&1) &
srv_pid=$!
pids="$pids $srv_pid"
sb_wait_listen "$lp"
sb_start c.conf && ctl license install "$lic_file" >/dev/null
link_up() { [ "$(ctl --json show links | json_get "j['rows'][0]['state']")" = up ]; }
sb_poll 10 link_up
tap_ok $? "the link to the sipp intercom server is up" || tap_diag "$(ctl show links)"

# out: the station door dials 400 -> card:2/555 on the link; the CLI ends the call
sed -e "s/@USER@/door/g; s/@NUMBER@/400/g; s/@MPORT@/$(sb_free_port)/g; s/@HOLD@/20000/g" \
	-e "/<!--BYE-SENDING-->/,/<!--\/BYE-SENDING-->/d" \
	"$top_srcdir/tests/peers/sipp/station-call.xml" >"$sb_tmp/door.xml"
(cd "$sb_tmp" && exec timeout 60 sipp -sf door.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-au door -ap door-secret-142 -timeout 30s -timeout_error -nostdin -trace_msg \
	-message_file door.log "127.0.0.1:$sip_port" >door.out 2>&1) &
door_pid=$!
pids="$pids $door_pid"
call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
sb_poll 15 up && [ "$(call to_card)" = intercom ] && [ "$(call called)" = 555 ]
tap_ok $? "door's call to 400 is placed on the link as 555 and answered by the server" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"
grep -q '^INVITE sip:555@127.0.0.1:'"$lp"';transport=udp' "$sb_tmp/link-server.log"
tap_ok $? "the server got INVITE sip:555@ its address"
id=$(call id)
ctl hangup "$id" >/dev/null
wait "$door_pid" && wait "$srv_pid"
tap_ok $? "hangup $id from the CLI: BYE to the station and to the server" ||
	tap_diag "$(tail -12 "$sb_tmp/door.out")" "$(tail -12 "$sb_tmp/link-server.out")"
awk '/message received/ { m = 1; next } /^---/ { m = 0 } m' "$sb_tmp/door.log" |
	grep -A30 '^SIP/2.0 183' | grep -q '^m=audio'
tap_ok $? "early media: the server's 183 with SDP reached the station as 183 with SDP"

# in: desk (answers with 183 + SDP, then 200) is rung by a call from the server to 401
dp=$(sb_free_port)
sed "s/@EARLY@/183 Session Progress/; s/@DELAY@/1000/; s/@MPORT@/$(sb_free_port)/g" \
	"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/desk.xml"
(cd "$sb_tmp" && exec timeout 60 sipp -sf desk.xml -i 127.0.0.1 -p "$dp" -m 1 -nostdin \
	-timeout 30s -timeout_error -trace_msg -message_file desk.log >desk.out 2>&1) &
desk_pid=$!
pids="$pids $desk_pid"
sb_wait_listen "$dp"
sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$dp;transport=udp>/; s/@USER@/desk/g; s/@EXPIRES@/300/; s/@WANT@/200/" \
	"$top_srcdir/tests/peers/sipp/register.xml" >"$sb_tmp/reg-desk.xml"
(cd "$sb_tmp" && timeout 30 sipp -sf reg-desk.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-au desk -ap desk-secret-142 -timeout 10s -timeout_error -nostdin \
	"127.0.0.1:$sip_port" >reg-desk.out 2>&1)
tap_ok $? "station desk registered"
sed "s/@NUMBER@/401/g; s/@HOLD@/1500/; s/@MPORT@/$(sb_free_port)/g" \
	"$top_srcdir/tests/peers/sipp/link-call.xml" >"$sb_tmp/link-call.xml"
(cd "$sb_tmp" && timeout 60 sipp -sf link-call.xml -i 127.0.0.1 -p "$lp" -m 1 -nostdin \
	-timeout 30s -timeout_error -trace_msg -message_file link-call.log \
	"127.0.0.1:$sip_port" >link-call.out 2>&1)
tap_ok $? "the server's call to 401 from its own address: 183, 200, BYE" ||
	tap_diag "$(tail -12 "$sb_tmp/link-call.out")" "$(tail -5 "$sb_tmp/daemon.log")"
wait "$desk_pid"
tap_ok $? "desk answered and got the BYE" || tap_diag "$(tail -12 "$sb_tmp/desk.out")"
pids=
id=$(ctl --json cdr list | json_get "j['rows'][0]['id']")
ctl --json cdr show "$id" | grep -q '"intercom"'
tap_ok $? "the call record names the link card" || tap_diag "$(ctl cdr show "$id")"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
