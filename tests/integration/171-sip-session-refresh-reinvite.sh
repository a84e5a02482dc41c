#!/bin/sh
# 171-sip-session-refresh-reinvite.sh: session refresh (RFC 4028) toward peers that do not allow
# UPDATE. The daemon starts with sip.session_interval = 1800; a reload makes it 90 (the floor),
# which new calls must use. Then a baresip station calls a cloud user (baresip behind kamailio
# over TLS); neither lists UPDATE in its Allow nor does session timers, so the daemon refreshes
# both legs itself, by re-INVITE. The call must still be up 140 s after the answer (past three
# refreshes at nua's half interval, where an UPDATE answered 501 used to end it), each peer
# having received its re-INVITEs (their own logs), and no UPDATE sent. About 2.5 minutes.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
. "$top_srcdir/tests/lib/station.sh"
sb_need_peers kamailio openssl baresip
tap_plan 9

cleanup171() { sb_station_stop door; sb_baresip_stop; sb_sip_cleanup; }
trap cleanup171 EXIT

sip_port=$(sb_free_port)
sb_cloud_up alice

sb_port_range rtp
sb_license_calls 2 1
conf() {
	sb_conf c.conf <<CONF
$lic_conf
system: { name = "t171"; rtp_ports = [ $rtp, $((rtp + 98)) ]; max_call_seconds = 600; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; session_interval = $1; };
stations = ( { user = "door"; password = "door-171"; } );
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "100"; target = "cloud:alice"; } ); } );
CONF
}
conf 1800
sb_start c.conf && ctl license install "$lic_file" >/dev/null
sb_poll 15 sb_cloud_registered
tap_ok $? "daemon up with session_interval 1800, channel 100 registered in the cloud" ||
	tap_diag "$(ctl show cloud)"

conf 90
ctl reload >/dev/null
sb_poll 10 grep -q "sip.session_interval is now 90 s (was 1800 s)" "$sb_tmp/daemon.log"
tap_ok $? "reload: the new session_interval is applied to new calls, and said so" ||
	tap_diag "$(tail -5 "$sb_tmp/daemon.log")"

sb_station_start door G722/16000 "<sip:door@127.0.0.1:$sip_port;transport=udp>;auth_pass=door-171;regint=300"
one() { [ "$(ctl --json show registrations | json_get "len(j['rows'])")" = 1 ]; }
sb_poll 15 one
sb_station door dial "sip:100@127.0.0.1:$sip_port" >/dev/null
call() { ctl --json show calls | json_get "j['rows'][0]['$1'] if j['rows'] else ''"; }
up() { [ "$(call state)" = up ]; }
sb_poll 20 up
tap_ok $? "door calls 100: alice answers through kamailio" ||
	tap_diag "$(ctl show calls)" "$(tail -10 "$sb_tmp/daemon.log")"
t_up=$(date +%s)

late() { [ $(($(date +%s) - t_up)) -ge 140 ] || [ "$(call state)" != up ]; }
sb_poll 170 late
[ "$(call state)" = up ]
tap_ok $? "the call is still up $(($(date +%s) - t_up)) s after the answer" ||
	tap_diag "$(grep -i 'refresh\|ending\|expired' "$sb_tmp/daemon.log" | tail -6)"
reinv() { grep -c "call: got re-INVITE" "$1" || true; }
na=$(reinv "$sb_tmp/baresip.log")
nd=$(reinv "$sb_tmp/st-door.log")
[ "$na" -ge 3 ] && [ "$nd" -ge 3 ]
tap_ok $? "both peers were refreshed by re-INVITE: alice $na times, door $nd times" ||
	tap_diag "$(grep -i 'refresh' "$sb_tmp/daemon.log" | tail -6)"
! grep -q "^.*UPDATE sip:" "$sb_tmp/kam.log" && ! grep -q "UPDATE" "$sb_tmp/st-door.log"
tap_ok $? "no UPDATE was sent to peers that do not allow it" ||
	tap_diag "$(grep UPDATE "$sb_tmp/kam.log" | tail -3)"

ctl hangup "$(call id)" >/dev/null
idle() { [ "$(ctl --json show calls | json_get "len(j['rows'])")" = 0 ]; }
sb_poll 10 idle
rec=$(ctl --json cdr show "$(ctl --json cdr list | json_get "j['rows'][0]['id']")")
echo "$rec" | json_get "j['item']['a_q850'] != 102 and j['item']['b_q850'] != 102" | grep -q True
tap_ok $? "hung up from the CLI: no timer cause in the call record" || tap_diag "$rec"
sb_station_stop door
sb_baresip_stop
sb_stop
tap_ok $? "daemon exits 0"
tap_done
