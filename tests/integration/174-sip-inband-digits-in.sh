#!/bin/sh
# 174-sip-inband-digits-in.sh: digits a station or a link peer sends in band, as tones in its
# G.722 or Opus, reach the cloud user exactly once as RFC 4733 events. Stations door (G.722
# only) and lift (Opus only) and the link's intercom server (G.722) have dtmf = "inband" (no
# telephone-event toward them); each is a baresip whose microphone is a recording of the digits
# 1, 5, 9 as tones. Each calls channel 801 (cloud:alice, baresip behind kamailio over TLS in the
# cloud's network namespace, G.722): the digits are counted by what alice says it received, not
# by our log. The legs: G.722 passed through (door, the server), Opus transcoded to G.722 (lift).
# Last, the other way of sending: a second link's server (G.722, telephone-event, the default
# dtmf = "rfc4733") presses 4 as an RFC 4733 event, and alice receives it exactly once.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
. "$top_srcdir/tests/lib/station.sh"
sb_need_peers kamailio openssl baresip
tap_plan 12

cleanup174() {
	for s in door lift srv srv2; do sb_station_stop "$s"; done
	sb_baresip_stop
	sb_sip_cleanup
}
trap cleanup174 EXIT

# the recording: 1.5 s of silence, then 1, 5, 9 (120 ms tones, 400 ms apart), then silence, in
# the 48 kHz stereo the stations' audio source runs at
python3 - "$sb_tmp/digits.wav" <<'PY'
import math, struct, sys, wave
rate, tones = 48000, {"1": (697, 1209), "5": (770, 1336), "9": (852, 1477)}
pcm, t = [], 0
def add(ms, f=None):
    global t
    for _ in range(rate * ms // 1000):
        v = 0 if not f else 6000 * (math.sin(2 * math.pi * f[0] * t / rate) +
                                    math.sin(2 * math.pi * f[1] * t / rate))
        pcm.append(int(v)); t += 1
add(1500)
for d in "159":
    add(120, tones[d]); add(400)
add(20000)
w = wave.open(sys.argv[1], "wb")
w.setnchannels(2); w.setsampwidth(2); w.setframerate(rate)
w.writeframes(b"".join(struct.pack("<hh", v, v) for v in pcm))
PY

sip_port=$(sb_free_port)
sb_cloud_up alice

sb_station_start srv2 G722/16000 "<sip:556@127.0.0.1>;regint=0"
eval "srv2_port=\$st_port_srv2"
st_source="aufile,$sb_tmp/digits.wav"
sb_station_start srv G722/16000 "<sip:555@127.0.0.1>;regint=0"
eval "srv_port=\$st_port_srv"

sb_port_range rtp
sb_license_calls 6 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t174"; rtp_ports = [ $rtp, $((rtp + 98)) ]; max_call_seconds = 120; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; options_interval = 3600; };
stations = ( { user = "door"; password = "door-174"; dtmf = "inband"; },
             { user = "lift"; password = "lift-174"; dtmf = "inband"; } );
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "801"; target = "cloud:alice"; } ); },
  { slot = 2; type = "link"; name = "intercom"; transport = "udp";
    peer = "127.0.0.1:$srv_port"; dtmf = "inband"; },
  { slot = 3; type = "link"; name = "intercom2"; transport = "udp";
    peer = "127.0.0.1:$srv2_port"; } );
CONF
sb_start c.conf && ctl license install "$lic_file" >/dev/null
sb_poll 15 sb_cloud_registered
tap_ok $? "daemon up, channel 801 registered in the cloud" || tap_diag "$(ctl show cloud)"

acct() { echo "<sip:$1@127.0.0.1:$sip_port;transport=udp>;auth_pass=$1-174;regint=300"; }
sb_station_start door G722/16000 "$(acct door)"
sb_station_start lift opus/48000/2 "$(acct lift)"
st_source=
two() { [ "$(ctl --json show registrations | json_get "len(j['rows'])")" = 2 ]; }
link_up() { [ "$(ctl --json show links | json_get "sum(r['state'] == 'up' for r in j['rows'])")" = 2 ]; }
sb_poll 15 two && sb_poll 10 link_up
tap_ok $? "stations door (G.722) and lift (Opus) registered, both links up" ||
	tap_diag "$(ctl show registrations)" "$(ctl show links)"

up() { [ "$(ctl --json show calls | json_get "j['rows'][0]['state'] if j['rows'] else ''")" = up ]; }
idle() { [ "$(ctl --json show calls | json_get "len(j['rows'])")" = 0 ]; }
n_got() { grep -c "received event: '$1' (end=0)" "$sb_tmp/baresip.log" 2>/dev/null || true; }
all_got() { [ "$(n_got 1)" -gt "$b1" ] && [ "$(n_got 5)" -gt "$b5" ] && [ "$(n_got 9)" -gt "$b9" ]; }

# one NAME TEXT A_CODEC: NAME dials 801; its digits must reach alice once each
one() {
	b1=$(n_got 1) b5=$(n_got 5) b9=$(n_got 9)
	sb_station "$1" dial "sip:801@127.0.0.1:$sip_port" >/dev/null
	sb_poll 20 up
	out=$(ctl --json show calls)
	printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert (r['a_codec'], r['b_codec']) == ('$3', 'G722'), r"
	tap_ok $? "$2 -> 801 -> alice: $3 / G722" || tap_diag "$out" "$(tail -5 "$sb_tmp/daemon.log")"
	sb_poll 15 all_got
	sb_poll 2 false # a late duplicate would show within this
	n="$(($(n_got 1) - b1))$(($(n_got 5) - b5))$(($(n_got 9) - b9))"
	[ "$n" = 111 ]
	tap_ok $? "alice received $1's in-band 1, 5, 9 as RFC 4733, each exactly once (counts $n)" ||
		tap_diag "$(grep ' digit ' "$sb_tmp/daemon.log" | tail -6)" \
			"$(grep -i 'event' "$sb_tmp/baresip.log" | tail -6)"
	sb_station "$1" hangup >/dev/null
	sb_poll 10 idle || tap_diag "the call did not end: $(ctl show calls)"
}
one door "door (G.722, in band)" G722
one lift "lift (Opus, in band)" opus
one srv "the link's server (G.722, in band)" G722

# the second link's server sends RFC 4733 (telephone-event at 8000 beside its G.722)
b4=$(n_got 4)
sb_station srv2 dial "sip:801@127.0.0.1:$sip_port" >/dev/null
sb_poll 20 up
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert (r['a_codec'], r['b_codec'], r['transcoding']) == ('G722', 'G722', 'no'), r"
tap_ok $? "the second link's server -> 801 -> alice: G722 passed through" ||
	tap_diag "$out" "$(tail -5 "$sb_tmp/daemon.log")"
got4() { [ "$(n_got 4)" -gt "$b4" ]; }
sb_station srv2 sndcode 4 >/dev/null
sb_poll 10 got4
sb_poll 2 false # a late duplicate would show within this
n=$(($(n_got 4) - b4))
[ "$n" = 1 ]
tap_ok $? "alice received the link server's RFC 4733 4 exactly once (count $n)" ||
	tap_diag "$(grep ' digit ' "$sb_tmp/daemon.log" | tail -4)" \
		"$(grep -i 'event\|dtmf' "$sb_tmp/st-srv2.log" | tail -6)"
sb_station srv2 hangup >/dev/null
sb_poll 10 idle || tap_diag "the call did not end: $(ctl show calls)"

sb_baresip_stop
sb_stop
tap_ok $? "daemon exits 0"
tap_done
