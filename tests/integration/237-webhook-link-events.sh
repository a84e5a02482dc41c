#!/bin/sh
# 237-webhook-link-events.sh: link.up/down and cloud.up/down webhooks with real peers: a link card
# to a sipp intercom server (answering OPTIONS) and the cloud link to kamailio with TLS in the
# cloud's namespace. Both come up; the sipp server stopped: link.down with its reason, started
# again: link.up; kamailio stopped: cloud.down with the registrar and the reason, started again:
# cloud.up; each with the placeholders {link} {peer} {reason} {time}, in JSON and in a template.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
sb_need_peers sipp kamailio openssl
tap_plan 10

sb_pki ca >/dev/null || { echo "Bail out! no test PKI"; exit 1; }
kp=$(sb_free_port)
peer=$(sb_free_port)
sip_port=$(sb_free_port)
wp=$(sb_free_port)
rx_pid=
cleanup237() { [ -z "$rx_pid" ] || { kill "$rx_pid"; wait "$rx_pid"; } 2>/dev/null; sb_kamailio_stop; sb_sip_cleanup; }
trap cleanup237 EXIT

python3 -u "$top_srcdir/tests/peers/webhook-receiver.py" "$wp" "$sb_tmp/pki/ca-server.crt" \
	"$sb_tmp/pki/ca-server.key" "$sb_tmp/hooks.log" "$sb_tmp/mode" >"$sb_tmp/rx.out" 2>&1 &
rx_pid=$!
sb_poll 10 grep -q ready "$sb_tmp/rx.out" && sb_kamailio_start "$kp" && sb_sipp_uas options-uas.xml "$peer"
tap_ok $? "the HTTPS receiver, kamailio (the cloud) and the sipp intercom server run" ||
	tap_diag "$(cat "$sb_tmp/rx.out")"

sb_license 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t237"; };
sip: { listen = [ "udp:127.0.0.1:$sip_port" ]; options_interval = 1; retry_min = 1; retry_max = 2;
       keepalive_interval = 1; };
cloud: { enabled = true; registrar = [ "sips:$sb_cloud_ip:$kp" ];
  tls: { ca_file = "$sb_tmp/pki/ca.pem"; cert_file = "$sb_tmp/pki/ca-device.crt";
         key_file = "$sb_tmp/pki/ca-device.key"; }; };
cards = ( { slot = 1; type = "sym-bridge"; channels = ( { number = "100"; target = "cloud:a"; } ); },
          { slot = 3; type = "link"; name = "intercom"; peer = "127.0.0.1:$peer"; } );
events: { webhooks = (
  { url = "https://127.0.0.1:$wp/ev/{event}"; ca = "$sb_tmp/pki/ca.pem"; max_attempts = 20;
    events = [ "link.up", "link.down", "cloud.up", "cloud.down" ]; },
  { url = "https://127.0.0.1:$wp/tmpl"; ca = "$sb_tmp/pki/ca.pem"; content_type = "text/plain";
    events = [ "link.down", "cloud.down" ]; template = "{event}|{link}|{peer}|{reason}|{time}"; } ); };
CONF
sb_start c.conf && ctl license install "$lic_file" >/dev/null
tap_ok $? "daemon up" || tap_diag "$(tail -5 "$sb_tmp/daemon.log")"

# the JSON events the receiver took, as EVENT/LINK lines; one event's body
got() {
	python3 - "$sb_tmp/hooks.log" "$@" <<'PY'
import json, os, sys
reqs = [json.loads(l) for l in open(sys.argv[1])] if os.path.exists(sys.argv[1]) else []
ok = [r for r in reqs if r["status"] == 200]
ev = [json.loads(r["body"]) for r in ok if r["path"].startswith("/ev/")]
if sys.argv[2] == "list":
    print(" ".join("%s/%s" % (e["event"], e["link"]) for e in ev))
elif sys.argv[2] == "last":  # the last body of an event
    print(json.dumps([e for e in ev if e["event"] == sys.argv[3]][-1]))
elif sys.argv[2] == "tmpl":
    print("\n".join(r["body"] for r in ok if r["path"] == "/tmpl"))
elif sys.argv[2] == "paths":  # every /ev/ path names its event
    print(all(r["path"] == "/ev/" + json.loads(r["body"])["event"] for r in ok if r["path"].startswith("/ev/")))
PY
}
has() { got list | tr ' ' '\n' | grep -qx "$1"; }
count_ge() { [ "$(got list | tr ' ' '\n' | grep -cx "$1")" -ge "$2" ]; }

sb_poll 20 has link.up/intercom && sb_poll 20 has cloud.up/cloud
tap_ok $? "the link and the cloud come up: link.up and cloud.up delivered ($(got list))" ||
	tap_diag "$(ctl show links)" "$(ctl show cloud)" "$(ctl show webhooks)"

sb_sipp_stop
sb_poll 45 has link.down/intercom
tap_ok $? "the intercom server stopped: link.down ($(got list))" || tap_diag "$(ctl show links)"
b=$(got last link.down)
printf '%s' "$b" | python3 -c "
import json, sys; b = json.load(sys.stdin)
assert b['v'] == 1 and b['device'] == 't237' and b['link'] == 'intercom', b
assert b['peer'] == '127.0.0.1:$peer' and b['reason'] and b['time'].endswith('Z'), b
assert b['caller'] is None and b['call_id'] is None, b"
tap_ok $? "link.down names the link, its peer, the reason and the time ($b)"

sb_sipp_uas options-uas.xml "$peer"
sb_poll 20 count_ge link.up/intercom 2
tap_ok $? "the intercom server started again: link.up again ($(got list))"

sb_kamailio_stop
sb_poll 20 has cloud.down/cloud
b=$(got last cloud.down)
[ $? -eq 0 ] && printf '%s' "$b" | python3 -c "
import json, sys; b = json.load(sys.stdin)
assert b['link'] == 'cloud' and b['peer'] == 'sips:$sb_cloud_ip:$kp' and b['reason'], b"
tap_ok $? "kamailio stopped: cloud.down with the registrar and the reason ($b)" ||
	tap_diag "$(ctl show cloud)" "$(got list)"

sb_kamailio_start "$kp"
sb_poll 20 count_ge cloud.up/cloud 2
tap_ok $? "kamailio back: cloud.up again ($(got list))" || tap_diag "$(ctl show cloud)"

t=$(got tmpl)
echo "$t" | grep -q "^link.down|intercom|127.0.0.1:$peer|..*|20[0-9-]*T[0-9:.]*Z$" &&
	echo "$t" | grep -q "^cloud.down|cloud|sips:$sb_cloud_ip:$kp|..*|20[0-9-]*T[0-9:.]*Z$" &&
	[ "$(got paths)" = True ]
tap_ok $? "the template webhook got link.down and cloud.down with their placeholders" || tap_diag "$t"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
