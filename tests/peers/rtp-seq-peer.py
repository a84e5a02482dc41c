#!/usr/bin/env python3
# rtp-seq-peer.py: an RTP end for the dialog tests (sipp does the signalling). Binds
# 127.0.0.1:PORT and sends a 20 ms A-law tone for SECONDS: to 127.0.0.1:DEST when given, else
# back to where the first packet came from (waiting up to 20 s for it). It sends PCMU (pt 0)
# instead once the file SWITCH exists (the test creates it after a codec change). It records what
# arrives per payload type and per SSRC, and every break in an SSRC's sequence numbers, so the
# test can tell a stream that went on through a re-INVITE from one that was restarted.
# With DIGIT (e.g. 5) it sends that digit as an RFC 4733 event (pt 101) 1 s after it starts,
# and it records the RFC 4733 digits that arrive (one per event). Prints one JSON object.
#   usage: rtp-seq-peer.py PORT SECONDS [DEST|-] [SWITCH|-] [DIGIT]
import audioop, json, math, os, socket, struct, sys, time

port, secs = int(sys.argv[1]), float(sys.argv[2])
dest = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else None
switch = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] != "-" else None
digit = sys.argv[5] if len(sys.argv) > 5 else None
DIGITS = "0123456789*#ABCD"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", port))
res = {"rx": 0, "tx": 0, "pts": {}, "ssrcs": {}, "breaks": 0, "rx_after_switch": {}, "digits": ""}
seen_events = set()
last = {}
switched = False


def take(pkt):
    if len(pkt) < 12 or pkt[0] >> 6 != 2:
        return
    pt = pkt[1] & 0x7F
    seq, ssrc = struct.unpack("!H", pkt[2:4])[0], "%08x" % struct.unpack("!I", pkt[8:12])[0]
    res["rx"] += 1
    res["pts"][str(pt)] = res["pts"].get(str(pt), 0) + 1
    res["ssrcs"][ssrc] = res["ssrcs"].get(ssrc, 0) + 1
    if switched:
        res["rx_after_switch"][str(pt)] = res["rx_after_switch"].get(str(pt), 0) + 1
    body = pkt[12 + 4 * (pkt[0] & 0x0F):]
    if pt == 101 and len(body) >= 4 and body[0] < 16:
        ts = struct.unpack("!I", pkt[4:8])[0]
        if (ssrc, ts) not in seen_events:
            seen_events.add((ssrc, ts))
            res["digits"] += DIGITS[body[0]]
    if ssrc in last and not 0 < (seq - last[ssrc]) % 65536 < 50:
        res["breaks"] += 1
    last[ssrc] = seq


peer = ("127.0.0.1", int(dest)) if dest else None
if not peer:
    s.settimeout(20)
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
    if switch and not switched and os.path.exists(switch):
        switched = True
    if digit and 50 <= n < 55:
        # 5 packets of the event (100 ms), the last three with the end bit (RFC 4733 2.5.1.4)
        k = n - 50
        end = 0x80 if k >= 2 else 0
        dur = 800 if k >= 2 else 160 * (k + 1)
        ev = struct.pack("!BBH", DIGITS.index(digit), end | 10, dur)
        s.sendto(struct.pack("!BBHII", 0x80, 101 | (0x80 if k == 0 else 0), seq & 0xFFFF, 50 * 160, ssrc) + ev, peer)
        seq += 1
    lin = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * (160 * n + i) / 8000)))
                   for i in range(160))
    pt, payload = (0, audioop.lin2ulaw(lin, 2)) if switched else (8, audioop.lin2alaw(lin, 2))
    s.sendto(struct.pack("!BBHII", 0x80, pt, seq & 0xFFFF, ts, ssrc) + payload, peer)
    res["tx"] += 1
    seq, ts, n = seq + 1, ts + 160, n + 1
res["switched"] = switched
print(json.dumps(res))
