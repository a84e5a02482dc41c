#!/bin/sh
# 232-webhooks.sh: call-event webhooks (events.webhooks) against an HTTPS receiver written for the
# test (tests/peers/webhook-receiver.py, certificate from the test PKI). The station door calls
# the intercom server on a link card (dtmf = "info", as 162) and sends digit 5; the server sends
# 7. Call 1, the receiver answering 500 twice first: incoming, answered, two digits and ended
# arrive, each delivered once (the first after two retries), with the right placeholders, a valid
# X-Symbridge-Signature (checked with python's hmac) and the template of a second webhook.
# Call 2, the receiver hanging: the call is set up and torn down in the usual time, and every
# event arrives once the receiver answers again. Bad event names and placeholders are refused.
. "$top_srcdir/tests/lib/linkcall.sh"
sb_need_peers openssl
tap_plan 14

sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" ca >/dev/null
wp=$(sb_free_port)
secret="webhook-secret-$$-0123456789"
hooks() {
	cat <<CONF
events: { webhooks = (
  { url = "https://127.0.0.1:$wp/hook/{event}?call={call_id}"; events = $1;
    secret = "$secret"; ca = "$sb_tmp/pki/ca.pem"; },
  { url = "https://localhost:$wp/door"; events = [ "call.dtmf" ]; content_type = "text/plain";
    ca = "$sb_tmp/pki/ca.pem"; template = "$2"; } ); };
CONF
}
all='[ "call.incoming", "call.answered", "call.dtmf", "call.ended" ]'
tmpl='digit {digit} {direction} from {caller} to {called} call {call_id} at {time}'

{ linkcall_conf 232 "" 'dtmf = "info";'; hooks '[ "call.ringing" ]' "$tmpl"; } | sb_conf bad1.conf
{ linkcall_conf 232 "" 'dtmf = "info";'; hooks "$all" 'door {opener}'; } | sb_conf bad2.conf
out=$("$SYMBRIDGED" -t -c "$sb_tmp/bad1.conf" 2>&1; "$SYMBRIDGED" -t -c "$sb_tmp/bad2.conf" 2>&1)
echo "$out" | grep -q 'bad1.conf:[0-9]*: events.webhooks.*"call.ringing" is not an event (allowed: "call.incoming"' &&
	echo "$out" | grep -q 'bad2.conf:[0-9]*: events.webhooks.*{opener} is not a placeholder (allowed: {event}'
tap_ok $? "an unknown event and an unknown placeholder are refused with FILE:LINE and what is allowed" ||
	tap_diag "$out"

python3 -u "$top_srcdir/tests/peers/webhook-receiver.py" "$wp" "$sb_tmp/pki/ca-server.crt" \
	"$sb_tmp/pki/ca-server.key" "$sb_tmp/hooks.log" "$sb_tmp/mode" >"$sb_tmp/rx.out" 2>&1 &
pids="$pids $!"
rx_ready() { grep -q ready "$sb_tmp/rx.out"; }
echo "fail 2" >"$sb_tmp/mode"
sb_poll 10 rx_ready
tap_ok $? "the HTTPS receiver listens on $wp" || tap_diag "$(cat "$sb_tmp/rx.out")"

{ linkcall_conf 232 "" 'dtmf = "info";'; hooks "$all" "$tmpl"; } | sb_conf c.conf
# the server of 162 for two calls (and the link's OPTIONS)
smp=$(sb_free_port)
sed "s/@MPORT@/$smp/g; s/@DIGIT_IN@/5/; s/@DIGIT_OUT@/7/; s/@PAUSE@/1000/" \
	"$top_srcdir/tests/peers/sipp/info-server.xml" >"$sb_tmp/server.xml"
(cd "$sb_tmp" && exec timeout 420 sipp -sf server.xml -i 127.0.0.1 -p "$lp" -m 3 -nostdin \
	-timeout 400s -timeout_error -trace_msg -message_file server.log >server.out 2>&1) &
