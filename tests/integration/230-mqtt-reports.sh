#!/bin/sh
# 230-mqtt-reports.sh: the MQTTS management channel against mosquitto with TLS and client
# certificates: the retained status (online, and the last will offline), the state (spans up),
# and one VoIP report per finished call, QoS 1, kept in the outbox while the broker is away: 20
# ISDN calls, 15 of them while the broker is stopped (twice; the daemon restarted meanwhile); once the
# broker is back every report arrives exactly once, by id.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/mqtt.sh"
sb_need_peers mosquitto mosquitto_sub openssl
tap_plan 13

mq_pki
bp=$(sb_free_port)
mq_broker_start "$bp" && mq_sub sub230 'symbridge/#'
tap_ok $? "mosquitto with TLS and client certificates on $bp, a subscriber to symbridge/#" ||
	{ tap_diag "$(tail -5 "$sb_tmp/mq/broker.log")" "$(cat "$sb_tmp/sub230.err")"; exit 1; }

isdn_pair_conf
cat >>"$sb_tmp/c.conf" <<CONF
system: { name = "t230"; };
cloud: { tls: { ca_file = "$sb_tmp/pki/ca.pem"; cert_file = "$sb_tmp/pki/ca-device.crt";
                key_file = "$sb_tmp/pki/ca-device.key"; };
         mqtt: { broker = "127.0.0.1:$bp"; keepalive = 5; }; };
CONF
sb_start c.conf && isdn_license_install && isdn_pair_peers
tap_ok $? "daemon up, both spans up" || tap_diag "$(tail -5 "$sb_tmp/daemon.log")"
peer b auto-answer

mqtt_is() { ctl --json show mqtt | json_get "j['item']['$1']" 2>/dev/null | grep -qx "$2"; }
got() { grep -c "^symbridge/t230/$1 $2" "$sb_tmp/sub230.out"; }
has() { [ "$(got "$1" "$2")" -ge "${3:-1}" ]; }

sb_poll 15 mqtt_is mqtt connected && sb_poll 10 has status online
tap_ok $? "connected over TLS with the device certificate; status online (retained)" ||
	tap_diag "$(ctl show mqtt)" "$(tail -5 "$sb_tmp/daemon.log")"

spans_up() {
	grep "^symbridge/t230/state " "$sb_tmp/sub230.out" | tail -1 | cut -d' ' -f2- |
		json_get 'j["v"] == 1 and [r["dchannel"] for r in j["spans"]["rows"]] == ["up", "up"]' |
		grep -q True
}
sb_poll 10 spans_up
tap_ok $? "the state published names both spans' D-channels up" ||
	tap_diag "$(grep state "$sb_tmp/sub230.out" | tail -1)"

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
depth() { ctl --json show mqtt | json_get "j['item']['outbox_depth']"; }
depth_is() { [ "$(depth)" = "$1" ]; }

calls 1 5 && sb_poll 10 has report '{' 5 && sb_poll 5 depth_is 0
tap_ok $? "5 calls: 5 reports at the broker, the outbox empty" ||
	tap_diag "$(got report '{') reports, depth $(depth)"

mq_broker_stop
sb_poll 10 mqtt_is mqtt backoff
tap_ok $? "broker stopped: the channel backs off" || tap_diag "$(ctl show mqtt)"

calls 6 15 && sb_poll 5 depth_is 10 &&
	ctl --json show cloud | json_get 'j["item"]["outbox_depth"] == 10 and j["item"]["mqtt"] == "not connected"' | grep -q True
tap_ok $? "10 calls while the broker is away: 10 reports wait in the outbox (show mqtt, show cloud)" ||
	tap_diag "depth $(depth)" "$(ctl show cloud)"

mq_broker_start "$bp" && sb_poll 30 mqtt_is mqtt connected && sb_poll 10 depth_is 0
tap_ok $? "the broker is back: reconnected, the outbox drained" || tap_diag "$(ctl show mqtt)"

# away again for 5 calls, and the daemon restarted before the broker returns (the ISDN peers
# stay and connect to the new daemon's D-channel sockets)
reconnect() { peer "$1" drop-dchannel && peer "$1" restore; }
mq_broker_stop
sb_poll 10 mqtt_is mqtt backoff && calls 16 20 && sb_poll 5 depth_is 5 &&
	sb_stop && sb_start c.conf && reconnect a && reconnect b && span_up 2 && span_up 3 &&
	depth_is 5
tap_ok $? "5 more calls without the broker, the daemon restarted: the store still holds 5" ||
	tap_diag "depth $(depth)" "$(tail -5 "$sb_tmp/daemon.log")"

mq_broker_start "$bp" && sb_poll 30 mqtt_is mqtt connected && sb_poll 10 depth_is 0 &&
	sb_poll 10 has report '{' 20
tap_ok $? "the broker is back: the outbox drained, 20 reports in all" ||
	tap_diag "$(ctl show mqtt)" "$(got report '{') reports"

python3 - "$sb_tmp/sub230.out" <<'PY'
import collections, json, sys
ids = collections.Counter()
calls = set()
for line in open(sys.argv[1]):
    topic, _, payload = line.rstrip("\n").partition(" ")
    if topic != "symbridge/t230/report":
        continue
    r = json.loads(payload)
    assert r["v"] == 1 and r["type"] == "voip-report" and r["device"] == "t230", r
    assert r["reason"] == "normal" and r["direction"] == "local", r
    assert [(l["side"], l["kind"]) for l in r["legs"]] == [("a", "trunk"), ("b", "trunk")], r
    assert r["legs"][0]["card"] == "pri-2" and r["legs"][1]["card"] == "pri-3", r
    assert r["legs"][0]["codec"] in ("PCMA", "PCMU"), r
    ids[r["id"]] += 1
    calls.add(r["caller"])
assert len(ids) == 20, ("distinct ids", len(ids))
assert all(c == 1 for c in ids.values()), [i for i, c in ids.items() if c > 1]
assert calls == {"4930%d" % i for i in range(1, 21)}, sorted(calls)
PY
tap_ok $? "every one of the 20 reports arrived exactly once (by id), one per caller, trunk to trunk"

ord=$(python3 -c '
import json, sys
print(" ".join(json.loads(l.split(" ", 1)[1])["caller"][4:] for l in open(sys.argv[1])
               if l.startswith("symbridge/t230/report ")))' "$sb_tmp/sub230.out")
[ "$ord" = "$(seq -s ' ' 1 20)" ]
tap_ok $? "in the order of the calls" || tap_diag "$ord"

# the last will: the daemon killed, the broker says offline for it
kill -KILL "$sb_pid" && wait "$sb_pid" 2>/dev/null
sb_pid=
sb_poll 15 has status offline
tap_ok $? "daemon killed: the broker publishes its last will, status offline" ||
	tap_diag "$(grep status "$sb_tmp/sub230.out")"
tap_done
