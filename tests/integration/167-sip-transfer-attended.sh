#!/bin/sh
# 167-sip-transfer-attended.sh: attended transfer by REFER with Replaces. Station door holds two
# calls through the bridge: to 401 (station desk answers) and to 400 (the intercom server on a
# link answers). On the second it sends REFER, Refer-To 401 with Replaces naming the first
# dialog: 202, NOTIFY 100 Trying, NOTIFY 200 OK, BYE on both of door's dialogs; desk is offered
# the other call's media port by re-INVITE and talks to the server (packets rise on both legs).
# A Replaces naming no dialog of ours is refused with 403 and the call goes on.
. "$top_srcdir/tests/lib/transfer.sh"
tap_plan 13

transfer_setup station-reoffer.xml

# door's first call, to 401 (desk), whose Call-ID the REFER names; it waits for our BYE
linkcall_door door1 station-call.xml \
	"s/@NUMBER@/401/g; s/@HOLD@/30000/g; /<!--BYE-SENDING-->/,/<!--\/BYE-SENDING-->/d" 40
door1_pid=$door_pid
ncalls() { ctl --json show calls | json_get "len([r for r in j['rows'] if r['state'] == 'up'])"; }
one_up() { [ "$(ncalls)" = 1 ]; }
sb_poll 15 one_up
tap_ok $? "door's call to 401 is answered by desk" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"

# door's second call, to 400 (the server); after 2 s it REFERs to 401 replacing the first
cid2=$(awk '/^Call-ID:/ { print $2; exit }' "$sb_tmp/door1.log" | tr -d '\r')
enc=$(printf '%s' "$cid2" | sed 's/@/%40/')
linkcall_door door2 refer-blind.xml \
	"s/@HOLD@/2000/g; s|@TARGET@|sip:401@127.0.0.1?Replaces=$enc%3Bto-tag%3Dt1%3Bfrom-tag%3Df1|" 40
door2_pid=$door_pid
two_up() { [ "$(ncalls)" = 2 ]; }
sb_poll 15 two_up
tap_ok $? "door's call to 400 is answered by the server: door holds two calls" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"

bport=$(awk '/^INVITE sip:555@/ { m = 1 } m && /^m=audio/ { print $2; exit }' "$sb_tmp/server.log")
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$smp" 12 "$bport" \
	>"$sb_tmp/server-rtp.json" 2>&1 &
srtp_pid=$!
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$kmp" 10 - \
	>"$sb_tmp/desk-rtp.json" 2>&1 &
krtp_pid=$!
pids="$pids $srtp_pid $krtp_pid"

wait "$door2_pid"
tap_ok $? "REFER with Replaces: 202, NOTIFY 100 Trying, NOTIFY 200 OK, then our BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/door2.out")" "$(tail -15 "$sb_tmp/daemon.log")"
wait "$door1_pid"
tap_ok $? "door's first dialog (the one replaced) got our BYE too" ||
	tap_diag "$(tail -15 "$sb_tmp/door1.out")"
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; rows = json.load(sys.stdin)['rows']
assert len(rows) == 1, rows
r = rows[0]
assert r['state'] == 'up' and r['from_card'] == 'station:desk' and r['to_card'] == 'intercom', r"
tap_ok $? "show calls: one call left, desk and the server" || tap_diag "$out"
ports=$(awk '/^INVITE sip:/ { m = 1 } m && /^m=audio/ { print $2; m = 0 }' "$sb_tmp/desk.log")
[ "$(printf '%s\n' "$ports" | sort -u | wc -l)" = 2 ]
tap_ok $? "desk was offered the other call's media port by re-INVITE ($(echo $ports))"
flowing() {
	ctl --json show calls | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
sys.exit(0 if all(r.get(k, 0) > 20 for k in ('a_rx_packets', 'a_tx_packets', 'b_rx_packets', 'b_tx_packets')) else 1)"
}
sb_poll 10 flowing
tap_ok $? "audio flows between desk and the server: packets rise on both legs" ||
	tap_diag "$(ctl --json show calls)"
id=$(ctl --json show calls | json_get "j['rows'][0]['id']")
ctl hangup "$id" >/dev/null
wait "$desk_pid"
tap_ok $? "desk took the re-INVITE and got the BYE at the end" ||
	tap_diag "$(tail -12 "$sb_tmp/desk.out")"

# a Replaces naming no dialog of ours: 403, and the call goes on until the door's BYE
linkcall_door door3 refer-call.xml \
	"s/@HOLD@/1000/g; s/@WANT@/403/; s|@TARGET@|sip:401@127.0.0.1?Replaces=nosuch%40h%3Bto-tag%3Da%3Bfrom-tag%3Db|" 30; wait "$door_pid"
tap_ok $? "a REFER whose Replaces names an unknown dialog is answered 403; the call goes on" ||
	tap_diag "$(tail -12 "$sb_tmp/door3.out")" "$(tail -6 "$sb_tmp/daemon.log")"
wait "$srv_pid"
tap_ok $? "the server's calls ended by BYE" || tap_diag "$(tail -12 "$sb_tmp/server.out")"
pids=
sb_stop
tap_ok $? "daemon exits 0"
tap_done
