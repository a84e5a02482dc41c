#!/bin/sh
# 173-sip-codec-choice.sh: no transcoding where the two legs share a codec, whatever order the
# caller lists its codecs in. Baresip stations limited to codec lists, the cloud user (alice,
# G.722 only) behind kamailio over TLS in its own network namespace, and a baresip intercom
# server on a link card (G.722 and A-law). Checked with show calls (each leg's codec and the
# transcoding column) and packets flowing: a station offering Opus first and G.722 calls the
# cloud (G.722 both sides), and a G.722-only station (G.722 both sides); alice calls the same
# Opus-capable station (G.722 both sides); an A-law station calls the link (A-law both sides);
# with cloud.codecs = [ "opus", "G722" ] (reload) and alice doing Opus, the Opus station's call
# to the cloud is Opus end to end. A call whose legs share nothing still transcodes (A-law
# station to the G.722-only station).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
. "$top_srcdir/tests/lib/station.sh"
sb_need_peers kamailio openssl baresip
tap_plan 12

cleanup173() {
	for s in wide g7 law srv; do sb_station_stop "$s"; done
	sb_baresip_stop
	sb_sip_cleanup
}
trap cleanup173 EXIT

sip_port=$(sb_free_port)
sb_cloud_up alice

# the link's intercom server: G.722 and A-law, answering calls to 555
sb_station_start srv "G722/16000,PCMA/8000" "<sip:555@127.0.0.1>;regint=0"
eval "srv_port=\$st_port_srv"

sb_port_range rtp
sb_license_calls 6 1
conf() {
	sb_conf c.conf <<CONF
$lic_conf
system: { name = "t173"; rtp_ports = [ $rtp, $((rtp + 98)) ]; max_call_seconds = 120; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; options_interval = 3600; };
stations = ( { user = "wide"; password = "wide-pw-173"; }, { user = "g7"; password = "g7-pw-173"; },
             { user = "law"; password = "law-pw-173"; } );
$(sb_cloud_section | sed "s/^cloud: {/cloud: { codecs = [ $1 ];/")
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "801"; target = "cloud:alice"; }, { number = "802"; target = "station:wide"; },
    { number = "803"; target = "card:2/555"; }, { number = "804"; target = "station:g7"; } ); },
  { slot = 2; type = "link"; name = "intercom"; transport = "udp";
    peer = "127.0.0.1:$srv_port"; } );
CONF
}
conf '"G722", "PCMA"'
sb_start c.conf && ctl license install "$lic_file" >/dev/null
sb_poll 15 sb_cloud_registered
tap_ok $? "daemon up, channels registered in the cloud" || tap_diag "$(ctl show cloud)"

acct() { echo "<sip:$1@127.0.0.1:$sip_port;transport=udp>;auth_pass=$1-pw-173;regint=300"; }
sb_station_start wide "opus/48000/2,G722/16000" "$(acct wide)"
sb_station_start g7 G722/16000 "$(acct g7)"
sb_station_start law PCMA/8000 "$(acct law)"
three() { [ "$(ctl --json show registrations | json_get "len(j['rows'])")" = 3 ]; }
link_up() { [ "$(ctl --json show links | json_get "j['rows'][0]['state']")" = up ]; }
sb_poll 15 three && sb_poll 10 link_up
tap_ok $? "stations wide (Opus, G.722), g7 (G.722), law (A-law) registered, the link up" ||
	tap_diag "$(ctl show registrations)" "$(ctl show links)"

up() { [ "$(ctl --json show calls | json_get "j['rows'][0]['state'] if j['rows'] else ''")" = up ]; }
idle() { [ "$(ctl --json show calls | json_get "len(j['rows'])")" = 0 ]; }
flowing() {
	ctl --json show calls | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
sys.exit(0 if all(r.get(k, 0) > 10 for k in ('a_rx_packets', 'a_tx_packets', 'b_rx_packets', 'b_tx_packets')) else 1)"
}

# check WHO TEXT A_CODEC B_CODEC TRANSCODING: WHO ("alice" or a station) dials, the call must
# be up with packets both ways on both legs and those codecs; then WHO hangs up
check() {
	who=$1
	shift
	sb_poll 20 up && sb_poll 10 flowing
	out=$(ctl --json show calls)
	printf '%s' "$out" | python3 -c "
import json, sys; r = json.load(sys.stdin)['rows'][0]
assert (r['a_codec'], r['b_codec'], r['transcoding']) == ('$2', '$3', '$4'), r"
	tap_ok $? "$1: $2 / $3, transcoding $4" ||
		tap_diag "$out" "$(grep -i 'codec\|answered with\|refused' "$sb_tmp/daemon.log" | tail -4)"
	if [ "$who" = alice ]; then sb_baresip hangup >/dev/null; else sb_station "$who" hangup >/dev/null; fi
	sb_poll 10 idle || tap_diag "the call did not end: $(ctl show calls)"
}

sb_station wide dial "sip:801@127.0.0.1:$sip_port" >/dev/null
check wide "wide (Opus first, G.722) -> 801 -> the cloud (G.722)" G722 G722 no
sb_station wide dial "sip:804@127.0.0.1:$sip_port" >/dev/null
check wide "wide (Opus first, G.722) -> 804 -> g7 (G.722 only)" G722 G722 no
sb_baresip dial "sip:802@127.0.0.1:$kp" >/dev/null
check alice "alice (G.722) -> 802 -> wide (Opus, G.722)" G722 G722 no
sb_station law dial "sip:803@127.0.0.1:$sip_port" >/dev/null
check law "law (A-law) -> 803 -> the link's server (G.722, A-law)" PCMA PCMA no
sb_station law dial "sip:804@127.0.0.1:$sip_port" >/dev/null
check law "law (A-law) -> 804 -> g7 (G.722 only): nothing shared" PCMA G722 yes
grep -q "wide is answered with G722, the other side's codec (no transcoding)" "$sb_tmp/daemon.log"
tap_ok $? "the daemon says why wide was answered G.722" ||
	tap_diag "$(grep -i 'answered with' "$sb_tmp/daemon.log" | tail -3)"

# Opus end to end: cloud.codecs puts it first (reload), alice does Opus and G.722
conf '"opus", "G722"'
ctl reload >/dev/null
sb_baresip_stop
sb_baresip_start alice "$kp" auto "opus/48000/2,G722/16000"
tap_ok $? "reloaded with cloud.codecs = [ \"opus\", \"G722\" ]; alice back with Opus and G.722"
sb_station wide dial "sip:801@127.0.0.1:$sip_port" >/dev/null
check wide "wide (Opus, G.722) -> 801 -> the cloud (Opus first)" opus opus no

sb_baresip_stop
sb_stop
tap_ok $? "daemon exits 0"
tap_done
