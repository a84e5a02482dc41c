#!/bin/sh
# 070-cdr-report.sh: the VoIP report of real calls, as the media engine measured it, against what
# the peers sent and received. A sipp station with tests/peers/rtp-peer.py as its media calls the
# cloud (kamailio + baresip: G.722 over SRTP, so transcoding) three times: clean, with 5 % of its
# packets left out by the peer, and with forged packets far ahead in sequence from the peer's own
# address; then a local call to a second station (A-law both sides, no transcoding). Checked per
# leg: kind, codec, SRTP, transcoded, direction; packets within 2 % of the peers' counts; loss 0
# and MOS >= 4.0 on the clean path, about 5 % and a lower MOS with loss, no loss made up by the
# forged jumps (RFC 3550 A.1); then export and stats carry the same figures.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/sip.sh"
. "$top_srcdir/tests/lib/cloud.sh"
sb_need_peers kamailio openssl sipp baresip
tap_plan 17

pids=
cleanup070() { sb_baresip_stop; for p in $pids; do kill "$p" 2>/dev/null; done; sb_sip_cleanup; }
trap cleanup070 EXIT

sip_port=$(sb_free_port)
sb_cloud_up cloudy

sb_port_range rtp
sb_license_calls 4 1
sb_conf c.conf <<CONF
$lic_conf
system: { name = "t070"; rtp_ports = [ $rtp, $((rtp + 98)) ]; max_call_seconds = 60; };
media: { workers = 1; };
sip: { $sb_sip_md5 listen = [ "udp:127.0.0.1:$sip_port" ]; keepalive_interval = 5; };
stations = ( { user = "door"; password = "door-secret-070"; },
             { user = "desk"; password = "desk-secret-070"; } );
$(sb_cloud_section)
cards = ( { slot = 1; type = "sym-bridge"; name = "bridge"; channels = (
  { number = "100"; target = "cloud:cloudy"; },
  { number = "300"; target = "station:desk"; } ); } );
CONF
sb_start c.conf && ctl license install "$lic_file" >/dev/null
sb_poll 15 sb_cloud_registered
tap_ok $? "daemon up, channel 100 registered in the cloud" || tap_diag "$(ctl show cloud)"

ncalls() { ctl --json show calls | json_get 'len(j["rows"])'; }
idle() { [ "$(ncalls)" = 0 ]; }
last_id() { ctl --json cdr list --limit 1 | json_get 'j["rows"][0]["id"] if j["rows"] else ""'; }

# door_call NAME NUMBER HOLD_MS [SIPLOG]: sipp as station door calls NUMBER and hangs up after
# HOLD_MS; its media is rtp-peer.py (environment RTP_* passed on), lingering to count all it gets
door_call() {
	mp=$(sb_free_port)
	sed -e "s/@USER@/door/g; s/@NUMBER@/$2/g; s/@MPORT@/$mp/g; s/@HOLD@/$3/g" \
		-e "/<!--BYE-WAITING-->/,/<!--\/BYE-/d" \
		"$top_srcdir/tests/peers/sipp/station-call.xml" >"$sb_tmp/$1.xml"
	RTP_LINGER=1 python3 -W ignore "$top_srcdir/tests/peers/rtp-peer.py" "$mp" \
		"$(( $3 / 1000 - 2 ))" 440 20 ${4:+"$sb_tmp/$1.log"} >"$sb_tmp/$1.json" 2>"$sb_tmp/$1.err" &
	rp_pid=$!
	pids="$pids $rp_pid"
	(cd "$sb_tmp" && exec timeout 60 sipp -sf "$1.xml" -i 127.0.0.1 -p "$(sb_free_port)" \
		-m 1 -au door -ap door-secret-070 -timeout 40s -timeout_error -nostdin \
		-trace_msg -message_file "$1.log" "127.0.0.1:$sip_port" >"$1.out" 2>&1)
	st=$?
	wait "$rp_pid"
	return $st
}

# check NAME PYTHON: the record of the last call (r: cdr show --json item, p: door's peer,
# d: desk's peer when there is one) must satisfy the asserts in PYTHON
check() {
	sb_poll 10 idle
	id=$(last_id)
	ctl --json cdr show "$id" >"$sb_tmp/$1.rec"
	python3 - "$sb_tmp/$1.rec" "$sb_tmp/$1.json" "$sb_tmp/desk-peer.json" "$2" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))["item"]
p = json.load(open(sys.argv[2]))
d = json.load(open(sys.argv[3])) if os.path.exists(sys.argv[3]) else {}
near = lambda a, b: abs(a - b) <= max(2, 0.02 * b)
exec(sys.argv[4])
PY
}
diag() { tap_diag "$(cat "$sb_tmp/$1.rec")" "$(cat "$sb_tmp/$1.json")"; }

