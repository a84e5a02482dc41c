#!/bin/sh
# 250-cluster-role.sh: cluster { role = "auto"; } with the cloud (kamailio, TLS, in its
# namespace): the node starts standby (nothing registered, OPTIONS, INVITE and REGISTER answered
# 503 without Retry-After, the refused call recorded "standby"); `cluster activate` registers at
# once (within cloud.retry_min); `cluster check` passes when it can serve and fails for a hung
# daemon (kill -STOP), a cloud down on the active node and a daemon not running; the role
# survives a reload; `cluster standby` unregisters with Expires 0; a restart comes up standby;
# without a cluster section the node is active and refuses cluster activate. The metrics
# endpoint's symbridge_cluster_role and symbridge_cluster_transitions_total follow.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_netns
sb_need_peers kamailio openssl sipp curl promtool
tap_plan 18

cleanup250() { [ -n "${stopped:-}" ] && kill -CONT "$stopped" 2>/dev/null; sb_sip_cleanup; }
trap cleanup250 EXIT

sb_pki ca >/dev/null
kp=$(sb_free_port)
sip_port=$(sb_free_port)
lp=$(sb_free_port)
mp=$(sb_free_port)
sb_kamailio_start "$kp"
tap_ok $? "kamailio listens for TLS on $sb_cloud_ip:$kp" || exit 1

# conf CLUSTER: two channels registering to the cloud, a link whose server calls 100
conf() {
	sb_conf c.conf <<CONF
system: { name = "t250"; };
metrics: { listen = "127.0.0.1:$mp"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; retry_min = 3; retry_max = 4;
       keepalive_interval = 1; options_interval = 3600; };
stations = ( { user = "door"; password = "door-secret-250"; } );
$1
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
    { number = "100"; target = "cloud:a"; }, { number = "101"; target = "cloud:b"; } ); },
  { slot = 2; type = "link"; name = "intercom"; transport = "udp"; peer = "127.0.0.1:$lp"; } );
CONF
}
cl() { ctl --json show cluster | json_get "j['item']['$1']"; }
cloud_state() { ctl --json show cloud | json_get "j['item']['state']"; }
regs() { grep -c "REGISTER [^ ]* from sip:10[01]@.* expires=$1" "$sb_tmp/kam.log"; }
# options CODE: an OPTIONS from a dispatcher is answered CODE; its answer in options-CODE.log
options() {
	sed "s/response=\"200\"/response=\"$1\"/" "$top_srcdir/tests/peers/sipp/options-uac.xml" \
		>"$sb_tmp/options-$1.xml"
	(cd "$sb_tmp" && timeout 60 sipp -sf "options-$1.xml" -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
		-nostdin -timeout 20s -timeout_error -trace_msg -message_file "options-$1.log" \
		"127.0.0.1:$sip_port" >"options-$1.out" 2>&1)
}

conf 'cluster: { role = "auto"; peer = "192.0.2.7"; };'
sb_start c.conf
out=$(ctl --json show cluster)
printf '%s' "$out" | python3 -c "
import json, sys; i = json.load(sys.stdin)['item']
assert i['role'] == 'standby' and i['configured_role'] == 'auto', i
assert 'cluster.role = \"auto\"' in i['why'] and i['peer'] == '192.0.2.7', i
assert i['transitions_to_active'] == 0 and i['calls'] == 'standby', i"
tap_ok $? "role auto starts standby: show cluster says so, why, and the peer" || tap_diag "$out"

# nothing registers while standby (the link would have registered within a second)
sb_poll 3 sh -c "grep -q 'REGISTER [^ ]* from sip:10[01]@' '$sb_tmp/kam.log'"
[ $? -ne 0 ] && [ "$(cloud_state)" = standby ]
tap_ok $? "standby: nothing registered at the cloud, show cloud says standby (got $(cloud_state))"

options 503 && ! grep -qi '^Retry-After' "$sb_tmp/options-503.log"
tap_ok $? "standby: OPTIONS answered 503, no Retry-After" || tap_diag "$(tail -5 "$sb_tmp/options-503.out")"

sed -e "s/@NUMBER@/100/g" -e '/<recv response="503">/,/<\/recv>/c\  <recv response="503"/>' \
	-e '/<Reference/d' "$top_srcdir/tests/peers/sipp/drain-refused.xml" >"$sb_tmp/refused.xml"
(cd "$sb_tmp" && timeout 60 sipp -sf refused.xml -i 127.0.0.1 -p "$lp" -m 1 -nostdin -timeout 20s \
	-timeout_error -trace_msg -message_file refused.log "127.0.0.1:$sip_port" >refused.out 2>&1)
rc=$?
rec=$(ctl --json cdr list | json_get "[r['reason'] for r in j['rows']]")
[ $rc -eq 0 ] && ! grep -qi '^Retry-After' "$sb_tmp/refused.log" && printf '%s' "$rec" | grep -q standby
tap_ok $? "standby: an INVITE from a link is answered 503, its record says standby ($rec)" ||
	tap_diag "$(tail -5 "$sb_tmp/refused.out")"

# the first REGISTER, unchallenged: 503 at once (stations register at the active node)
sed -e 's/@USER@/door/g; s/@EXPIRES@/3600/' -e '/<recv response="401"/,/<recv response="@WANT@"\/>/c\  <recv response="503"/>' \
	"$top_srcdir/tests/peers/sipp/register.xml" >"$sb_tmp/register-503.xml"
