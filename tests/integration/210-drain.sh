#!/bin/sh
# 210-drain.sh: `symbridgectl drain` with 10 calls up (sipp intercom server on a link card calling
# a channel routed to a second link's sipp server): none ends, a new INVITE gets 503 with
# Retry-After, OPTIONS gets 503, `show status` counts the calls down as they end, and each ended
# normally; `undrain` takes calls again. `restart --when-idle` exits 75 once the last call ends,
# and `--max-wait` ends the calls still up when it passes.
. "$top_srcdir/tests/lib/linkpair.sh"
tap_plan 15

np=$(sb_free_port) # a second server on the same link card's host, calling during the drain
sb_license_calls 40 1
linkpair_conf 210 "{ slot = 4; type = \"link\"; name = \"late\"; transport = \"udp\"; peer = \"127.0.0.1:$np\"; }" \
	| sb_conf c.conf
linkpair_server 300
linkpair_start c.conf
tap_ok $? "daemon up, the link to the answering server is up" || tap_diag "$(ctl show links)"

calls() { linkpair_calls "$1" "$2" 200; }
state() { ctl --json show status | json_get "j['item']['state']"; }
calls 10 ten &
uac_pid=$!
pids="$pids $uac_pid"
ten() { [ "$(nup)" = 10 ]; }
sb_poll 30 ten
tap_ok $? "10 calls up (link intercom -> bridge 400 -> link server 555)" ||
	tap_diag "$(ctl show calls)" "$(tail -5 "$sb_tmp/daemon.log")"
[ "$(state)" = running ]
tap_ok $? "show status says running before the drain (got: $(state))"

out=$(ctl drain 2>&1)
printf '%s' "$out" | grep -q 'draining: new calls are refused.*10 calls remain'
tap_ok $? "drain: the reply says 10 calls remain ($out)"
[ "$(state)" = "draining (10 calls remain)" ]
tap_ok $? "show status: draining (10 calls remain) (got: $(state))"

# a new call from a link's server: 503 with Retry-After (the scenario checks both)
sed "s/@NUMBER@/400/g" "$top_srcdir/tests/peers/sipp/drain-refused.xml" >"$sb_tmp/refused.xml"
(cd "$sb_tmp" && timeout 60 sipp -sf refused.xml -i 127.0.0.1 -p "$np" -m 1 -nostdin -timeout 30s \
	-timeout_error -trace_msg -message_file refused.log "127.0.0.1:$sip_port" >refused.out 2>&1)
tap_ok $? "a new INVITE while draining is answered 503 with Retry-After" ||
	tap_diag "$(tail -20 "$sb_tmp/refused.out")" "$(tail -20 "$sb_tmp/refused.log")"
ra=$(sed -n 's/^Retry-After: *\([0-9]*\).*/\1/p' "$sb_tmp/refused.log" | head -1)

# OPTIONS (a dispatcher's probe): 503
sed 's/response="200"/response="503"/' "$top_srcdir/tests/peers/sipp/options-uac.xml" \
	>"$sb_tmp/options.xml"
(cd "$sb_tmp" && timeout 60 sipp -sf options.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 -nostdin \
	-timeout 30s -timeout_error "127.0.0.1:$sip_port" >options.out 2>&1)
tap_ok $? "OPTIONS while draining is answered 503 (Retry-After: $ra s)" ||
	tap_diag "$(tail -20 "$sb_tmp/options.out")"

n=$(nup)
[ "$n" = 10 ] && kill -0 "$uac_pid" 2>/dev/null
tap_ok $? "none of the 10 calls ended (up: $n)"

# the calls end one by one: show status counts them down
first=$(ctl --json show calls | json_get "j['rows'][0]['id']")
ctl hangup "$first" >/dev/null
nine() { [ "$(state)" = "draining (9 calls remain)" ]; }
sb_poll 10 nine
tap_ok $? "one call ended: show status says draining (9 calls remain) (got: $(state))"
for id in $(ctl --json show calls | json_get "' '.join(str(r['id']) for r in j['rows'])"); do
	ctl hangup "$id" >/dev/null
