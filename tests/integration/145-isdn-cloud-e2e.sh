#!/bin/sh
# 145-isdn-cloud-e2e.sh: issue 6's end-to-end scenario, both ways. A SETUP from the libpri peer
# (PRI E1, A-law) for channel 100 -> cloud:cloudy -> kamailio (TLS) -> baresip answers (G.722,
# SRTP): the peer's 440 Hz, played in real time on its B-channel, is found in what baresip
# decoded; baresip's DTMF 7 (RFC 4733) is heard in band by the peer once; the peer's in-band
# DTMF 3 reaches baresip once as RFC 4733; baresip hangs up; the call record has both legs and
# codecs. Then baresip dials 100: from the cloud the channel's fallback card:2/555 rings the peer,
# which answers; audio flows both ways and baresip's DTMF is heard in band once. (144 covers the license refusal, keypad digits and
# releases from the ISDN side.)
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers kamailio openssl baresip
tap_plan 18

cleanup145() {
	sb_baresip_stop
	for p in $isdn_pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	sb_sip_cleanup
}
trap cleanup145 EXIT

# tone_in WAV HZ: how much of the loudest 1 s of WAV (baresip's dump of what it decoded) is HZ,
# and the strongest frequency there (a 20 Hz grid over the telephone band): "RATIO PEAK"
tone_in() {
	python3 - "$1" "$2" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1])
r, ch, n = w.getframerate(), w.getnchannels(), w.getnframes()
x = struct.unpack('<%dh' % (n * ch), w.readframes(n))[::ch]
def power(y, hz):
    c = 2 * math.cos(2 * math.pi * hz / r)
    s1 = s2 = 0.0
    for v in y:
        s1, s2 = v + c * s1 - s2, s1
    return s1 * s1 + s2 * s2 - c * s1 * s2
