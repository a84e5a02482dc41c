#!/bin/sh
# 074-cdr-isdn-frames.sh: the VoIP report of B-channel legs counts 20 ms frames, true to what the
# libpri peers sent and received (within 2 %): an ISDN -> ISDN call through two E1 spans, a tone
# each way in real time, then 40 datagrams of 40 ms (320 bytes) from the caller that the media
# worker cuts into 80 frames; the record's packets received and sent on each leg are compared
# with the frames each peer sent and counted on its B-channel socket.
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/daemon.sh"
. "$top_srcdir/tests/lib/isdn.sh"
tap_plan 6

isdn_pair_conf
sb_start c.conf && isdn_license_install
tap_ok $? "daemon starts"
isdn_pair_peers --audio
tap_ok $? "both spans up"
# answered by command once it rang (auto-answer could be read after the SETUP on a busy machine)
peer a call 100 4930
peer_wait b '^ring 1 ' 1 20 && peer b answer 1 && peer_wait a '^answer 1' 1 20 &&
	wait_ctl "len(j['rows']) == 1 and j['rows'][0]['state'] == 'up'" show calls
tap_ok $? "the call is up" || exit 1

A_TONE=250 B_TONE=150 BURST=40
peer a tone 1 $A_TONE 440
peer b tone 1 $B_TONE 1000
peer_wait a '^tone-sent 1 ' 1 30 && peer_wait b '^tone-sent 1 ' 1 30
a_sent=$(peer_last a '^tone-sent 1 ' | cut -d' ' -f3)
b_sent=$(peer_last b '^tone-sent 1 ' | cut -d' ' -f3)
# 40 ms datagrams: two frames each
peer a audio 1 $BURST 0xd5 320
peer_wait a '^audio-sent 1 '
burst=$(peer_last a '^audio-sent 1 ' | cut -d' ' -f3)
a_frames=$((a_sent + 2 * burst))
[ "$a_sent" = $A_TONE ] && [ "$b_sent" = $B_TONE ] && [ "$burst" = $BURST ]
tap_ok $? "the caller sent $a_sent frames of tone and $burst datagrams of 40 ms, the called side $b_sent frames" ||
	tap_diag "a $a_sent b $b_sent burst $burst"

# what each peer counted on its B-channel, once the other's frames came (bounded: 10 s)
received() { # NAME: frames counted since the socket connected
	_c=$(grep -c '^received 1 ' "$sb_tmp/$1.out")
	peer "$1" received 1
	peer_wait "$1" '^received 1 ' $((_c + 1)) >/dev/null
	peer_last "$1" '^received 1 ' | cut -d' ' -f4
}
i=0
while [ $i -lt 100 ]; do
	a_rx=$(received a) b_rx=$(received b)
	[ "${a_rx:-0}" -ge "$b_sent" ] && [ "${b_rx:-0}" -ge "$a_frames" ] && break
	sleep 0.1
	i=$((i + 1))
done
tap_diag "the caller's peer counted $a_rx frames, the called peer $b_rx ($a_frames sent to it)"
peer a hangup 1 16
peer_wait b '^hangup 1 cause 16' && wait_ctl 'len(j["rows"]) == 0' show calls

rec=$(ctl --json cdr show "$(ctl --json cdr list | json_get "j['rows'][0]['id']")")
echo "$rec" >"$sb_tmp/rec.json"
A_FRAMES=$a_frames B_SENT=$b_sent A_RX=$a_rx B_RX=$b_rx python3 - "$sb_tmp/rec.json" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))["item"]
e = {k: int(os.environ[k]) for k in ("A_FRAMES", "B_SENT", "A_RX", "B_RX")}
def near(got, want):
    return want > 0 and abs(got - want) <= want * 0.02
checks = [("a_packets_received", e["A_FRAMES"]), ("b_packets_received", e["B_SENT"]),
          ("a_packets_sent", e["A_RX"]), ("b_packets_sent", e["B_RX"])]
bad = [(k, r[k], w) for k, w in checks if not near(r[k], w)]
assert not bad, (bad, r)
assert r["a_packets_lost"] == 0 and r["b_packets_lost"] == 0, r
assert r["a_codec"] == "PCMA" and r["b_codec"] == "PCMA" and r["direction"] == "local", r
print("# a: %d in (%d sent), %d out (%d counted); b: %d in (%d sent), %d out (%d counted)" % (
    r["a_packets_received"], e["A_FRAMES"], r["a_packets_sent"], e["A_RX"],
    r["b_packets_received"], e["B_SENT"], r["b_packets_sent"], e["B_RX"]))
PY
tap_ok $? "the record counts each leg's 20 ms frames in and out within 2 % of the peers' counts" ||
	tap_diag "$rec"
# the 40 ms datagrams were counted as two frames each: a count of reads would be $BURST short
python3 -c "
import json, sys
r = json.load(open('$sb_tmp/rec.json'))['item']
sys.exit(0 if r['a_packets_received'] > $a_sent + $BURST + ($a_frames * 2 // 100) else 1)"
tap_ok $? "a 40 ms datagram counts as two frames ($a_frames frames in $((a_sent + burst)) datagrams)"
peer_stop a
peer_stop b