(cd "$sb_tmp" && timeout 30 sipp -sf register-503.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-timeout 10s -timeout_error -nostdin "127.0.0.1:$sip_port" >register-503.out 2>&1)
tap_ok $? "standby: a station's REGISTER is answered 503" || tap_diag "$(tail -5 "$sb_tmp/register-503.out")"

ctl cluster check >/dev/null
tap_ok $? "cluster check passes on a standby that answers"

out=$(ctl cluster activate keepalived MASTER)
sb_poll 10 sb_cloud_registered
rc=$?
# the daemon's own clock: from its "now the active node" line to "registered 2 identities"
dt=$(python3 - "$sb_tmp/daemon.log" <<'PY'
import datetime, sys
ts = lambda l: datetime.datetime.strptime(l[:23], "%Y-%m-%d %H:%M:%S.%f").timestamp()
t0 = None
for line in open(sys.argv[1]):
    if "cluster: now the active node" in line:
        t0 = ts(line)
    elif t0 is not None and "registered 2 identities at cloud registrar" in line:
        print(round(ts(line) - t0, 2))
        break
else:
    print(99)
PY
)
[ $rc -eq 0 ] && python3 -c "import sys; sys.exit(0 if $dt <= 3 else 1)" &&
	[ "$(cl role)" = active ] && cl why | grep -q 'keepalived MASTER'
tap_ok $? "cluster activate: both channels registered in $dt s (cloud.retry_min: 3 s), why: $(cl why)" ||
	tap_diag "$out" "$(ctl show cloud)"

options 200 && ctl cluster check >/dev/null
tap_ok $? "active: OPTIONS answered 200, cluster check passes"

ctl reload >/dev/null && [ "$(cl role)" = active ] && [ "$(cl transitions_to_active)" = 1 ] &&
	sb_cloud_registered
tap_ok $? "the role survives a reload (still active, still registered)"

kill -STOP "$sb_pid"
stopped=$sb_pid
t0=$(date +%s)
ctl -t 2 cluster check >/dev/null 2>"$sb_tmp/check.err"
rc=$?
dt=$(($(date +%s) - t0))
kill -CONT "$sb_pid"
stopped=
[ $rc -ne 0 ] && [ $dt -le 4 ] && grep -q 'did not reply within 2 seconds' "$sb_tmp/check.err"
tap_ok $? "a hung daemon (kill -STOP): cluster check -t 2 fails in $dt s ($(cat "$sb_tmp/check.err"))"

sb_kamailio_stop
down() { ! ctl cluster check >/dev/null 2>&1; }
sb_poll 15 down && ctl cluster check 2>&1 | grep -q 'cannot serve: the cloud link is down'
tap_ok $? "the cloud down on the active node: cluster check fails and says why" ||
	tap_diag "$(ctl cluster check 2>&1)"
sb_kamailio_start "$kp"
sb_poll 15 sb_cloud_registered && ctl cluster check >/dev/null
tap_ok $? "the cloud back: registered again, cluster check passes"

before=$(regs 0)
out=$(ctl cluster standby)
unreg() { [ "$(regs 0)" -ge $((before + 2)) ]; }
sb_poll 10 unreg && [ "$(cloud_state)" = standby ] && [ "$(cl role)" = standby ] && options 503
tap_ok $? "cluster standby: both channels unregistered (expires=0), OPTIONS 503 again" ||
	tap_diag "$out" "$(grep REGISTER "$sb_tmp/kam.log" | tail -4)"

curl -sS --max-time 5 -o "$sb_tmp/m.prom" "http://127.0.0.1:$mp/metrics" &&
	promtool check metrics <"$sb_tmp/m.prom" >"$sb_tmp/promtool.out" 2>&1 &&
	grep -qx 'symbridge_cluster_role{role="standby"} 1' "$sb_tmp/m.prom" &&
	grep -qx 'symbridge_cluster_role{role="active"} 0' "$sb_tmp/m.prom" &&
	grep -qx 'symbridge_cluster_transitions_total{to="active"} 1' "$sb_tmp/m.prom" &&
	grep -qx 'symbridge_cluster_transitions_total{to="standby"} 1' "$sb_tmp/m.prom"
tap_ok $? "metrics: symbridge_cluster_role standby, one transition to each role; promtool accepts it" ||
	tap_diag "$(grep cluster "$sb_tmp/m.prom")" "$(cat "$sb_tmp/promtool.out")"

ctl cluster activate >/dev/null && sb_poll 10 sb_cloud_registered && sb_stop
rc=$?
ctl cluster check >/dev/null 2>&1
crc=$?
[ $rc -eq 0 ] && [ $crc -ne 0 ]
tap_ok $? "active again, stopped (exit 0): cluster check fails when no daemon runs (exit $crc)"

sb_start c.conf
[ "$(cl role)" = standby ] && [ "$(cloud_state)" = standby ]
tap_ok $? "restarted with role auto after being active: it comes up standby"
sb_stop

conf ''
sb_start c.conf && sb_poll 15 sb_cloud_registered
[ "$(cl role)" = active ] && ! ctl cluster standby >/dev/null 2>&1 && options 200
tap_ok $? "without a cluster section: a single node, active, registered; cluster standby refused"
sb_stop
tap_done
