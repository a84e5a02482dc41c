#!/bin/sh
# 200-metrics.sh: the Prometheus endpoint (metrics.listen): bad addresses refused with file:line,
# a real call (a sipp station calls 400 through the bridge to a sipp intercom server on a link
# card, RTP sent into it) moves the counters, promtool accepts the output, a reload moves the
# endpoint, and it is off without the setting.
. "$top_srcdir/tests/lib/linkcall.sh"
command -v curl >/dev/null && command -v promtool >/dev/null ||
	{ echo "1..0 # SKIP curl or promtool (Debian: curl, prometheus) not installed"; exit 0; }
tap_plan 16

# bad addresses: every one reported with file:line in one pass
sb_conf bad.conf <<'CONF'
system: { name = "t200"; };
metrics: { listen = "localhost:9469"; };
CONF
out=$("$SYMBRIDGED" -t -c "$sb_tmp/bad.conf" 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s' "$out" | grep -q 'bad.conf:2: metrics.listen: "localhost:9469" is not an IP address and port'
tap_ok $? "a host name is refused with file:line (rc $rc)" || tap_diag "$out"
sb_conf bad2.conf <<'CONF'
metrics: { listen = "127.0.0.1:70000"; };
CONF
out=$("$SYMBRIDGED" -t -c "$sb_tmp/bad2.conf" 2>&1)
printf '%s' "$out" | grep -q 'bad2.conf:1: metrics.listen: "127.0.0.1:70000" is not an IP address and port'
tap_ok $? "a port out of range is refused" || tap_diag "$out"

mp=$(sb_free_port)
{ linkcall_conf 200; echo "metrics: { listen = \"127.0.0.1:$mp\"; };"; } | sb_conf c.conf
linkcall_server link-server.xml "s/@DELAY@/500/" 40
linkcall_start c.conf
url="http://127.0.0.1:$mp/metrics"
scrape() { curl -sS --max-time 5 -o "$sb_tmp/$1" -w '%{http_code} %{content_type}' "$url"; }
# value NAME{LABELS} FILE: the sample's value ("" when absent)
value() { awk -v k="$1" '$1 == k { print $2 }' "$sb_tmp/$2"; }

head=$(scrape before.prom)
[ "${head%% *}" = 200 ] && printf '%s' "$head" | grep -q 'text/plain; version=0.0.4'
tap_ok $? "GET /metrics: 200, text/plain; version=0.0.4 ($head)"
promtool check metrics <"$sb_tmp/before.prom" >"$sb_tmp/promtool1.out" 2>&1
tap_ok $? "promtool check metrics accepts it" || tap_diag "$(cat "$sb_tmp/promtool1.out")"
[ "$(value 'symbridge_link_up{slot="2",name="intercom"}' before.prom)" = 1 ] &&
	[ "$(value 'symbridge_licenses_installed{kind="PBX-Port"}' before.prom)" = 4 ] &&
	[ "$(value symbridge_store_writable before.prom)" = 1 ] &&
	[ "$(value 'symbridge_cloud_state{state="off"}' before.prom)" = 1 ]
tap_ok $? "link up, licences installed, store writable, cloud off: as the CLI shows them" ||
	tap_diag "$(grep -v '^#' "$sb_tmp/before.prom")"

# the call: door (sipp) calls 400, holds 10 s and hangs up; 2 s of RTP from the server's end
linkcall_station station-call.xml \
	"s/@HOLD@/10000/g; /<!--BYE-WAITING-->/,/<!--\/BYE-WAITING-->/d" 40
bport=$(awk '/^INVITE sip:555@/ { m = 1 } m && /^m=audio/ { print $2; exit }' "$sb_tmp/server.log")
python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$smp" 2 "$bport" \
	>"$sb_tmp/server-rtp.json" 2>&1
sent=$(json_get 'j["tx"]' <"$sb_tmp/server-rtp.json")
scrape during.prom >/dev/null
rx=$(value 'symbridge_media_packets_total{direction="rx"}' during.prom)
[ "$(value 'symbridge_calls_active{direction="local"}' during.prom)" = 1 ] &&
	[ "$(value 'symbridge_calls_active{direction="to-cloud"}' during.prom)" = 0 ] &&
	[ "$(value symbridge_media_sessions during.prom)" = 1 ] &&
	[ "$(value 'symbridge_licenses_in_use{kind="PBX-Port"}' during.prom)" -ge 1 ] &&
	[ "${rx:-0}" -gt 0 ] && [ "$rx" -le "$sent" ]
tap_ok $? "during the call: one call active, one media session, a PBX-Port in use, rx $rx of $sent RTP packets sent" ||
	tap_diag "$(grep -v '^#' "$sb_tmp/during.prom" | grep -v licenses)"
wait "$door_pid"
tap_ok $? "the station hung up after 10 s" || tap_diag "$(tail -12 "$sb_tmp/door.out")"
ended() { [ "$(ctl --json show calls | json_get 'len(j["rows"])')" = 0 ]; }
sb_poll 10 ended
closed_session() { scrape after.prom >/dev/null && [ "$(value symbridge_media_sessions after.prom)" = 0 ]; }
sb_poll 10 closed_session
promtool check metrics <"$sb_tmp/after.prom" >"$sb_tmp/promtool2.out" 2>&1
tap_ok $? "promtool check metrics accepts it after the call" || tap_diag "$(cat "$sb_tmp/promtool2.out")"
[ "$(value 'symbridge_calls_total{direction="local",cause="16"}' after.prom)" = 1 ] &&
	[ "$(value 'symbridge_calls_answered_total{direction="local"}' after.prom)" = 1 ] &&
	[ "$(value symbridge_call_attempts_total after.prom)" = 1 ] &&
	[ "$(value 'symbridge_calls_active{direction="local"}' after.prom)" = 0 ] &&
	[ "$(value symbridge_media_sessions_total after.prom)" = 1 ]
tap_ok $? "after the call: calls_total{local,16} 1, answered 1, attempts 1, none active, one session" ||
	tap_diag "$(grep -v '^#' "$sb_tmp/after.prom" | grep -v licenses)"
rx2=$(value 'symbridge_media_packets_total{direction="rx"}' after.prom)
[ "${rx2:-0}" -ge "$rx" ] && [ "$rx2" -le "$sent" ]
tap_ok $? "the packet counter keeps the closed session's packets: rx $rx2 (was $rx)" ||
	tap_diag "$(grep media "$sb_tmp/after.prom" | grep -v '^#')"

code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mp/nothing")
code2=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' -X POST "$url")
[ "$code" = 404 ] && [ "$code2" = 405 ]
tap_ok $? "another path is 404, POST is 405 ($code, $code2)"

# a reload with another address moves the endpoint
mp2=$(sb_free_port)
{ linkcall_conf 200; echo "metrics: { listen = \"127.0.0.1:$mp2\"; };"; } | sb_conf c.conf
ctl reload >/dev/null
moved() { curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$mp2/metrics"; }
sb_poll 10 moved && ! curl -s --max-time 5 -o /dev/null "$url"
tap_ok $? "reload with a new metrics.listen: the endpoint moves to $mp2 and $mp is closed" ||
	tap_diag "$(grep prometheus "$sb_tmp/daemon.log")"
# without the setting: no endpoint
linkcall_conf 200 | sb_conf c.conf
ctl reload >/dev/null
closed() { ! curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$mp2/metrics"; }
sb_poll 10 closed && grep -q 'prometheus endpoint closed (metrics.listen was removed)' "$sb_tmp/daemon.log"
tap_ok $? "reload without metrics.listen closes the endpoint"
wait "$srv_pid"
pids=
sb_stop
tap_ok $? "daemon exits 0"
tap_done