# 1. clean: the station's A-law against baresip's G.722 over SRTP
door_call clean 100 7000
tap_ok $? "door calls the cloud (100) and hangs up after 7 s" || tap_diag "$(tail -20 "$sb_tmp/clean.out")"
check clean '
assert r["direction"] == "to-cloud" and r["reason"] == "normal", r
assert r["a_kind"] == "station" and r["a_endpoint"] == "station door", r
assert r["a_codec"] == "PCMA" and r["a_srtp"] is False and r["a_transcoded"] is True, r
assert r["b_kind"] == "cloud" and r["b_endpoint"] == "1/1", r
assert r["b_codec"] == "G722" and r["b_srtp"] is True and r["b_transcoded"] is True, r'
tap_ok $? "to-cloud record: station A-law without SRTP, cloud G.722 with SRTP, both transcoded" || diag clean
check clean '
assert p["tx"] > 200 and near(r["a_packets_received"], p["tx"]), (r["a_packets_received"], p["tx"])
assert near(r["a_packets_sent"], p["rx"]), (r["a_packets_sent"], p["rx"])
assert r["a_packets_lost"] == 0 and float(r["a_mos"]) >= 4.0, r'
tap_ok $? "station leg: packets within 2 % of what its peer sent and got, lost 0, MOS >= 4.0" || diag clean
check clean '
assert r["b_packets_received"] > 200 and r["b_packets_sent"] > 200, r
assert near(r["b_packets_sent"], r["a_packets_received"]), r
assert r["b_packets_lost"] == 0 and float(r["b_mos"]) >= 4.0, r'
tap_ok $? "cloud leg: baresip's packets received without loss, MOS >= 4.0; sent what the station sent" || diag clean
clean_mos=$(json_get 'j["item"]["a_mos"]' <"$sb_tmp/clean.rec")
export CLEAN="$clean_mos"

# 2. the station's peer leaves out every 20th packet
export RTP_DROP_EVERY=20
door_call lossy 100 7000
tap_ok $? "a second call, whose station peer drops 5 % of its packets"
check lossy '
exp = p["tx"] + p["dropped"]
assert near(r["a_packets_received"], p["tx"]), (r["a_packets_received"], p)
loss = r["a_packets_lost"] / (r["a_packets_received"] + r["a_packets_lost"])
assert 0.04 <= loss <= 0.06, (loss, r["a_packets_lost"], p)
assert abs(r["a_packets_lost"] - p["dropped"]) <= 2, (r["a_packets_lost"], p)
assert float(r["a_mos"]) < 4.0 and float(r["a_mos"]) < float(os.environ["CLEAN"]), r["a_mos"]'
tap_ok $? "lost $(json_get 'j["item"]["a_packets_lost"]' <"$sb_tmp/lossy.rec") of $(json_get 'j["tx"] + j["dropped"]' <"$sb_tmp/lossy.json") (5 %), MOS $(json_get 'j["item"]["a_mos"]' <"$sb_tmp/lossy.rec") below the clean call's $clean_mos" || diag lossy

# 3. forged packets thousands ahead in sequence, from the peer's own address
unset RTP_DROP_EVERY
export RTP_FORGE_EVERY=10
door_call forged 100 7000
tap_ok $? "a third call, whose station peer also sends a forged far-ahead packet every 10th"
check forged '
assert p["forged"] > 20, p
assert r["a_packets_lost"] <= 1, (r["a_packets_lost"], p)
assert r["a_packets_received"] >= p["tx"] - 2, (r["a_packets_received"], p)'
tap_ok $? "$(json_get 'j["forged"]' <"$sb_tmp/forged.json") forged jumps: lost stays $(json_get 'j["item"]["a_packets_lost"]' <"$sb_tmp/forged.rec") (RFC 3550 A.1)" || diag forged

unset RTP_FORGE_EVERY

# 4. local: door calls 300, whose target is station desk (A-law both sides)
dp=$(sb_free_port)
dmp=$(sb_free_port)
sed "s/@EARLY@/180 Ringing/; s/@DELAY@/300/; s/@MPORT@/$dmp/g" \
	"$top_srcdir/tests/peers/sipp/station-answer.xml" >"$sb_tmp/desk.xml"
(cd "$sb_tmp" && exec timeout 60 sipp -sf desk.xml -i 127.0.0.1 -p "$dp" -m 1 -nostdin \
	-timeout 40s -timeout_error -trace_msg -message_file desk.log >desk.out 2>&1) &
