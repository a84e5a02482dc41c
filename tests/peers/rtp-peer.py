#!/usr/bin/env python3
# rtp-peer.py: the media side of a SIP station in the call tests (sipp does the signalling).
# Binds 127.0.0.1:PORT (the port the station's SDP names), waits up to WAIT s for the first RTP
# packet, then plays a FREQ Hz A-law tone (pt 8, 20 ms) back to where it came from for SECONDS,
# while counting what arrives: packets, RFC 4733 events (pt 101) and how much of the A-law
# audio's energy is at 1 kHz (baresip's ausine). Prints one JSON object.
# With SIPLOG (a sipp -message_file), it speaks first instead: it plays toward the other side's
# media port, the first "m=audio" port in SIPLOG that is not its own, once it shows up there
# (within WAIT s) - for calls where both ends are rtp-peer.py and neither would start.
# For the call record tests, from the environment: RTP_DROP_EVERY=N leaves out every Nth packet
# it would send (its sequence number is used up: a loss of 1/N the receiver must see);
# RTP_FORGE_EVERY=N sends, after every Nth packet, one more from the same socket with a sequence
# number thousands ahead (what a forger on the peer's address could do); RTP_LINGER=1 goes on
# receiving after it stopped sending, until 1 s passes without a packet (at most 15 s), so that
# "rx" is all the other side sent. "tx" counts what it really sent (not dropped, not forged).
#   usage: rtp-peer.py PORT SECONDS [FREQ] [WAIT] [SIPLOG]
import audioop, json, math, os, socket, struct, sys, time

port, secs = int(sys.argv[1]), float(sys.argv[2])
freq = float(sys.argv[3]) if len(sys.argv) > 3 else 440.0
wait = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
s.settimeout(wait)
res = {"rx": 0, "tx": 0, "events": [], "heard_1000hz": 0.0, "pts": {}, "dropped": 0, "forged": 0}
drop_every = int(os.environ.get("RTP_DROP_EVERY", "0"))
forge_every = int(os.environ.get("RTP_FORGE_EVERY", "0"))
pcm = bytearray()


def take(pkt):
    if len(pkt) < 12 or pkt[0] >> 6 != 2:
        return
    pt = pkt[1] & 0x7F
    hdr = 12 + 4 * (pkt[0] & 0x0F)
    res["rx"] += 1
    res["pts"][str(pt)] = res["pts"].get(str(pt), 0) + 1
    body = pkt[hdr:]
    if pt == 101 and len(body) >= 4:
        ev, end = body[0], bool(body[1] & 0x80)
        ts = struct.unpack("!I", pkt[4:8])[0]
        if end and (ev, ts) not in [(e["event"], e["ts"]) for e in res["events"]]:
            res["events"].append({"event": ev, "ts": ts})
    elif pt == 8:
        pcm.extend(audioop.alaw2lin(body, 2))


peer = None
if len(sys.argv) > 5:
    import re
    end = time.monotonic() + wait
    while peer is None and time.monotonic() < end:
        try:
            ports = [int(p) for p in re.findall(r"m=audio (\d+)", open(sys.argv[5]).read())]
            theirs = [p for p in ports if p != port]
            peer = ("127.0.0.1", theirs[0]) if theirs else None
        except OSError:
            pass
        time.sleep(0.05)
    if peer is None:
        print(json.dumps(res))
        sys.exit(1)
else:
    try:
        first, peer = s.recvfrom(2048)
    except socket.timeout:
        print(json.dumps(res))
        sys.exit(1)
    take(first)
s.settimeout(0.005)
ssrc, seq, ts, n = 0x5EED, 1, 0, 0
t0 = time.monotonic()
while time.monotonic() - t0 < secs:
    due = t0 + n * 0.02
    while time.monotonic() < due:
        try:
            take(s.recvfrom(2048)[0])
        except socket.timeout:
            pass
    lin = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * (160 * n + i) / 8000)))
                   for i in range(160))
    body = audioop.lin2alaw(lin, 2)
    if drop_every and n % drop_every == drop_every - 1:
        res["dropped"] += 1
    else:
        s.sendto(struct.pack("!BBHII", 0x80, 8, seq & 0xFFFF, ts, ssrc) + body, peer)
        res["tx"] += 1
    if forge_every and n % forge_every == forge_every - 1:
        fseq = (seq + 20000 + 7 * res["forged"]) & 0xFFFF
        s.sendto(struct.pack("!BBHII", 0x80, 8, fseq, ts, ssrc) + body, peer)
        res["forged"] += 1
    seq, ts, n = seq + 1, ts + 160, n + 1
if os.environ.get("RTP_LINGER"):
    s.settimeout(1.0)
    end = time.monotonic() + 15
    while time.monotonic() < end:
        try:
            take(s.recvfrom(2048)[0])
        except socket.timeout:
            break
# how much of what we heard is baresip's 1 kHz (Goertzel over the middle of the recording)
x = struct.unpack("<%dh" % (len(pcm) // 2), bytes(pcm))[len(pcm) // 8:]
if x:
    c = 2 * math.cos(2 * math.pi * 1000 / 8000)
    s1 = s2 = e = 0.0
    for v in x:
        s1, s2 = v + c * s1 - s2, s1
        e += v * v
    res["heard_1000hz"] = round(2 * (s1 * s1 + s2 * s2 - c * s1 * s2) / len(x) / e, 3) if e else 0
print(json.dumps(res))
