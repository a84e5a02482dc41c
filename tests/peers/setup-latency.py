#!/usr/bin/env python3
"""setup-latency.py: call set-up time, one call at a time, over UDP (tests/bench/sip-load).

  setup-latency.py HOST PORT NUMBER COUNT [--bind ADDR] [--port P] [--timeout S]

Makes COUNT calls to NUMBER at HOST:PORT one after another: INVITE with an A-law offer, the time
from sending it to reading its 200 (provisional answers ignored), then ACK and BYE along the
route the 200 set (Contact, Record-Route reversed), and the BYE's answer awaited. sipp's own
response times count whole milliseconds, too coarse for a 1 ms target. Prints one line:
  setup-latency: N calls, min A ms, p50 B ms, p90 C ms, max D ms, failed F
"""
import argparse
import random
import re
import socket
import sys
import time


def rid(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


def headers(resp, name):
    return [m.group(1).strip() for m in
            re.finditer(r"^%s:\s*(.*)$" % re.escape(name), resp, re.I | re.M)]


def one(s, dst, number, ip, port, timeout):
    call_id, tag = rid(16) + "@" + ip, rid(8)
    sdp = ("v=0\r\no=lat 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
           "m=audio %d RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=ptime:20\r\n" % (ip, ip, port + 2))

    def req(method, ruri, cseq, to, routes=(), body=""):
        lines = ["%s %s SIP/2.0" % (method, ruri),
                 "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%s;rport" % (ip, port, rid()),
                 "From: <sip:7001@%s>;tag=%s" % (ip, tag), "To: %s" % to,
                 "Call-ID: %s" % call_id, "CSeq: %d %s" % (cseq, method),
                 "Contact: <sip:7001@%s:%d>" % (ip, port), "Max-Forwards: 70"]
        lines += ["Route: %s" % r for r in routes]
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body))
        return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()

    def final(cseq_method, deadline):
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, None
            s.settimeout(left)
            try:
                data = s.recv(65535).decode(errors="replace")
            except socket.timeout:
                return None, None
            t = time.perf_counter()
            m = re.match(r"SIP/2.0 (\d+)", data)
            cs = headers(data, "CSeq")
            ci = headers(data, "Call-ID")
            if (m and cs and cs[0].endswith(cseq_method) and ci and ci[0] == call_id
                    and int(m.group(1)) >= 200):
                return data, t

    ruri = "sip:%s@%s:%d" % (number, dst[0], dst[1])
    to = "<sip:%s@%s>" % (number, dst[0])
    t0 = time.perf_counter()
    s.sendto(req("INVITE", ruri, 1, to, body=sdp), dst)
    resp, t1 = final("INVITE", time.monotonic() + timeout)
    if resp is None or not resp.startswith("SIP/2.0 200"):
        return None
    to = headers(resp, "To")[0]
    contact = re.search(r"<([^>]+)>", headers(resp, "Contact")[0]).group(1)
    routes = []
    for rr in headers(resp, "Record-Route"):
        routes += [r.strip() for r in rr.split(",")]
    routes.reverse()
    s.sendto(req("ACK", contact, 1, to, routes), dst)
    s.sendto(req("BYE", contact, 2, to, routes), dst)
    bye, _ = final("BYE", time.monotonic() + timeout)
    return (t1 - t0) * 1000.0 if bye is not None else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("number")
    ap.add_argument("count", type=int)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", dest="lport", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=5.0)
    a = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.bind, a.lport))
    ip, port = s.getsockname()
    times, failed = [], 0
    for _ in range(a.count):
        ms = one(s, (a.host, a.port), a.number, ip, port, a.timeout)
        if ms is None:
            failed += 1
        else:
            times.append(ms)
    times.sort()
    if not times:
        print("setup-latency: 0 calls, failed %d" % failed)
        return 1
    pick = lambda q: times[min(len(times) - 1, int(len(times) * q))]
    print("setup-latency: %d calls, min %.2f ms, p50 %.2f ms, p90 %.2f ms, max %.2f ms, failed %d"
          % (len(times), times[0], pick(0.5), pick(0.9), times[-1], failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