desk_pid=$!
pids="$pids $desk_pid"
sed "s/\[local_ip\]:\[local_port\];transport=\[transport\]>/127.0.0.1:$dp;transport=udp>/; s/@USER@/desk/g; s/@EXPIRES@/300/; s/@WANT@/200/" \
	"$top_srcdir/tests/peers/sipp/register.xml" >"$sb_tmp/reg-desk.xml"
(cd "$sb_tmp" && timeout 30 sipp -sf reg-desk.xml -i 127.0.0.1 -p "$(sb_free_port)" -m 1 \
	-au desk -ap desk-secret-070 -timeout 10s -timeout_error -nostdin \
	"127.0.0.1:$sip_port" >reg-desk.out 2>&1)
RTP_LINGER=1 python3 -W ignore "$top_srcdir/tests/peers/rtp-peer.py" "$dmp" 5 1000 30 \
	>"$sb_tmp/desk-peer.json" 2>"$sb_tmp/desk-peer.err" &
dpeer=$!
pids="$pids $dpeer"
door_call local 300 7000 siplog
st=$?
wait "$desk_pid" && wait "$dpeer"
[ $st -eq 0 ] && [ $? -eq 0 ]
tap_ok $? "desk registered; door calls it through 300, desk answers and gets the BYE" ||
	tap_diag "$(tail -12 "$sb_tmp/desk.out")" "$(tail -12 "$sb_tmp/local.out")"
check local '
assert r["direction"] == "local", r
assert r["a_kind"] == "station" and r["b_kind"] == "station" and r["b_endpoint"] == "station desk", r
for s in "ab":
    assert r[s + "_codec"] == "PCMA" and r[s + "_srtp"] is False and r[s + "_transcoded"] is False, r'
tap_ok $? "local record: two stations, A-law, no SRTP, not transcoded" || diag local
check local '
assert near(r["a_packets_received"], p["tx"]) and near(r["a_packets_sent"], p["rx"]), (r, p)
assert near(r["b_packets_received"], d["tx"]) and near(r["b_packets_sent"], d["rx"]), (r, d)
assert r["a_packets_lost"] == 0 and r["b_packets_lost"] == 0, r
assert float(r["a_mos"]) >= 4.0 and float(r["b_mos"]) >= 4.0, r'
tap_ok $? "both legs: packets within 2 % of both peers' counts, lost 0, MOS >= 4.0" ||
	{ diag local; tap_diag "$(cat "$sb_tmp/desk-peer.json")"; }

# the same figures in the export and the statistics
ctl cdr export --csv >"$sb_tmp/all.csv"
python3 - "$sb_tmp/all.csv" "$sb_tmp/lossy.rec" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
rec = json.load(open(sys.argv[2]))["item"]
assert len(rows) == 4, len(rows)
row = [r for r in rows if r["id"] == rec["id"]][0]
for k in ("a_packets_received", "a_packets_lost", "b_packets_sent"):
    assert int(row[k]) == rec[k], (k, row[k], rec[k])
assert row["a_mos"] == rec["a_mos"] and row["b_srtp"] == "yes" and row["b_kind"] == "cloud", row
assert row["direction"] == "to-cloud" and row["a_jitter_max_ms"] == rec["a_jitter_max_ms"], row
PY
tap_ok $? "cdr export --csv carries the same report"
ctl --json cdr stats >"$sb_tmp/stats.json"
python3 - "$sb_tmp/stats.json" "$sb_tmp/lossy.rec" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
lossy = json.load(open(sys.argv[2]))["item"]
by = {(r["card"] or r["direction"]): r for r in rows}
assert by["to-cloud"]["calls"] == 3 and by["local"]["calls"] == 1 and by["all"]["calls"] == 4, by
worst = min(float(lossy["a_mos"]), float(lossy["b_mos"]))
assert float(by["to-cloud"]["worst_mos"]) == worst, (by["to-cloud"], worst)
assert float(by["local"]["mean_mos"]) >= 4.0, by["local"]
assert float(by["to-cloud"]["mean_mos"]) > worst, by["to-cloud"]
assert by["1"]["calls"] == 3 and by["stations"]["calls"] == 4, by  # the local call has no card leg
PY
tap_ok $? "cdr stats: mean and worst MOS per card and per direction" || tap_diag "$(ctl cdr stats)"
[ "$(ctl --json show status | json_get 'j["item"]["store"]')" = ok ]
tap_ok $? "show status: store ok"

sb_stop
tap_ok $? "daemon exits 0"
tap_done
