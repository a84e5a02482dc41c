#!/bin/sh
# 169-sip-transfer-isdn.sh: blind transfer to an ISDN target. Station door calls 400 (the
# intercom server on a link answers) and REFERs the call to 402, a channel routed to a PRI span;
# the libpri peer answers on a B-channel and takes door's place. The media follow: the server's
# RTP tone (440 Hz) is heard on the B-channel and the peer's tone reaches the server's RTP end,
# the B-channel read and written by the media worker of the call's session.
. "$top_srcdir/tests/lib/linkcall.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 11
cleanup169() {
	for p in $pids $isdn_pids; do kill "$p" 2>/dev/null; done
	sb_sip_cleanup
}
trap cleanup169 EXIT

sb_conf c.conf <<CONF
$lic_conf
system: { name = "t169"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; bind_address = "127.0.0.1"; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 3600; };
stations = ( { user = "door"; password = "$door_pw"; } );
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "400"; target = "card:2/555"; }, { number = "402"; target = "card:3/777"; } ); },
  { slot = 2; type = "link"; name = "intercom"; protocol = "net"; transport = "udp";
    peer = "127.0.0.1:$lp"; },
  { slot = 3; type = "pri"; name = "trunk"; side = "net"; dchannel = "socket:$sb_tmp/b.sock"; } );
CONF
linkcall_server link-server.xml "s/@DELAY@/100/" 60
linkcall_start c.conf
# the B-channels' licenses, signed with the same vendor key
"$top_builddir/symbridge-license" sign --key "$sb_tmp/lic/vendor.key" --hwid "$SB_TEST_HWID" --test \
	--id ISDN-169 --expires 2099-12-31 -o "$sb_tmp/isdn.lic" Relay-PRIs=1 Relay-Channels=4 \
	>/dev/null && ctl license install "$sb_tmp/isdn.lic" >/dev/null
peer_start b 4 "$sb_tmp/b.sock" cpe e1 --audio
span_up 3
tap_ok $? "the PRI span is up" || tap_diag "$(ctl show spans)"
peer b auto-answer

linkcall_station refer-blind.xml "s/@HOLD@/2000/g; s|@TARGET@|sip:402@127.0.0.1|" 40
id=$(call id)

wait "$door_pid"
tap_ok $? "door's REFER to 402: 202, NOTIFY 100 Trying, NOTIFY 200 OK, then our BYE" ||
	tap_diag "$(tail -15 "$sb_tmp/door.out")" "$(tail -15 "$sb_tmp/daemon.log")"
peer_wait b '^ring 1 from .* to 777 '
tap_ok $? "the PRI peer was rung for 777 and answered" || tap_diag "$(cat "$sb_tmp/b.out")"
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; rows = json.load(sys.stdin)['rows']
assert len(rows) == 1, rows
r = rows[0]
assert str(r['id']) == '$id' and r['state'] == 'up', r
assert r['from'].startswith('3/') and r['from_card'] == 'trunk' and r['to_card'] == 'intercom', r"
tap_ok $? "show calls: the same call $id, now the B-channel and the server, door gone" ||
	tap_diag "$out"

# the server's RTP end from now on: a 440 Hz tone to the port the bridge offered it, for 15 s
bport=$(awk '/^INVITE sip:555@/ { m = 1 } m && /^m=audio/ { print $2; exit }' "$sb_tmp/server.log")
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$smp" 15 "$bport" \
	>"$sb_tmp/server-rtp.json" 2>&1 &
srtp_pid=$!
pids="$pids $srtp_pid"

# the server's tone on the B-channel: frames written to it, then heard there
written() { [ "$(call a_tx_packets)" -ge 50 ] 2>/dev/null; }
sb_poll 10 written && peer b heard 1 && peer_wait b '^heard 1 ' &&
	peer_last b '^heard 1 ' | awk '{ exit !($4 >= 40 && $6 >= 418 && $6 <= 462) }'
tap_ok $? "the server's 440 Hz is heard on the B-channel ($(peer_last b '^heard 1 '))" ||
	tap_diag "$(ctl --json show calls)" "$(grep -i 'media' "$sb_tmp/daemon.log" | tail -4)"
# and the B-channel's tone at the server's RTP end
peer b tone 1 150 1000
peer_wait b '^tone-sent 1 150' && wait "$srtp_pid" &&
	python3 -c "import json; r = json.load(open('$sb_tmp/server-rtp.json')); exit(0 if r['rx'] >= 120 else 1)"
tap_ok $? "the peer's 150 frames reach the server's RTP end" ||
	tap_diag "$(cat "$sb_tmp/server-rtp.json")" "$(ctl --json show calls)"

ctl hangup "$id" >/dev/null
peer_wait b '^hangup 1 cause 16' && wait "$srv_pid"
tap_ok $? "hangup: DISCONNECT 16 on the span, BYE to the server" ||
	tap_diag "$(tail -3 "$sb_tmp/b.out")" "$(tail -12 "$sb_tmp/server.out")"
wait_ctl 'j["item"]["sessions"] == 0' show media
tap_ok $? "the call's media session is gone" || tap_diag "$(ctl show media)"
peer_stop b
pids=
sb_stop
tap_ok $? "daemon exits 0"
tap_done