done
zero() { [ "$(state)" = "draining (0 calls remain)" ]; }
sb_poll 15 zero
tap_ok $? "all ended: show status says draining (0 calls remain) (got: $(state))"
wait "$uac_pid"
rc=$?
recs=$(ctl --json cdr list --limit 100)
printf '%s' "$recs" | python3 -c "
import json, sys; rows = json.load(sys.stdin)['rows']
ended = [r for r in rows if r['reason'] == 'admin-hangup' and r['state'] == 'ended']
refused = [r for r in rows if r['reason'] == 'draining']
assert len(ended) == 10 and len(refused) == 1, (len(ended), len(refused), rows[:2])"
[ $? -eq 0 ] && [ $rc -eq 0 ]
tap_ok $? "the 10 calls ended by the hangups, BYE to each server (sipp status $rc); 1 record of the refused call (draining)" ||
	tap_diag "$(tail -5 "$sb_tmp/uac-ten.out")" "$(printf '%s' "$recs" | head -c 800)"

# undrain: OPTIONS 200 again
ctl undrain >/dev/null
cp "$top_srcdir/tests/peers/sipp/options-uac.xml" "$sb_tmp/options-200.xml"
(cd "$sb_tmp" && timeout 60 sipp -sf options-200.xml -i 127.0.0.1 \
	-p "$(sb_free_port)" -m 1 -nostdin -timeout 30s -timeout_error "127.0.0.1:$sip_port" \
	>options2.out 2>&1) && [ "$(state)" = running ]
tap_ok $? "undrain: running again, OPTIONS answered 200" || tap_diag "$(tail -5 "$sb_tmp/options2.out")"

# restart --when-idle with 2 calls up: the daemon waits for them, then exits 75
calls 2 two &
uac_pid=$!
pids="$pids $uac_pid"
two() { [ "$(nup)" = 2 ]; }
sb_poll 30 two
out=$(ctl restart --when-idle --max-wait 600 2>&1)
st=$(state)
alive=$(kill -0 "$sb_pid" 2>/dev/null && echo yes)
case $st in "draining (2 calls remain), restart when idle or in "*" s") r=0 ;; *) r=1 ;; esac
[ $r -eq 0 ] && [ "$alive" = yes ]
tap_ok $r "restart --when-idle with 2 calls up: still running, status: $st" || tap_diag "$out"
for id in $(ctl --json show calls | json_get "' '.join(str(r['id']) for r in j['rows'])"); do
	ctl hangup "$id" >/dev/null
done
sb_poll 15 sh -c "! kill -0 $sb_pid 2>/dev/null"
wait "$sb_pid"
rc=$?
grep -q 'restart when idle: the last call ended: exiting with status 75' "$sb_tmp/daemon.log"
[ $? -eq 0 ] && [ $rc -eq 75 ]
tap_ok $? "the last call ended: the daemon exited with status 75 for its restart (got $rc)" ||
	tap_diag "$(tail -5 "$sb_tmp/daemon.log")"
wait "$uac_pid"

# --max-wait: the maximum passes with a call up; the call ends, the daemon exits 75
sb_start c.conf
sb_poll 15 server_up
calls 1 one &
uac_pid=$!
pids="$pids $uac_pid"
one() { [ "$(nup)" = 1 ]; }
sb_poll 30 one && ctl restart --when-idle --max-wait 1 >/dev/null
sb_poll 20 sh -c "! kill -0 $sb_pid 2>/dev/null"
wait "$sb_pid"
rc=$?
sb_pid=
grep -q 'restart when idle: the maximum wait passed' "$sb_tmp/daemon.log" && [ $rc -eq 75 ] &&
	wait "$uac_pid"
tap_ok $? "--max-wait 1 with a call up: it passes, the call ends by BYE, the daemon exits 75 (got $rc)" ||
	tap_diag "$(tail -5 "$sb_tmp/daemon.log")" "$(tail -5 "$sb_tmp/uac-one.out")"
tap_done