srv_pid=$!
pids="$pids $srv_pid"
sb_wait_listen "$lp"
linkcall_start c.conf

ms() { echo $(($(date +%s%N) / 1000000)); }
# one call from door with the media of 162 (door's digit 5 as RFC 4733; it holds 10 s so that the
# media starts in time on a busy machine); sets setup_ms (start to answered) and total_ms (start
# to the door's end, BYE answered)
door_call() {
	t0=$(ms)
	linkcall_station station-call.xml "s/@HOLD@/10000/g; /<!--BYE-WAITING-->/,/<!--\/BYE-WAITING-->/d" 40
	setup_ms=$(($(ms) - t0))
	bport=$(awk '/^INVITE sip:555@/ { m = 1 } m && /^m=audio/ { p = $2; m = 0 } END { print p }' \
		"$sb_tmp/server.log")
	python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$smp" 5 "$bport" >/dev/null 2>&1 &
	r1=$!
	python3 -W ignore "$top_srcdir/tests/peers/rtp-seq-peer.py" "$dmp" 4 - - 5 >/dev/null 2>&1 &
	r2=$!
	pids="$pids $r1 $r2"
	wait "$door_pid"
	door_rc=$?
	total_ms=$(($(ms) - t0))
	wait "$r1"; wait "$r2"
}
# what the receiver got, checked by tests/integration/232-webhooks.py-like code below
got() {
	python3 - "$sb_tmp/hooks.log" "$secret" "$@" <<'PY'
import hashlib, hmac, json, sys
log, secret, what = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
reqs = [json.loads(l) for l in open(log)] if __import__("os").path.exists(log) else []
hook = [r for r in reqs if r["path"].startswith("/hook/")]
door = [r for r in reqs if r["path"] == "/door"]
ok = lambda rs: [r for r in rs if r["status"] == 200]
def once(rs):  # one per delivery id, in the order they were answered 200
    seen, out = set(), []
    for r in ok(rs):
        d = r["headers"]["X-Symbridge-Delivery"]
        if d not in seen:
            seen.add(d); out.append(r)
    return out
if what == "count":  # delivered events of the first webhook, of the second
    print(len(once(hook)), len(once(door)))
elif what == "dups":  # deliveries answered 200 more than once (the receiver did not hang)
    ids = [r["headers"]["X-Symbridge-Delivery"] for r in ok(hook + door)]
    print(len(ids) - len(set(ids)))
elif what == "events":
    print(" ".join(json.loads(r["body"])["event"] + ("=" + json.loads(r["body"])["digit"] if json.loads(r["body"])["digit"] else "") for r in once(hook)[int(sys.argv[4]):]))
elif what == "check":  # every delivered body of call 1 against its placeholders and signature
    bad = []
    for r in once(hook)[:5]:
        b, h = json.loads(r["body"]), r["headers"]
        sig = "sha256=" + hmac.new(secret, r["body"].encode(), hashlib.sha256).hexdigest()
        if h.get("X-Symbridge-Signature") != sig: bad.append("signature %s" % r)
        if r["path"] != "/hook/%s?call=%d" % (b["event"], b["call_id"]): bad.append("path %s" % r)
        if h.get("X-Symbridge-Event") != b["event"] or h.get("Content-Type") != "application/json": bad.append("headers %s" % r)
        if (b["v"], b["device"], b["caller"], b["called"]) != (1, "t232", "door", "400"): bad.append("parties %s" % b)
        if b["event"] == "call.ended" and (b["cause"], b["reason"]) != (16, "normal"): bad.append("end %s" % b)
        if b["event"] == "call.dtmf" and (b["digit"], b["direction"]) not in (("5", "from-caller"), ("7", "from-called")): bad.append("dtmf %s" % b)
        if b["event"] == "call.answered" and b["card"] != "intercom": bad.append("answered %s" % b)
        if b["event"] != "call.dtmf" and (b["digit"] or b["direction"]): bad.append("digit %s" % b)
    for r in once(door)[:2]:
        if "X-Symbridge-Signature" in r["headers"] or r["headers"].get("Content-Type") != "text/plain": bad.append("door headers %s" % r)
        w = r["body"].split()
        if w[:2] not in (["digit", "5"], ["digit", "7"]) or w[2] != ("from-caller" if w[1] == "5" else "from-called") or w[3:8] != ["from", "door", "to", "400", "call"] or not w[10].endswith("Z"): bad.append("door body %s" % r["body"])
    print("\n".join(bad) or "ok")
elif what == "retries":  # statuses of the first event's attempts, all with one delivery id
    first = hook[0]["headers"]["X-Symbridge-Delivery"]
    print(" ".join(str(r["status"]) for r in hook if r["headers"]["X-Symbridge-Delivery"] == first))
elif what == "hung":  # the longest an attempt was kept waiting, in seconds
    print(max([r["hung"] for r in reqs] + [0]))
PY
}
delivered() { [ "$(got count)" = "$1 $2" ]; }
hooks_show() { ctl --json show webhooks | json_get "j['rows'][$1]['$2']"; }

