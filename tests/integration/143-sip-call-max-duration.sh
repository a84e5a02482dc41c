#!/bin/sh
# 143-sip-call-max-duration.sh: a SIP call between two registered sipp stations (no cloud: local
# calls never depend on it) ends at system.max_call_seconds with BYE on both legs; the record
# says max-duration. Also: a call while the cloud is unreachable goes to the channel's fallback.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers sipp
tap_plan 7

pids=
cleanup143() { for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap cleanup143 EXIT

sip_port=$(sb_free_port)
dead=$(sb_free_port)
sb_port_range rtp
sb_license_calls 4 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t143"; rtp_ports = [ $rtp, $((rtp + 98)) ]; max_call_seconds = 2; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; };
stations = ( { user = "door"; password = "door-secret-143"; },
             { user = "desk"; password = "desk-secret-143"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "200"; target = "station:desk"; },
  { number = "300"; target = "cloud:nobody"; fallback = "station:desk"; } ); } );
CONF
sb_start c.conf && ctl license install "$lic_file" >/dev/null
tap_ok $? "daemon up without a cloud link"

# desk: a sipp UAS registered with its port as contact, answering at once
desk() {
	up=$(sb_free_port)
	sed "s/@EARLY@/180 Ringing/; s/@DELAY@/10/; s/@MPORT@/$(sb_free_port)/g" \
		"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/desk.xml"
	(cd "$sb_tmp" && exec timeout 60 sipp -sf desk.xml -i 127.0.0.1 -p "$up" -m 1 -nostdin \
		-timeout 30s -timeout_error -trace_msg -message_file "desk-$1.log" >"desk-$1.out" 2>&1) &
	desk_pid=$!
	pids="$pids $!"
	sb_wait_listen "$up"
	sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$up;transport=udp>/; s/@USER@/desk/g; s/@EXPIRES@/300/; s/@WANT@/200/" \
		"$top_srcdir/tests/peers/sipp/register.xml" >"$sb_tmp/reg-desk.xml"
	(cd "$sb_tmp" && timeout 30 sipp -sf reg-desk.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
		-au desk -ap desk-secret-143 -timeout 10s -timeout_error -nostdin \
		"127.0.0.1:$sip_port" >reg-desk.out 2>&1)
}
# door calls NUMBER and waits for the BYE (at most 15 s)
door() {
	sed -e "s/@USER@/door/g; s/@NUMBER@/$1/g; s/@MPORT@/$(sb_free_port)/g; s/@HOLD@/15000/g" \
		-e "/<!--BYE-SENDING-->/,/<!--\/BYE-SENDING-->/d" \
		"$top_srcdir/tests/peers/sipp/station-call.xml" >"$sb_tmp/door.xml"
	(cd "$sb_tmp" && exec timeout 60 sipp -sf door.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
		-au door -ap door-secret-143 -timeout 30s -timeout_error -nostdin -trace_msg \
		-message_file "door-$1.log" "127.0.0.1:$sip_port" >"door-$1.out" 2>&1) &
	door_pid=$!
	pids="$pids $!"
}

desk max
tap_ok $? "station desk registered"
t0=$(date +%s.%N)
door 200
wait "$door_pid" && wait "$desk_pid"
rc=$?
dt=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")
[ $rc -eq 0 ] && python3 -c "import sys; sys.exit(0 if 2 <= $dt <= 8 else 1)"
tap_ok $? "the call ended after $dt s (max_call_seconds 2): both stations received BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/door-200.out")" "$(tail -15 "$sb_tmp/desk-max.out")"
grep -q '^BYE ' "$sb_tmp/door-200.log" && grep -q '^BYE ' "$sb_tmp/desk-max.log"
tap_ok $? "BYE in both stations' logs"
id=$(ctl --json cdr list | json_get "j['rows'][0]['id']")
ctl --json cdr show "$id" | grep -q '"max-duration"'
tap_ok $? "the call record says max-duration" || tap_diag "$(ctl cdr show "$id")"

# the cloud is not there: 300 (target cloud:nobody) rings its fallback, the desk
desk fallback
door 300
wait "$door_pid" && wait "$desk_pid" && grep -q 'ringing station:desk (the cloud link is down: fallback)' "$sb_tmp/daemon.log"
tap_ok $? "with the cloud link down a call to a cloud target rings the fallback station" ||
	tap_diag "$(grep 'call 2' "$sb_tmp/daemon.log")"
pids=
sb_stop
tap_ok $? "daemon exits 0"
tap_done
