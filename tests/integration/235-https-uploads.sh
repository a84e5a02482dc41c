#!/bin/sh
# 235-https-uploads.sh: HTTPS uploads (cloud.https) to a receiver written for the tests
# (tests/peers/webhook-receiver.py with TLS and a required client certificate of the test CA):
# 10 ISDN calls while it answers 500 twice: every VoIP report arrives once, by id, in call order,
# with the device certificate; the receiver killed during 3 calls and restarted: nothing lost;
# the daemon restarted with 2 reports still in its outbox: delivered after the restart; log lines
# at or above cloud.https.log_level arrive, lower ones do not, and a reload changes the level.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers openssl
tap_plan 13

sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" ca >/dev/null
wp=$(sb_free_port)
rx_pid=
rx_start() {
	: >"$sb_tmp/rx.out"
	python3 -u "$top_srcdir/tests/peers/webhook-receiver.py" "$wp" "$sb_tmp/pki/ca-server.crt" \
		"$sb_tmp/pki/ca-server.key" "$sb_tmp/up.log" "$sb_tmp/mode" "$sb_tmp/pki/ca.pem" \
		>"$sb_tmp/rx.out" 2>&1 &
	rx_pid=$!
	sb_poll 10 grep -q ready "$sb_tmp/rx.out"
}
rx_stop() { kill "$rx_pid" && wait "$rx_pid" 2>/dev/null; rx_pid=; }
cleanup235() { [ -z "$rx_pid" ] || rx_stop; isdn_cleanup; }
trap cleanup235 EXIT

isdn_pair_conf
cp "$sb_tmp/c.conf" "$sb_tmp/bad.conf"
cp "$sb_tmp/c.conf" "$sb_tmp/bad2.conf"
cat >>"$sb_tmp/bad.conf" <<CONF
cloud: { https: { url = "http://127.0.0.1:$wp/upload"; log_level = "loud"; }; };
CONF
echo "cloud: { https: { url = \"https://127.0.0.1:$wp/upload\"; }; };" >>"$sb_tmp/bad2.conf"
out=$("$SYMBRIDGED" -t -c "$sb_tmp/bad.conf" 2>&1; "$SYMBRIDGED" -t -c "$sb_tmp/bad2.conf" 2>&1)
echo "$out" | grep -q 'bad.conf:[0-9]*: cloud.https.url: "http://127.0.0.1:[0-9]*/upload" is not an HTTPS URL (allowed: "https://host\[:port\]/path")' &&
	echo "$out" | grep -q 'bad.conf:[0-9]*: cloud.https.log_level: "loud" is not allowed' &&
	echo "$out" | grep -q 'bad2.conf:[0-9]*: cloud.tls.ca_file: missing: required when cloud.https.url is set'
tap_ok $? "a plain http URL, an unknown level and missing certificates are refused with FILE:LINE" ||
	tap_diag "$out"

echo "fail 2" >"$sb_tmp/mode"
rx_start
tap_ok $? "the HTTPS receiver listens on $wp (client certificate required)" ||
	tap_diag "$(cat "$sb_tmp/rx.out")"

cat >>"$sb_tmp/c.conf" <<CONF
system: { name = "t235"; };
cloud: { tls: { ca_file = "$sb_tmp/pki/ca.pem"; cert_file = "$sb_tmp/pki/ca-device.crt";
                key_file = "$sb_tmp/pki/ca-device.key"; };
         https: { url = "https://127.0.0.1:$wp/upload"; log_level = "notice"; flush_ms = 300; }; };
CONF
sb_start c.conf && isdn_license_install && isdn_pair_peers
tap_ok $? "daemon up, both spans up" || tap_diag "$(tail -5 "$sb_tmp/daemon.log")"
peer b auto-answer

