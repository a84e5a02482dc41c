#!/bin/sh
# 170-sip-dtmf-codecs.sh: digits never lost, whatever codec a station speaks. The cloud user
# (baresip behind kamailio over TLS, G.722) calls three baresip stations registered to the
# daemon, each with one codec only: door G.722, gate A-law, lift Opus. On each call alice
# presses 1, 2, 3 and the station presses 4: every digit must reach the far peer exactly once,
# counted by what that baresip says it received (its RFC 4733 events), not by our log. The
# codecs: G.722 end to end with no transcoding for door; A-law and Opus transcoded from G.722.
# Then the intercom server behind a link card with dtmf = "inband" (a baresip, G.722 only):
# alice's digits reach it as tones inside its G.722, found in the audio it decoded. Last,
# cloud.codecs = [ "opus", "G722" ] by reload and alice with Opus: Opus end to end to lift. A
# station with dtmf = "inband" (bell, G.722) gets tones as the link does.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
. "$top_srcdir/tests/lib/station.sh"
sb_need_peers kamailio openssl baresip
tap_plan 26

cleanup170() {
	for s in door gate lift bell srv; do sb_station_stop "$s"; done
	sb_baresip_stop
	sb_sip_cleanup
}
trap cleanup170 EXIT

sip_port=$(sb_free_port)
sb_cloud_up alice manual

# the link's intercom server: a baresip without registration, answering calls to 555
sb_station_start srv G722/16000 "<sip:555@127.0.0.1>;regint=0"
eval "srv_port=\$st_port_srv"

sb_port_range rtp
sb_license_calls 6 1
conf() {
	sb_conf c.conf <<CONF
$lic_conf
system: { name = "t170"; rtp_ports = [ $rtp, $((rtp + 98)) ]; max_call_seconds = 120; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; options_interval = 3600; };
stations = ( { user = "door"; password = "door-170"; }, { user = "gate"; password = "gate-170"; },
             { user = "lift"; password = "lift-170"; },
             { user = "bell"; password = "bell-170"; dtmf = "inband"; } );
$(sb_cloud_section | sed "s/^cloud: {/cloud: { codecs = [ $1 ];/")
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "701"; target = "station:door"; }, { number = "702"; target = "station:gate"; },
    { number = "703"; target = "station:lift"; }, { number = "704"; target = "card:2/555"; },
    { number = "705"; target = "station:bell"; } ); },
  { slot = 2; type = "link"; name = "intercom"; protocol = "net"; transport = "udp";
    peer = "127.0.0.1:$srv_port"; dtmf = "inband"; } );
CONF
}
conf '"G722", "PCMA"'
sb_start c.conf && ctl license install "$lic_file" >/dev/null
sb_poll 15 sb_cloud_registered
tap_ok $? "daemon up, channels registered in the cloud" || tap_diag "$(ctl show cloud)"

sb_station_start door G722/16000 "<sip:door@127.0.0.1:$sip_port;transport=udp>;auth_pass=door-170;regint=300"
sb_station_start gate PCMA/8000 "<sip:gate@127.0.0.1:$sip_port;transport=udp>;auth_pass=gate-170;regint=300"
sb_station_start lift opus/48000/2 "<sip:lift@127.0.0.1:$sip_port;transport=udp>;auth_pass=lift-170;regint=300"
sb_station_start bell G722/16000 "<sip:bell@127.0.0.1:$sip_port;transport=udp>;auth_pass=bell-170;regint=300"
four() { [ "$(ctl --json show registrations | json_get "len(j['rows'])")" = 4 ]; }
sb_poll 15 four
tap_ok $? "stations door (G.722 only), gate (A-law only), lift (Opus only), bell registered" ||
	tap_diag "$(ctl show registrations)" "$(tail -5 "$sb_tmp/st-door.log")"

call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
idle() { [ "$(ctl --json show calls | json_get "len(j['rows'])")" = 0 ]; }
flowing() {
	ctl --json show calls | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
sys.exit(0 if all(r.get(k, 0) > 10 for k in ('a_rx_packets', 'a_tx_packets', 'b_rx_packets', 'b_tx_packets')) else 1)"
}
# count FILE PATTERN: lines of FILE matching PATTERN
count() { grep -c "$2" "$1" 2>/dev/null || true; }
got() { [ "$(sb_station_events "$1" "$2")" -ge 1 ]; }
alice_got() { [ "$(count "$sb_tmp/baresip.log" "received event: '$1' (end=0)")" -ge "$2" ]; }

