#!/bin/sh
# 085-media-baresip.sh: interop of the media engine with baresip (Debian baresip-core): a call
# with G.722 over SDES SRTP; audio checked both ways by analysing what each side decoded (the
# engine's A-law side hears baresip's 1 kHz sine, baresip's recording holds our 440 Hz tone).
. "$top_srcdir/tests/lib/tap.sh"

if ! command -v baresip >/dev/null 2>&1; then
	echo "1..0 # SKIP baresip not installed (Debian package baresip-core)"
	exit 0
fi
tap_plan 6

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sbbaresip.XXXXXX")
bs_pid=
cleanup() {
	if [ -n "$bs_pid" ] && kill -0 "$bs_pid" 2>/dev/null; then
		kill -KILL "$bs_pid" 2>/dev/null
		wait "$bs_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# ports of our own: SIP (and libre's TLS listener on the next one), and the engine's RTP range
sip=$(python3 "$top_srcdir/tests/lib/portrange.py" 2 $$)
rtp=$(python3 "$top_srcdir/tests/lib/portrange.py" 8 $$)
mkdir -p "$tmp/home" "$tmp/snd"
cat > "$tmp/home/config" <<CONF
poll_method		epoll
sip_listen		127.0.0.1:$sip
net_interface		127.0.0.1
audio_player		aubridge,spk
audio_source		ausine,1000
audio_alert		aubridge,spk
ausrc_srate		48000
ausrc_channels		2
module_path		/usr/lib/baresip/modules
module			g722.so
module			srtp.so
module			ausine.so
module			aubridge.so
module			sndfile.so
module_app		account.so
module_app		menu.so
snd_path		$tmp/snd
CONF
echo '<sip:uas@127.0.0.1>;regint=0;answermode=auto;mediaenc=srtp-mand;audio_codecs=G722/16000' \
	> "$tmp/home/accounts"

baresip -f "$tmp/home" -v </dev/null >"$tmp/baresip.log" 2>&1 &
bs_pid=$!
# ready once its SIP socket is bound (bounded poll)
i=0
while [ $i -lt 200 ] && ! ss -Hlun "sport = :$sip" | grep -q .; do
	kill -0 "$bs_pid" 2>/dev/null || break
	sleep 0.05
	i=$((i + 1))
done
ss -Hlun "sport = :$sip" | grep -q .
tap_ok $? "baresip listens on 127.0.0.1:$sip" || tap_diag "$(tail -5 "$tmp/baresip.log")"

out=$("$top_builddir/tests/peers/media-sip-call" "$sip" "$rtp" 3 2>"$tmp/call.err")
get() { printf '%s\n' "$out" | sed -n "s/^$1=//p" | head -1; }

printf '%s\n' "$out" | grep -q '^answer=127.0.0.1:[0-9]* RTP/SAVP codec=G722 suite=AES_CM_128_HMAC_SHA1_'
tap_ok $? "baresip answers the SRTP G.722 offer ($(get invite_status), $(get answer))" ||
	tap_diag "$out" "$(cat "$tmp/call.err")"

# the first packets can precede the answer's key reaching the worker: a few may fail
rx=$(get uas_rx_packets | cut -d' ' -f1)
af=$(get uas_rx_packets | sed -n 's/.*auth_fail=\([0-9]*\).*/\1/p')
[ "${rx:-0}" -ge 140 ] && [ "${af:-99}" -le 5 ]
tap_ok $? "the engine authenticates baresip's SRTP ($rx packets, $af before the key was set)"

ratio=$(get heard_1000hz_ratio)
python3 -c "import sys; sys.exit(0 if float('${ratio:-0}') >= 0.9 else 1)"
tap_ok $? "baresip's 1 kHz arrives as A-law (1 kHz is $ratio of the energy)"

[ "$(get bye_status)" = 200 ]
tap_ok $? "BYE answered 200"

# baresip's recording of what it decoded from us: the 440 Hz tone
res=$(python3 - "$tmp"/snd/*-dec.wav <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1])
r, ch, n = w.getframerate(), w.getnchannels(), w.getnframes()
x = struct.unpack('<%dh' % (n * ch), w.readframes(n))[::ch][r // 2:]
c = 2 * math.cos(2 * math.pi * 440 / r)
s1 = s2 = e = 0.0
for v in x:
    s1, s2 = v + c * s1 - s2, s1
    e += v * v
p = 2 * (s1 * s1 + s2 * s2 - c * s1 * s2) / len(x) if x else 0
print("%.3f %.1f" % (p / e if e else 0, n / r))
PY
)
set -- $res
python3 -c "import sys; sys.exit(0 if float('${1:-0}') >= 0.9 and float('${2:-0}') >= 2 else 1)"
tap_ok $? "baresip decoded our 440 Hz from SRTP G.722 (ratio ${1:-?}, ${2:-?} s recorded)"

kill -TERM "$bs_pid"
wait "$bs_pid" 2>/dev/null
bs_pid=
tap_done
