#!/bin/sh
# 236-webhook-outbox.sh: webhook deliveries kept in the store (the events outbox): with the
# receiver (tests/peers/webhook-receiver.py) down, 2 ISDN calls make 6 events for one webhook and
# more than the second's queue_max of 2 (the rest dropped and counted); the daemon restarted
# keeps the 6 + 2 waiting; the receiver started: each arrives once (by delivery id), in order,
# with the placeholders of its call, and nothing waits any more.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers openssl
tap_plan 7

sh "$top_srcdir/tests/peers/mkpki.sh" "$sb_tmp/pki" ca >/dev/null
wp=$(sb_free_port)
rx_pid=
cleanup236() { [ -z "$rx_pid" ] || { kill "$rx_pid"; wait "$rx_pid"; } 2>/dev/null; isdn_cleanup; }
trap cleanup236 EXIT

isdn_pair_conf
cat >>"$sb_tmp/c.conf" <<CONF
system: { name = "t236"; };
events: { webhooks = (
  { url = "https://127.0.0.1:$wp/all"; max_attempts = 20; ca = "$sb_tmp/pki/ca.pem";
    events = [ "call.incoming", "call.answered", "call.ended" ]; },
  { url = "https://127.0.0.1:$wp/few"; max_attempts = 20; ca = "$sb_tmp/pki/ca.pem";
    events = [ "call.incoming", "call.answered", "call.ended" ]; queue_max = 2; } ); };
CONF
sb_start c.conf && isdn_license_install && isdn_pair_peers
tap_ok $? "daemon up, both spans up" || tap_diag "$(tail -5 "$sb_tmp/daemon.log")"
peer b auto-answer

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
hooks() { ctl --json show webhooks | json_get "[(r['queued'], r['dropped']) for r in j['rows']]"; }
hooks_are() { [ "$(hooks)" = "$1" ]; }
cloud() { ctl --json show cloud | json_get "j['item']['$1']"; }

calls 1 2 && sb_poll 10 hooks_are "[(6, 0), (2, 4)]" && [ "$(cloud webhook_outbox_depth)" = 8 ]
tap_ok $? "receiver down, 2 calls: 6 deliveries wait for the first webhook, 2 for the second (4 dropped past queue_max)" ||
	tap_diag "$(hooks)" "$(ctl show cloud | grep webhook)"

sb_stop && sb_start c.conf && sb_poll 10 hooks_are "[(6, 0), (2, 0)]" &&
	grep -q 'webhook https://127.0.0.1:[0-9]*/all: 6 deliveries kept from the last run' "$sb_tmp/daemon.log"
tap_ok $? "the daemon restarted: the 8 deliveries are still waiting (kept in the store)" ||
	tap_diag "$(hooks)" "$(tail -5 "$sb_tmp/daemon.log")"

python3 -u "$top_srcdir/tests/peers/webhook-receiver.py" "$wp" "$sb_tmp/pki/ca-server.crt" \
	"$sb_tmp/pki/ca-server.key" "$sb_tmp/hooks.log" "$sb_tmp/mode" >"$sb_tmp/rx.out" 2>&1 &
rx_pid=$!
got() {
	python3 - "$sb_tmp/hooks.log" "$1" <<'PY'
import json, os, sys
reqs = [json.loads(l) for l in open(sys.argv[1])] if os.path.exists(sys.argv[1]) else []
ok = [r for r in reqs if r["status"] == 200 and r["path"] == sys.argv[2]]
ids = [r["headers"]["X-Symbridge-Delivery"] for r in ok]
print(len(ok), len(ids) - len(set(ids)),
      " ".join("%s/%s" % (json.loads(r["body"])["event"][5:], json.loads(r["body"])["caller"][4:]) for r in ok))
PY
}
got_is() { [ "$(got "$1" | cut -d' ' -f1)" = "$2" ]; }
sb_poll 40 got_is /all 6 && sb_poll 10 got_is /few 2
tap_ok $? "the receiver started: the kept deliveries arrive" ||
	tap_diag "$(got /all)" "$(got /few)" "$(ctl show webhooks)"

a=$(got /all) f=$(got /few)
[ "$a" = "6 0 incoming/1 answered/1 ended/1 incoming/2 answered/2 ended/2" ] &&
	[ "$f" = "2 0 incoming/1 answered/1" ]
tap_ok $? "each once (by delivery id), in order, with their calls' placeholders ($a; $f)"

sb_poll 10 hooks_are "[(0, 0), (0, 0)]" && [ "$(cloud webhook_outbox_depth)" = 0 ]
tap_ok $? "nothing waits any more (show webhooks, show cloud)" || tap_diag "$(hooks)"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
