# station.sh: baresip as a SIP station of the daemon (registered to its registrar with digest) or
# as the intercom server at the far end of a link card, limited to one codec, auto-answer;
# driven over its own ctrl_tcp port. Each instance has its own home and log. What it received:
#   RFC 4733 events    "received event: 'D' (end=0)" lines in $sb_tmp/st-NAME.log
#   audio (in band)    $sb_tmp/st-NAME/snd/*-dec.wav, digits found by sb_station_tones
# Needs tests/lib/sip.sh and tests/lib/cloud.sh (sb_free_port, sb_poll, sb_baresip).

# sb_station_start NAME CODEC ACCOUNT: start baresip NAME with CODEC ("G722/16000",
# "PCMA/8000", "opus/48000/2") and account line ACCOUNT (its address and registration);
# the pid goes in st_pid_NAME, the control port in st_ctrl_NAME, the SIP port in st_port_NAME.
# What it sends: a 600 Hz sine, or what st_source names ("aufile,FILE.wav": a recording, e.g.
# digits as tones; 48 kHz stereo as ausrc_srate/ausrc_channels say)
sb_station_start() {
	_d=$sb_tmp/st-$1
	_sp=$(sb_free_port)
	_sc=$(sb_free_port)
	mkdir -p "$_d/snd"
	cat >"$_d/config" <<CONF
poll_method		epoll
sip_listen		127.0.0.1:$_sp
net_interface		127.0.0.1
audio_player		aubridge,spk
audio_source		${st_source:-ausine,600}
audio_alert		aubridge,spk
ausrc_srate		48000
ausrc_channels		2
rtcp_mux		no
module_path		/usr/lib/baresip/modules
module			g722.so
module			g711.so
module			opus.so
module			ausine.so
module			aufile.so
module			aubridge.so
module			sndfile.so
module			ctrl_tcp.so
module_app		account.so
module_app		menu.so
snd_path		$_d/snd
ctrl_tcp_listen		127.0.0.1:$_sc
CONF
	echo "$3;answermode=auto;audio_codecs=$2" >"$_d/accounts"
	baresip -f "$_d" -v </dev/null >"$sb_tmp/st-$1.log" 2>&1 &
	eval "st_pid_$1=$! st_ctrl_$1=$_sc st_port_$1=$_sp"
	sb_station_pids="$sb_station_pids $!"
}
sb_station_pids=

# sb_station NAME COMMAND [PARAMS]: one ctrl_tcp command to station NAME
sb_station() {
	_keep=$bs_ctrl
	eval "bs_ctrl=\$st_ctrl_$1"
	shift
	bs_host=127.0.0.1 # stations run here, not in the cloud's namespace
	sb_baresip "$@"
	_rc=$?
	bs_host=
	bs_ctrl=$_keep
	return $_rc
}

# sb_station_events NAME DIGIT: how many RFC 4733 events for DIGIT station NAME received
sb_station_events() { grep -c "received event: '$2' (end=0)" "$sb_tmp/st-$1.log"; }

# sb_station_tones NAME: the DTMF digits in the audio station NAME decoded (every *-dec.wav,
# oldest first), found by Goertzel filters over 20 ms frames: a digit counts once per tone of
# 40 ms or more
sb_station_tones() {
	python3 - "$sb_tmp/st-$1/snd" <<'PY'
import glob, math, os, struct, sys, wave
low, high = (697, 770, 852, 941), (1209, 1336, 1477, 1633)
keys = ("123A", "456B", "789C", "*0#D")
def power(x, f, rate):
    c = 2 * math.cos(2 * math.pi * f / rate); s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + c * s1 - s2, s1
    return s1 * s1 + s2 * s2 - c * s1 * s2
out = ""
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*-dec.wav")), key=os.path.getmtime):
    w = wave.open(path)
    rate, ch, n = w.getframerate(), w.getnchannels(), w.getnframes()
    pcm = struct.unpack("<%dh" % (n * ch), w.readframes(n))[::ch]
    frame, cand, run, last, gap = rate // 50, None, 0, None, 0
    for i in range(0, len(pcm) - frame, frame):
        x = pcm[i:i + frame]
        total = sum(v * v for v in x) * len(x) / 2 or 1
        lo = [power(x, f, rate) for f in low]
        hi = [power(x, f, rate) for f in high]
        r, c = lo.index(max(lo)), hi.index(max(hi))
        # both tones strong, and together most of the frame's energy
        k = keys[r][c] if (lo[r] + hi[c]) / total > 0.6 and min(lo[r], hi[c]) / total > 0.1 else None
        # a digit: two frames running (40 ms); the same digit again only after a gap of 40 ms
        run = run + 1 if k == cand else 1
        cand = k
        gap = gap + 1 if k is None else 0
        if gap >= 2:
            last = None
        if k and run == 2 and k != last:
            out += k
            last = k
print(out)
PY
}

# sb_station_stop NAME
sb_station_stop() {
	eval "_p=\${st_pid_$1:-}"
	[ -n "$_p" ] || return 0
	kill -TERM "$_p" 2>/dev/null
	_i=0
	while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -KILL "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	eval "st_pid_$1="
}