# one_station NAME NUMBER CODEC TRANSCODING: alice calls NUMBER, presses 1 2 3 there, NAME
# presses 4 back; four checks
one_station() {
	sb_baresip dial "sip:$2@127.0.0.1:$kp" >/dev/null
	sb_poll 20 up && sb_poll 10 flowing
	out=$(ctl --json show calls)
	printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert r['a_codec'] == 'G722' and r['b_codec'] == '$3', r
assert r['transcoding'] == '$4', r"
	tap_ok $? "alice -> $2 -> $1: G.722 from the cloud, $3 at the station, transcoding $4" ||
		tap_diag "$out" "$(tail -5 "$sb_tmp/daemon.log")"
	for d in 1 2 3; do
		sb_baresip sndcode "$d" >/dev/null
		sb_poll 5 got "$1" "$d"
	done
	sb_poll 2 false # late duplicates would show within this
	n="$(sb_station_events "$1" 1)$(sb_station_events "$1" 2)$(sb_station_events "$1" 3)"
	[ "$n" = 111 ]
	tap_ok $? "$1 ($3) received alice's 1, 2, 3 as RFC 4733, each exactly once (counts $n)" ||
		tap_diag "$(grep -i 'event\|dtmf\|telephone' "$sb_tmp/st-$1.log" | tail -8)" \
			"$(grep -i digit "$sb_tmp/daemon.log" | tail -6)"
	before=$(count "$sb_tmp/baresip.log" "received event: '4' (end=0)")
	sb_station "$1" sndcode 4 >/dev/null
	sb_poll 5 alice_got 4 $((before + 1))
	sb_poll 2 false
	after=$(count "$sb_tmp/baresip.log" "received event: '4' (end=0)")
	[ "$after" = $((before + 1)) ]
	tap_ok $? "alice received $1's 4 exactly once ($((after - before)))" ||
		tap_diag "$(grep -i digit "$sb_tmp/daemon.log" | tail -4)"
	sb_baresip hangup >/dev/null
	sb_poll 10 idle
	tap_ok $? "alice hangs up, the call is gone" || tap_diag "$(ctl show calls)"
}

one_station door 701 G722 no
one_station gate 702 PCMA yes
one_station lift 703 opus yes

# each relayed digit is logged once, with how it went out
grep -q "digit 1 from alice to door as RFC 4733 (payload type 101, G722 at 8000 Hz)" "$sb_tmp/daemon.log"
tap_ok $? "the daemon logs how each digit went out"
tap_diag "$(grep ' digit ' "$sb_tmp/daemon.log" | sed 's/^.*call [0-9]*: //' | sort | uniq -c)"

# the link with dtmf = "inband": tones in the G.722 the intercom server decodes
link_up() { [ "$(ctl --json show links | json_get "j['rows'][0]['state']")" = up ]; }
sb_poll 10 link_up
sb_baresip dial "sip:704@127.0.0.1:$kp" >/dev/null
sb_poll 20 up && sb_poll 10 flowing
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert r['a_codec'] == 'G722' and r['b_codec'] == 'G722' and r['transcoding'] == 'no', r"
tap_ok $? "alice -> 704 -> the link's server: G.722 both sides, no transcoding" || tap_diag "$out"
for d in 5 6; do
	sb_baresip sndcode "$d" >/dev/null
	sb_poll 3 false # a tone lasts 100 ms; the next digit must not run into it
done
sb_poll 2 false
sb_baresip hangup >/dev/null
sb_poll 10 idle
tones=$(sb_station_tones srv)
[ "$tones" = 56 ]
tap_ok $? "the server heard 5 and 6 as tones in its G.722, each once (\"$tones\")" ||
	tap_diag "$(grep digit "$sb_tmp/daemon.log" | tail -4)"
[ "$(count "$sb_tmp/st-srv.log" "received event:")" = 0 ]
tap_ok $? "and no RFC 4733 event went to it (dtmf = \"inband\")"

# a station with dtmf = "inband" (G.722): tones in its stream, no events
sb_baresip dial "sip:705@127.0.0.1:$kp" >/dev/null
sb_poll 20 up && sb_poll 10 flowing
tap_ok $? "alice -> 705 -> bell (dtmf = \"inband\")" || tap_diag "$(ctl show calls)"
for d in 7 8; do
	sb_baresip sndcode "$d" >/dev/null
	sb_poll 3 false
done
sb_poll 2 false
sb_baresip hangup >/dev/null
sb_poll 10 idle
tones=$(sb_station_tones bell)
[ "$tones" = 78 ] && [ "$(count "$sb_tmp/st-bell.log" "received event:")" = 0 ]
tap_ok $? "bell heard 7 and 8 as tones in its G.722, each once (\"$tones\"), and got no event" ||
	tap_diag "$(grep ' digit ' "$sb_tmp/daemon.log" | tail -2)"

# Opus end to end: cloud.codecs puts it first (reload), alice and lift both do Opus
conf '"opus", "G722"'
ctl reload >/dev/null
sb_baresip_stop
sb_baresip_start alice "$kp" manual "opus/48000/2,G722/16000"
tap_ok $? "reloaded with cloud.codecs = [ \"opus\", \"G722\" ]; alice back with Opus and G.722"
sb_baresip dial "sip:703@127.0.0.1:$kp" >/dev/null
sb_poll 20 up && sb_poll 10 flowing
out=$(ctl --json show calls)
printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert r['a_codec'] == 'opus' and r['b_codec'] == 'opus' and r['transcoding'] == 'no', r"
tap_ok $? "alice -> 703 -> lift: Opus end to end, no transcoding" || tap_diag "$out"
before=$(sb_station_events lift 9)
sb_baresip sndcode 9 >/dev/null
sb_poll 5 got lift 9
sb_poll 2 false
[ "$(sb_station_events lift 9)" = $((before + 1)) ]
tap_ok $? "lift received alice's 9 once, as RFC 4733 at Opus's clock" ||
	tap_diag "$(grep ' digit ' "$sb_tmp/daemon.log" | tail -2)"
grep -q "digit 9 from alice to lift as RFC 4733 (payload type [0-9]*, opus at 48000 Hz)" "$sb_tmp/daemon.log"
tap_ok $? "logged: digit 9 went to lift as RFC 4733 at 48000 Hz" ||
	tap_diag "$(grep ' digit 9' "$sb_tmp/daemon.log" | tail -2)"
sb_baresip hangup >/dev/null
sb_poll 10 idle

sb_baresip_stop
sb_stop
tap_ok $? "daemon exits 0"
tap_done
