#!/bin/sh
# 140-sip-call-cloud.sh: a registered sipp station calls a channel number whose target is
# cloud:ID; kamailio (TLS, client certificate required) routes it to baresip registered as ID
# (auto-answer, G.722, SRTP mandatory). Checked: the call is up with G.722/SRTP on the cloud leg
# and A-law on the station's with transcoding, RTP both ways on both legs, the station's 440 Hz
# decoded by baresip, baresip's DTMF 1 at the station as RFC 4733, BYE from the station, then in
# a second call from baresip, and the call records.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers kamailio openssl sipp baresip
tap_plan 15

cleanup140() { sb_baresip_stop; [ -n "${rp_pid:-}" ] && kill "$rp_pid" 2>/dev/null; sb_sip_cleanup; }
trap cleanup140 EXIT

sip_port=$(sb_free_port)
sb_cloud_up cloudy

sb_port_range rtp
sb_license_calls 2 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t140"; rtp_ports = [ $rtp, $((rtp + 98)) ]; max_call_seconds = 60; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; };
stations = ( { user = "door"; password = "door-secret-140"; } );
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "100"; target = "cloud:cloudy"; } ); } );
CONF
sb_start c.conf && ctl license install "$lic_file" >/dev/null
sb_poll 15 sb_cloud_registered
tap_ok $? "daemon up, channel 100 registered in the cloud" || tap_diag "$(ctl show cloud)"

# station_call MODE HOLD_MS: sipp as station "door" calls 100 (MODE: SENDING or WAITING the BYE);
# its media is rtp-peer.py on its own port, playing 440 Hz for HOLD_MS - 1 s
station_call() {
	mp=$(sb_free_port)
	sed -e "s/@USER@/door/g; s/@NUMBER@/100/g; s/@MPORT@/$mp/g; s/@HOLD@/$2/g" \
		-e "/<!--BYE-$( [ "$1" = SENDING ] && echo WAITING || echo SENDING)-->/,/<!--\/BYE-/d" \
		"$top_srcdir/tests/peers/sipp/station-call.xml" >"$sb_tmp/station-$1.xml"
	python3 -W ignore "$top_srcdir/tests/peers/rtp-peer.py" "$mp" "$(( $2 / 1000 - 1 ))" 440 20 \
		>"$sb_tmp/rtp-$1.json" 2>"$sb_tmp/rtp-$1.err" &
	rp_pid=$!
	(cd "$sb_tmp" && exec timeout 60 sipp -sf "station-$1.xml" -i 127.0.0.1 -p "$(sb_free_port)" \
		-m 1 -au door -ap door-secret-140 -timeout 40s -timeout_error -nostdin \
		-trace_msg -message_file "station-$1.log" "127.0.0.1:$sip_port" \
		>"station-$1.out" 2>&1) &
	st_pid=$!
}
call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }

station_call SENDING 12000
sb_poll 20 up
tap_ok $? "the station's call to 100 is answered by baresip through kamailio" ||
	tap_diag "$(ctl show calls)" "$(tail -20 "$sb_tmp/daemon.log")"
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert r['a_codec'] == 'PCMA' and r['b_codec'] == 'G722', r
assert r['b_srtp'] is True and r['a_srtp'] is False and r['transcoding'] == 'yes', r
assert r['to_card'] == 'bridge' and r['called'] == 'cloudy' and r['caller'] == 'door', r"
tap_ok $? "show calls: A-law on the station's leg, G.722 over SRTP on the cloud's, transcoding" ||
	tap_diag "$out"
sleep_ok=0
flowing() {
	ctl --json show calls | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
sys.exit(0 if all(r.get(k, 0) > 20 for k in ('a_rx_packets', 'a_tx_packets', 'b_rx_packets', 'b_tx_packets')) else 1)"
}
sb_poll 10 flowing
tap_ok $? "RTP flows both ways on both legs" || tap_diag "$(ctl --json show calls)"
sb_baresip sndcode 1 >/dev/null
tap_ok $? "baresip sends DTMF 1"
wait "$st_pid"
tap_ok $? "the station hangs up: BYE answered 200" || tap_diag "$(tail -30 "$sb_tmp/station-SENDING.out")"
wait "$rp_pid"; rp_pid=
res=$(cat "$sb_tmp/rtp-SENDING.json")
printf '%s' "$res" | python3 -c "
import json, sys; r = json.load(sys.stdin)
assert r['rx'] > 100 and r['tx'] > 100, r
assert [e['event'] for e in r['events']] == [1], r"
tap_ok $? "the station got RTP and DTMF 1 exactly once as RFC 4733" || tap_diag "$res"
python3 -c "import json; r = json.load(open('$sb_tmp/rtp-SENDING.json')); exit(0 if r['heard_1000hz'] >= 0.5 else 1)"
tap_ok $? "the station heard baresip's 1 kHz through G.722 -> A-law ($(printf '%s' "$res" | json_get "j['heard_1000hz']"))"

# baresip's recording of what it decoded from the call: our 440 Hz
wav=$(ls -t "$sb_tmp"/bs/snd/*-dec.wav 2>/dev/null | head -1)
ratio=$(python3 - "$wav" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1])
r, ch, n = w.getframerate(), w.getnchannels(), w.getnframes()
x = struct.unpack('<%dh' % (n * ch), w.readframes(n))[::ch]
# the tone starts once the station hears the call: look at the loudest 2 s
best = 0.0
for start in range(0, max(1, len(x) - 2 * r), r // 4):
    y = x[start:start + 2 * r]
    c = 2 * math.cos(2 * math.pi * 440 / r)
    s1 = s2 = e = 0.0
    for v in y:
        s1, s2 = v + c * s1 - s2, s1
        e += v * v
    if e > 1e9:
        best = max(best, 2 * (s1 * s1 + s2 * s2 - c * s1 * s2) / len(y) / e)
print("%.3f" % best)
PY
)
python3 -c "import sys; sys.exit(0 if float('${ratio:-0}') >= 0.8 else 1)"
tap_ok $? "baresip decoded the station's 440 Hz from SRTP G.722 (ratio ${ratio:-?})"

sb_poll 5 sh -c "[ \"\$($SYMBRIDGECTL -s $sb_tmp/ctl.sock --json show calls | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"rows\"]))')\" = 0 ]"
id=$(ctl --json cdr list | json_get "j['rows'][0]['id']")
rec=$(ctl --json cdr show "$id")
printf '%s' "$rec" | python3 -c "
import json, sys; s = json.dumps(json.load(sys.stdin))
for want in ('door', '100', 'bridge', 'cloudy', 'G722', 'PCMA', 'normal'):
    assert want in s, (want, s)"
tap_ok $? "a call record from door to 100 with both legs and their codecs" || tap_diag "$rec"

# second call: baresip hangs up, the station receives the BYE
station_call WAITING 20000
sb_poll 20 up
tap_ok $? "a second call is answered" || tap_diag "$(ctl show calls)"
sb_poll 5 flowing
sb_baresip hangup >/dev/null
wait "$st_pid"
tap_ok $? "baresip hangs up: the station receives BYE and answers it" ||
	tap_diag "$(tail -30 "$sb_tmp/station-WAITING.out")"
kill "$rp_pid" 2>/dev/null; wait "$rp_pid" 2>/dev/null; rp_pid=
inbound=$(sb_inbound_conns "$sb_pid")
[ "$inbound" = 0 ]
tap_ok $? "no connection from the cloud to the daemon: in-dialog requests came over ours ($inbound inbound)"
sb_stop
tap_ok $? "daemon exits 0"
tap_done