# ---- call 1: the receiver answers 500 twice, then 200 ----
door_call
tap_ok $door_rc "call 1: the station's call ended with its BYE" || tap_diag "$(tail -12 "$sb_tmp/door.out")"
sb_poll 20 delivered 5 2
tap_ok $? "call 1: 5 events delivered to the first webhook, the 2 digits to the second" ||
	tap_diag "$(got count)" "$(ctl show webhooks)" "$(tail -5 "$sb_tmp/daemon.log")"
ev=$(got events 0)
[ "$ev" = "call.incoming call.answered call.dtmf=5 call.dtmf=7 call.ended" ]
tap_ok $? "call 1: incoming, answered, digit 5, digit 7, ended, in that order ($ev)"
chk=$(got check)
[ "$chk" = ok ]
tap_ok $? "call 1: placeholders (caller, called, card, call id, digit, direction, cause, time), path, valid HMAC-SHA256 signature, template body" ||
	tap_diag "$chk"
r=$(got retries); d=$(got dups)
[ "$r" = "500 500 200" ] && [ "$d" = 0 ] && [ "$(hooks_show 0 retried)" = 2 ] &&
	[ "$(hooks_show 0 delivered)" = 5 ] && [ "$(hooks_show 0 failed)" = 0 ]
tap_ok $? "500 twice then 200: the first event was delivered once, on its third attempt (retried 2, failed 0)" ||
	tap_diag "attempts: $r, answered twice: $d" "$(ctl show webhooks)"

# ---- call 2: the receiver hangs ----
echo hang >"$sb_tmp/mode"
setup1=$setup_ms total1=$total_ms
door_call
q=$(hooks_show 0 queued)
tap_diag "call 1: answered after $setup1 ms, over after $total1 ms; call 2 (receiver hanging): $setup_ms ms, $total_ms ms"
# a loop blocked by the hanging receiver would add 5 s (timeout_ms) per event: to the set-up
# (call.incoming) and to the end (call.ended)
[ "$door_rc" = 0 ] && [ "$setup_ms" -lt $((setup1 + 4000)) ] &&
	[ "$total_ms" -lt $((total1 + 4000)) ] && [ "$q" -ge 1 ]
tap_ok $? "call 2: set up and torn down in the usual time while the receiver hangs ($q events waiting)" ||
	tap_diag "$(tail -12 "$sb_tmp/door.out")" "$(ctl show webhooks)"
echo ok >"$sb_tmp/mode"
sb_poll 40 delivered 10 4
ev=$(got events 5)
[ "$ev" = "call.incoming call.answered call.dtmf=5 call.dtmf=7 call.ended" ]
tap_ok $? "call 2: every event delivered once the receiver answers again ($ev)" ||
	tap_diag "$(got count)" "$(ctl show webhooks)"
h=$(got hung)
python3 -c "import sys; sys.exit(0 if $h >= 4.5 else 1)"
tap_ok $? "the receiver did hang: it kept an attempt waiting $h s (timeout_ms is 5 s)"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