# calls FIRST LAST: ISDN calls numbered FIRST..LAST, each answered and hung up in turn
n=0
calls() {
	i=$1
	while [ "$i" -le "$2" ]; do
		n=$((n + 1))
		peer a call 100 4930$i
		peer_wait a '^answer ' "$n" 20 || return 1
		peer a hangup "$n" 16
		peer_wait b '^hangup [0-9]+ cause 16' "$n" 20 || return 1
		i=$((i + 1))
	done
	wait_ctl 'len(j["rows"]) == 0' show calls
}
# what the receiver took (answered 200): reports, log lines, checks
got() {
	python3 - "$sb_tmp/up.log" "$@" <<'PY'
import json, os, sys
log, what = sys.argv[1], sys.argv[2]
reqs = [json.loads(l) for l in open(log)] if os.path.exists(log) else []
ok = [r for r in reqs if r["status"] == 200]
items = [i for r in ok for i in json.loads(r["body"])["items"]]
reports = [i for i in items if i["type"] == "voip-report"]
logs = [i for i in items if i["type"] == "log"]
if what == "reports":  # distinct reports taken
    print(len({r["id"] for r in reports}))
elif what == "first":  # the statuses of the first three POSTs, and whether the same report opened them
    first = [json.loads(r["body"])["items"][0].get("id") for r in reqs[:3]]
    print(" ".join(str(r["status"]) for r in reqs[:3]), len(set(first)))
elif what == "check":  # every report once, in call order; the upload's own fields; the client
    bad = []
    ids = [r["id"] for r in reports]
    if len(ids) != len(set(ids)): bad.append("doubled: %s" % [i for i in ids if ids.count(i) > 1])
    callers = [int(r["caller"][4:]) for r in reports]
    if callers != list(range(1, int(sys.argv[3]) + 1)): bad.append("order: %s" % callers)
    for r in reports:
        if (r["v"], r["device"], r["reason"], r["direction"]) != (1, "t235", "normal", "local") or \
           [(l["side"], l["kind"]) for l in r["legs"]] != [("a", "trunk"), ("b", "trunk")]: bad.append("report %s" % r)
    for r in reqs:
        b = json.loads(r["body"])
        if (b["v"], b["type"], b["device"]) != (1, "upload", "t235") or r["path"] != "/upload": bad.append("upload %s" % r["body"][:200])
        if r["client"] != "symbridge-device": bad.append("client %s" % r["client"])
        if r["headers"].get("Content-Type") != "application/json": bad.append("type %s" % r["headers"])
    print("\n".join(bad) or "ok")
elif what == "logs":  # log lines: levels seen, ids doubled, one message looked for
    lv = sorted({l["level"] for l in logs})
    ids = [l["id"] for l in logs]
    has = any(sys.argv[3] in l["message"] for l in logs)
    print(",".join(lv), len(ids) - len(set(ids)), has)
elif what == "message":  # whether a message was uploaded
    print(any(sys.argv[3] in l["message"] for l in logs))
PY
}
reports_are() { [ "$(got reports)" = "$1" ]; }
cloud() { ctl --json show cloud | json_get "j['item']['$1']"; }
cloud_is() { [ "$(cloud "$1")" = "$2" ]; }
depth_ge() { [ "$(cloud https_outbox_depth)" -ge "$1" ]; }

calls 1 10 && sb_poll 30 reports_are 10
tap_ok $? "10 calls while the receiver answers 500 twice: 10 reports taken" ||
	tap_diag "$(got reports) reports" "$(ctl show cloud)" "$(tail -5 "$sb_tmp/daemon.log")"
f=$(got first)
[ "$f" = "500 500 200 1" ] && [ "$(cloud https_attempts_failed)" = 2 ] &&
	sb_poll 10 cloud_is https_outbox_depth 0
tap_ok $? "the first batch answered 500, 500, then 200 (the same batch again: $f); the outbox empty" ||
	tap_diag "$f" "$(ctl show cloud)"

rx_stop
calls 11 13 && sb_poll 10 depth_ge 3 && sb_poll 10 cloud_is https backoff
tap_ok $? "receiver killed: 3 calls, their reports wait in the outbox, the upload backs off" ||
	tap_diag "$(ctl show cloud)"
echo ok >"$sb_tmp/mode"
rx_start && sb_poll 40 reports_are 13
tap_ok $? "receiver restarted: the 3 reports arrive" ||
	tap_diag "$(got reports) reports" "$(ctl show cloud)"

rx_stop
reconnect() { peer "$1" drop-dchannel && peer "$1" restore; }
calls 14 15 && sb_poll 10 depth_ge 2 && sb_stop && sb_start c.conf && depth_ge 2 &&
	reconnect a && reconnect b && span_up 2 && span_up 3
tap_ok $? "receiver killed, 2 calls, the daemon restarted: the store still holds them ($(cloud https_outbox_depth))" ||
	tap_diag "$(ctl show cloud)" "$(tail -5 "$sb_tmp/daemon.log")"
rx_start && sb_poll 60 reports_are 15 && sb_poll 10 cloud_is https_outbox_depth 0
tap_ok $? "receiver back: the 2 reports kept across the restart arrive, the outbox empty" ||
	tap_diag "$(got reports) reports" "$(ctl show cloud)"

chk=$(got check 15)
[ "$chk" = ok ]
tap_ok $? "15 reports, each taken once (by id), in call order; every upload signed with the device certificate" ||
	tap_diag "$chk"

# log lines: notice and above (the notice that uploads work again), never info
lg=$(got logs 'takes uploads again')
grep -q 'info mgmt: https uploads to' "$sb_tmp/daemon.log" &&
	[ "$(got message 'https uploads to')" = False ] &&
	case "$lg" in *info* | *debug*) false ;; *notice*" 0 True") true ;; *) false ;; esac
tap_ok $? "log lines at notice and above arrive once each, info lines do not ($lg)" ||
	tap_diag "$lg"

# a reload lowers the level at once: info lines arrive from then on
sed -i 's/log_level = "notice"/log_level = "info"/' "$sb_tmp/c.conf"
uploaded() { [ "$(got message "$1")" = True ]; }
ctl reload >/dev/null && sb_poll 20 uploaded 'https uploads: log lines at info and above'
tap_ok $? "a reload to log_level info: info lines arrive at once (the level's own change among them)" ||
	tap_diag "$(got logs x)" "$(tail -3 "$sb_tmp/daemon.log")"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