best, seg = 0.0, []
for start in range(0, max(1, len(x) - r), r // 4):
    y = x[start:start + r]
    e = sum(v * v for v in y)
    if e > 1e9:
        ratio = 2 * power(y, float(sys.argv[2])) / len(y) / e
        if ratio > best:
            best, seg = ratio, y
peak = max(range(200, 3401, 20), key=lambda hz: power(seg[:r // 2], hz)) if seg else 0
print("%.3f %d" % (best, peak))
PY
}

sb_cloud_up cloudy

sb_port_range rtp
sb_conf c.conf <<CONF
$(isdn_license_conf $ISDN_LICENSES L-SYM-BRIDGE=1 L-SIS-11=1)
system: { name = "t145"; rtp_ports = [ $rtp, $((rtp + 98)) ]; };
media: { workers = 1; };
sip: { keepalive_interval = 5; };
$(sb_cloud_section)
cards = (
	{ slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
		{ number = "100"; target = "cloud:cloudy"; fallback = "card:2/555"; } ); },
	{ slot = 2; type = "pri"; name = "trunk"; side = "cpe"; dchannel = "socket:$sb_tmp/a.sock"; }
);
CONF
sb_start c.conf && isdn_license_install
peer_start a 3 "$sb_tmp/a.sock" net e1 --audio
span_up 2 && sb_poll 15 sb_cloud_registered
tap_ok $? "the PRI span is up and channel 100 registered in the cloud" ||
	tap_diag "$(ctl show spans)" "$(ctl show cloud)"

# ---- ISDN -> cloud ----------------------------------------------------------------------------
t0=$(date +%s%N)
peer a call 100 4930123
peer_wait a '^answer 1$'
tap_ok $? "SETUP for 100 from the ISDN peer: baresip answers, CONNECT reaches the peer" &&
	tap_diag "SETUP to CONNECT through kamailio and baresip: $((($(date +%s%N) - t0) / 1000000)) ms (50 ms polling)" ||
	tap_diag "$(cat "$sb_tmp/a.out")" "$(tail -8 "$sb_tmp/daemon.log")"
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert r['from'].startswith('2/') and r['a_codec'] == 'PCMA' and r['a_srtp'] is False, r
assert r['to_card'] == 'bridge' and r['b_codec'] == 'G722' and r['b_srtp'] is True, r
assert r['transcoding'] == 'yes' and r['state'] == 'up', r"
tap_ok $? "show calls: the ISDN leg PCMA, the cloud leg G722 over SRTP, transcoding yes" ||
	tap_diag "$out"

# 3 s of 440 Hz on the B-channel, one A-law frame every 20 ms
peer a tone 1 150 440
peer_wait a '^tone-sent 1 150$'
tap_ok $? "the peer played 150 frames of 440 Hz on its B-channel" || tap_diag "$(peer_last a tone)"

# baresip's DTMF 7 arrives as RFC 4733; the B-channel has no telephone-event: the peer hears it
# in band, once, and gets no keypad digit for it as well
sb_baresip sndcode 7 >/dev/null
peer_wait a '^inband 1 7$' && sb_poll 1 false
heard=$(grep -Ec '^(inband|digits) ' "$sb_tmp/a.out")
[ "$heard" = 1 ] && [ "$(peer_last a '^(inband|digits) ')" = "inband 1 7" ]
tap_ok $? "baresip's DTMF 7 reaches the ISDN peer in band exactly once ($heard digits heard)" ||
	tap_diag "$(grep -E '^(inband|digits)' "$sb_tmp/a.out")" "$(grep -i dtmf "$sb_tmp/daemon.log" | tail -3)"

# the peer's in-band 3: the engine detects it on the ISDN leg and sends it to the cloud once
peer a dtmf 1 3
peer_wait a '^dtmf-sent 1 3$'
at_bs() { [ "$(grep -o "received event: '3'" "$sb_tmp/baresip.log" | wc -l)" -ge 1 ]; }
sb_poll 10 at_bs && sb_poll 1 false
n3=$(grep -o "received event: '3'" "$sb_tmp/baresip.log" | wc -l)
[ "$n3" = 1 ]
tap_ok $? "the ISDN peer's in-band DTMF 3 reaches baresip exactly once as RFC 4733 ($n3)" ||
	tap_diag "$(grep -i 'event' "$sb_tmp/baresip.log" | tail -5)"

# baresip ends the call: DISCONNECT with normal clearing at the peer, the call is gone
sb_baresip hangup >/dev/null
peer_wait a '^hangup 1 cause 16$' && peer_wait a '^released 1' &&
	wait_ctl 'len(j["rows"]) == 0' show calls
tap_ok $? "baresip hangs up: DISCONNECT with cause 16 at the ISDN peer, no call left" ||
	tap_diag "$(tail -3 "$sb_tmp/a.out")" "$(ctl show calls)"
# what the ISDN peer played (tone and DTMF) and counted on its B-channel, said at its release
peer_tx=$(peer_last a '^totals 1 ' | cut -d' ' -f4)
peer_rx=$(peer_last a '^totals 1 ' | cut -d' ' -f6)

wav=$(ls -t "$sb_tmp"/bs/snd/*-dec.wav 2>/dev/null | head -1)
set -- $(tone_in "$wav" 440)
python3 -c "import sys; sys.exit(0 if float('${1:-0}') >= 0.8 and abs(int('${2:-0}') - 440) <= 20 else 1)"
tap_ok $? "baresip decoded the B-channel's tone: peak ${2:-?} Hz, 440 Hz share ${1:-?}"

id=$(ctl --json cdr list | json_get "j['rows'][0]['id']")
rec=$(ctl --json cdr show "$id")
printf '%s' "$rec" | python3 -c "
import json, sys; s = json.dumps(json.load(sys.stdin))
for want in ('4930123', '100', 'trunk', 'bridge', 'cloudy', 'PCMA', 'G722', 'normal'):
    assert want in s, (want, s)"
tap_ok $? "the call record has both legs (trunk PCMA, bridge G722 to cloudy), normal clearing" ||
	tap_diag "$rec"
# its VoIP report: the B-channel's side (what the engine read and wrote on it) within 2 % of the
# frames the ISDN peer played and counted (the issue's figure), the cloud leg's RTP as the engine
# counted it: what baresip sent is what went to the B-channel (within 2 %)
printf '%s' "$rec" | PEER_TX="$peer_tx" PEER_RX="$peer_rx" python3 -c "
import json, os, sys; r = json.load(sys.stdin)['item']
near = lambda a, b: abs(a - b) <= max(2, 0.02 * b)
tx, rx = int(os.environ['PEER_TX'] or 0), int(os.environ['PEER_RX'] or 0)
assert r['direction'] == 'to-cloud' and r['a_kind'] == 'trunk' and r['b_kind'] == 'cloud', r
assert r['a_codec'] == 'PCMA' and r['a_srtp'] is False and r['a_transcoded'] is True, r
assert r['b_codec'] == 'G722' and r['b_srtp'] is True and r['b_transcoded'] is True, r
assert tx >= 150 and near(r['a_packets_received'], tx), ('peer sent', tx, r)
assert rx > 100 and near(r['a_packets_sent'], rx), ('peer received', rx, r)
# toward the cloud: a packet per B-channel frame, and the RFC 4733 packets of the DTMF 3
assert r['b_packets_sent'] >= r['a_packets_received'] >= 150, r
assert near(r['b_packets_received'], r['a_packets_sent']), r
assert r['b_packets_lost'] == 0 and float(r['b_mos']) >= 4.0, r"
tap_ok $? "its report: B-channel frames within 2 % of the peer's $peer_tx played and $peer_rx counted, the cloud leg's SRTP G.722 without loss, MOS >= 4.0" ||
	tap_diag "$rec"

# ---- cloud -> ISDN ----------------------------------------------------------------------------
peer a auto-alert
sb_baresip dial "sip:100@$sb_cloud_ip:$kp" >/dev/null
peer_wait a '^ring 2 from .* to 555 '
tap_ok $? "baresip dials 100: from the cloud the fallback card:2/555 rings the ISDN peer" ||
	tap_diag "$(tail -3 "$sb_tmp/a.out")" "$(tail -8 "$sb_tmp/daemon.log")"
peer a answer 2
up() { [ "$(ctl --json show calls | json_get "j['rows'][0]['state'] if j['rows'] else ''")" = up ]; }
sb_poll 10 up
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert r['a_codec'] == 'G722' and r['a_srtp'] is True, r
assert r['b_codec'] == 'PCMA' and r['b_srtp'] is False and r['transcoding'] == 'yes', r"
tap_ok $? "the peer answers: the cloud leg G722 over SRTP, the ISDN leg PCMA" || tap_diag "$out"
loud() { [ "$(grep -c '^audio 2 len 160 .* level [0-9][0-9][0-9][0-9]*$' "$sb_tmp/a.out")" -ge 50 ]; }
sb_poll 10 loud
tap_ok $? "baresip's audio arrives on the answering B-channel ($(grep -c '^audio 2' "$sb_tmp/a.out") frames)"
sb_baresip sndcode 9 >/dev/null
peer_wait a '^inband 2 9$' && sb_poll 1 false
heard=$(grep -Ec '^(inband|digits) 2 ' "$sb_tmp/a.out")
[ "$heard" = 1 ]
tap_ok $? "baresip's DTMF 9 reaches the answering B-channel in band exactly once ($heard)" ||
	tap_diag "$(grep -E '^(inband|digits)' "$sb_tmp/a.out")"
peer a tone 2 100 880
peer_wait a '^tone-sent 2 100$'
peer a hangup 2 16
peer_wait a '^released 2' && wait_ctl 'len(j["rows"]) == 0' show calls
wav=$(ls -t "$sb_tmp"/bs/snd/*-dec.wav 2>/dev/null | head -1)
set -- $(tone_in "$wav" 880)
python3 -c "import sys; sys.exit(0 if float('${1:-0}') >= 0.8 and abs(int('${2:-0}') - 880) <= 20 else 1)"
tap_ok $? "the answering peer's 880 Hz reaches baresip: peak ${2:-?} Hz, share ${1:-?}"
rec=$(ctl --json cdr show "$(ctl --json cdr list | json_get "j['rows'][0]['id']")")
printf '%s' "$rec" | python3 -c "
import json, sys; r = json.load(sys.stdin)['item']
assert r['direction'] == 'from-cloud' and r['a_kind'] == 'cloud' and r['b_kind'] == 'trunk', r
assert r['a_srtp'] is True and r['b_codec'] == 'PCMA' and r['b_packets_received'] >= 100, r
assert r['a_packets_received'] > 100 and r['a_packets_lost'] == 0 and float(r['a_mos']) >= 4.0, r"
tap_ok $? "the record of the call from the cloud: from-cloud, cloud leg SRTP without loss, trunk frames" ||
	tap_diag "$rec"

peer_stop a
sb_baresip_stop
sb_stop
tap_ok $? "daemon exits 0"
tap_done
