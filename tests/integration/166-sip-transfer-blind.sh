#!/bin/sh
# 166-sip-transfer-blind.sh: blind transfer by REFER. Station door calls 400 (the intercom server
# on a link answers), then transfers the call to 401 (station desk): 202, NOTIFY "100 Trying",
# desk answers, NOTIFY "200 OK", BYE to door; the server and desk then talk through one media
# path (packets rising on both legs), and the call record names them. A REFER to a number no
# channel has is refused with 403 and the call it came in goes on.
. "$top_srcdir/tests/lib/transfer.sh"
tap_plan 12

transfer_setup station-answer.xml

# door calls 400, holds 2 s (the server's media starts), then REFERs to 401
linkcall_station refer-blind.xml "s/@HOLD@/2000/g; s|@TARGET@|sip:401@127.0.0.1|" 40
id=$(call id)

# the server's media goes to the port the bridge offered it; desk's end answers what reaches it
bport=$(awk '/^INVITE sip:555@/ { m = 1 } m && /^m=audio/ { print $2; exit }' "$sb_tmp/server.log")
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$smp" 12 "$bport" \
	>"$sb_tmp/server-rtp.json" 2>&1 &
srtp_pid=$!
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$kmp" 8 - \
	>"$sb_tmp/desk-rtp.json" 2>&1 &
krtp_pid=$!
pids="$pids $srtp_pid $krtp_pid"

wait "$door_pid"
tap_ok $? "door's REFER: 202, NOTIFY 100 Trying, NOTIFY 200 OK (terminated), then our BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/door.out")" "$(tail -15 "$sb_tmp/daemon.log")"
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; rows = json.load(sys.stdin)['rows']
assert len(rows) == 1, rows
r = rows[0]
assert str(r['id']) == '$id' and r['state'] == 'up', r
assert r['from_card'] == 'station:desk' and r['to_card'] == 'intercom', r"
tap_ok $? "show calls: the same call $id, now desk and the server, door gone" || tap_diag "$out"

flowing() {
	ctl --json show calls | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
sys.exit(0 if all(r.get(k, 0) > 20 for k in ('a_rx_packets', 'a_tx_packets', 'b_rx_packets', 'b_tx_packets')) else 1)"
}
sb_poll 10 flowing
tap_ok $? "audio flows between desk and the server: packets rise on both legs" ||
	tap_diag "$(ctl --json show calls)"
wait "$krtp_pid"
python3 -c "import json; r = json.load(open('$sb_tmp/desk-rtp.json')); exit(0 if r['rx'] > 50 else 1)"
tap_ok $? "desk's RTP end received the server's audio" || tap_diag "$(cat "$sb_tmp/desk-rtp.json")"

ctl hangup "$id" >/dev/null
wait "$desk_pid"
tap_ok $? "desk got the BYE at the end" || tap_diag "$(tail -12 "$sb_tmp/desk.out")"
rec=$(ctl --json cdr show "$(ctl --json cdr list | json_get "j['rows'][0]['id']")")
printf '%s' "$rec" | grep -q '"transferred"' && printf '%s' "$rec" | grep -q '"a_endpoint": *"station desk"'
tap_ok $? "the call record says transferred and names desk" || tap_diag "$rec"

# a REFER to a number no channel has: 403, the call goes on and ends by the door's BYE
linkcall_door door2 refer-call.xml \
	"s/@HOLD@/1000/g; s/@WANT@/403/; s|@TARGET@|sip:499@127.0.0.1|" 30; wait "$door_pid"
tap_ok $? "a REFER to 499 (no such channel) is answered 403; the door's BYE then ends the call" ||
	tap_diag "$(tail -12 "$sb_tmp/door2.out")" "$(tail -6 "$sb_tmp/daemon.log")"
wait "$srv_pid"
tap_ok $? "the server's calls ended by BYE (the second stayed up through the refused REFER)" ||
	tap_diag "$(tail -12 "$sb_tmp/server.out")"
pids=
sb_stop
tap_ok $? "daemon exits 0"
tap_done
