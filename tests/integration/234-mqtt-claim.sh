#!/bin/sh
# 234-mqtt-claim.sh: claiming over the management channel (mosquitto with TLS and client
# certificates; mosquitto_sub and mosquitto_pub play the cloud). cloud.claim_code makes the
# appliance publish claim requests with the licence module's hardware id, again and again until
# the cloud answers; the cloud refuses (show cloud: refused with its reason), which a restart
# keeps; symbridgectl cloud claim with another code asks again, the cloud accepts (claimed, kept
# across a restart).
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/mqtt.sh"
sb_need_peers mosquitto mosquitto_sub mosquitto_pub openssl
tap_plan 11

mq_pki
bp=$(sb_free_port)
mq_broker_start "$bp" && mq_sub cloud234 'symbridge/t234/claim'
tap_ok $? "mosquitto with TLS on $bp; the cloud subscribed to symbridge/t234/claim" ||
	{ tap_diag "$(tail -5 "$sb_tmp/mq/broker.log")"; exit 1; }

# conf CLAIM_CODE_LINE
conf() {
	sb_conf c.conf <<CONF
system: { name = "t234"; };
cloud: { tls: { ca_file = "$sb_tmp/pki/ca.pem"; cert_file = "$sb_tmp/pki/ca-device.crt";
                key_file = "$sb_tmp/pki/ca-device.key"; };
         mqtt: { broker = "127.0.0.1:$bp"; keepalive = 5; };
         $1 };
CONF
}
conf 'claim_code = "PORTAL-1234";'
requests() { sed -n 's|^symbridge/t234/claim ||p' "$sb_tmp/cloud234.out"; }
nreq() { requests | grep -c "\"code\":\"$1\""; }
has_req() { [ "$(nreq "$1")" -ge "$2" ]; }
claim_is() {
	ctl --json show cloud | json_get "j['item']['claim'] + '|' + str(j['item']['claim_reason'])" |
		grep -qx "$1"
}
sb_start c.conf && sb_poll 15 has_req PORTAL-1234 1 && claim_is 'waiting|None'
tap_ok $? "cloud.claim_code: a claim request reaches the cloud; show cloud says waiting" ||
	tap_diag "$(requests)" "$(ctl show cloud)" "$(tail -5 "$sb_tmp/daemon.log")"

hwid=$(ctl --json show licenses | json_get "j['item']['hardware_id']")
requests | head -1 | json_get "j['v'] == 1 and j['type'] == 'claim-request' and j['device'] == 't234' and j['hardware_id'] == '$hwid' and j['request'] == 1" |
	grep -q True
tap_ok $? "the request names the device and the licence module's hardware id ($hwid)" ||
	tap_diag "$(requests | head -1)"

sb_poll 15 has_req PORTAL-1234 2
tap_ok $? "no answer: the request is sent again" || tap_diag "$(requests)"

echo '{"v":1,"result":"refused","reason":"this code has expired","code":"PORTAL-1234"}' >"$sb_tmp/refuse.json"
mq_pub symbridge/t234/claim/result "$sb_tmp/refuse.json" &&
	sb_poll 10 claim_is 'refused|this code has expired'
tap_ok $? "the cloud refuses: show cloud says refused, with the cloud's reason" ||
	tap_diag "$(ctl show cloud)"
! grep -q PORTAL-1234 "$sb_tmp/daemon.log"
tap_ok $? "the claim code never reaches the log"

sb_stop && sb_start c.conf && claim_is 'refused|this code has expired'
tap_ok $? "restarted with the same claim_code: still refused, not asked again" ||
	tap_diag "$(ctl show cloud)"

out=$(ctl cloud claim NEW-CODE-77) && sb_poll 15 has_req NEW-CODE-77 1 && claim_is 'waiting|None'
tap_ok $? "symbridgectl cloud claim NEW-CODE-77: waiting, a request with the new code" ||
	tap_diag "$out" "$(requests | tail -2)" "$(ctl show cloud)"

echo '{"v":1,"result":"accepted","account":"acme","code":"NEW-CODE-77"}' >"$sb_tmp/accept.json"
mq_pub symbridge/t234/claim/result "$sb_tmp/refuse.json" &&
	mq_pub symbridge/t234/claim/result "$sb_tmp/accept.json" &&
	sb_poll 10 claim_is 'claimed|None' &&
	ctl --json show mqtt | json_get "j['item']['claim_account']" | grep -qx acme
tap_ok $? "the cloud accepts (an answer for the old code ignored): claimed, for account acme" ||
	tap_diag "$(ctl show cloud)" "$(tail -5 "$sb_tmp/daemon.log")"

sb_stop && sb_start c.conf && claim_is 'claimed|None' && ! out=$(ctl cloud claim x 2>&1) &&
	echo "$out" | grep -q "not a claim code"
tap_ok $? "claimed is kept across a restart (the file's old code not asked again); a bad code is refused by the command" ||
	tap_diag "$(ctl show cloud)" "$out"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
