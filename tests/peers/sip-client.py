#!/usr/bin/env python3
"""sip-client.py: a small SIP UDP client for hostile-input tests (digest with MD5 or SHA-256,
replays of a captured request, floods). One command per run; prints one result line.

  register HOST PORT USER PASS [--alg A] [--expires E] [--contact-host H] [--save F]
  invite   HOST PORT USER PASS NUMBER [--alg A] [--save F]
  replay   HOST PORT FILE          the saved request again: new Call-ID, Via branch, Contact port
  request  HOST PORT METHOD [--to USER]   prints the status and the headers asked for by --show
  flood    HOST PORT COUNT         COUNT OPTIONS as fast as possible; prints STATUS:HOW-MANY ...
  guess    HOST PORT USER COUNT    COUNT REGISTERs with wrong passwords; prints the statuses seen
Common: --bind ADDR (source address, default 127.0.0.1), --timeout S (default 2).
"""
import argparse
import hashlib
import random
import re
import socket
import sys
import time


def br(host):
    """a host as it goes into a SIP URI or Via: an IPv6 address in brackets"""
    return "[%s]" % host if ":" in host else host


def rid(n=10):
    return "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


class Client:
    def __init__(self, host, port, bind, timeout):
        self.dst = (host, port)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_DGRAM)
        self.s.bind((bind, 0))
        self.s.settimeout(timeout)
        self.ip, self.port = self.s.getsockname()[:2]
        self.cseq = 1

    def build(self, method, ruri, user, extra=(), contact_host=None, call_id=None, to=None):
        to = to or user
        lines = [
            "%s %s SIP/2.0" % (method, ruri),
            "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK%s;rport" % (br(self.ip), self.port, rid()),
            "Max-Forwards: 70",
            "From: <sip:%s@%s>;tag=%s" % (user, br(self.dst[0]), rid(6)),
            "To: <sip:%s@%s>" % (to, br(self.dst[0])),
            "Call-ID: %s" % (call_id or rid(16)),
            "CSeq: %d %s" % (self.cseq, method),
            "Contact: <sip:%s@%s:%d>" % (user, br(contact_host or self.ip), self.port),
            "User-Agent: sip-client-test",
        ] + list(extra)
        self.cseq += 1
        body = ""
        if method == "INVITE":
            v = "IP6" if ":" in self.ip else "IP4"
            body = ("v=0\r\no=- 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
                    "m=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n" % (v, self.ip, v, self.ip))
            lines.append("Content-Type: application/sdp")
        lines.append("Content-Length: %d" % len(body))
        return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()

    def send(self, data):
        self.s.sendto(data, self.dst)

    def recv_final(self):
        """the first final response (provisional ones skipped), or None on timeout"""
        while True:
            try:
                data, _ = self.s.recvfrom(65535)
            except socket.timeout:
                return None
            text = data.decode(errors="replace")
            m = re.match(r"SIP/2.0 (\d+)", text)
            if m and int(m.group(1)) >= 200:
                return text

    def ack(self, req, resp):
        """ACK a final answer to an INVITE (same branch, To tag of the answer)"""
        r = req.decode()
        via = re.search(r"^Via: .*$", r, re.M).group(0)
        to = re.search(r"^To: .*$", resp, re.M | re.I).group(0)
        frm = re.search(r"^From: .*$", r, re.M).group(0)
        cid = re.search(r"^Call-ID: .*$", r, re.M).group(0)
        ruri = r.split(" ")[1]
        n = re.search(r"^CSeq: (\d+)", r, re.M).group(1)
        self.send(("ACK %s SIP/2.0\r\n%s\r\nMax-Forwards: 70\r\n%s\r\n%s\r\n%s\r\nCSeq: %s ACK\r\n"
                   "Content-Length: 0\r\n\r\n" % (ruri, via, frm, to, cid, n)).encode())


def status(resp):
    return int(resp.split(" ")[1]) if resp else 0


def header_all(resp, name):
    return [m.group(1).strip() for m in re.finditer(r"^%s:(.*)$" % name, resp or "", re.M | re.I)]


def param(ch, name):
    m = re.search(r'%s="?([^",]*)"?' % name, ch)
    return m.group(1) if m else None


def digest(challenges, alg, user, password, method, uri, nc=1, header="Authorization"):
    ch = next((c for c in challenges if (param(c, "algorithm") or "MD5").upper() == alg.upper()), None)
    if ch is None:
        raise SystemExit("no %s challenge in %r" % (alg, challenges))
    h = (lambda s: hashlib.sha256(s.encode()).hexdigest()) if alg.upper() == "SHA-256" else \
        (lambda s: hashlib.md5(s.encode()).hexdigest())
    realm, nonce, cnonce, ncs = param(ch, "realm"), param(ch, "nonce"), rid(8), "%08x" % nc
    resp = h("%s:%s:%s:%s:auth:%s" % (h("%s:%s:%s" % (user, realm, password)), nonce, ncs, cnonce,
                                       h("%s:%s" % (method, uri))))
    return ('%s: Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", '
            'algorithm=%s, cnonce="%s", nc=%s, qop=auth'
            % (header, user, realm, nonce, uri, resp, alg, cnonce, ncs))


def authed(c, a, method, ruri, to=None, extra=()):
    """method once, then again answering its 401/407; returns (final response, sent request)"""
    req = c.build(method, ruri, a.user, extra, getattr(a, "contact_host", None), to=to)
    c.send(req)
    r = c.recv_final()
    code = status(r)
    if code not in (401, 407):
        return r, req
    if method == "INVITE":
        c.ack(req, r)
    chs = header_all(r, "WWW-Authenticate" if code == 401 else "Proxy-Authenticate")
    hdr = digest(chs, a.alg, a.user, a.password, method, ruri,
                 header="Authorization" if code == 401 else "Proxy-Authorization")
    req = c.build(method, ruri, a.user, list(extra) + [hdr], getattr(a, "contact_host", None), to=to)
    c.send(req)
    r = c.recv_final()
    if method == "INVITE" and r:
        c.ack(req, r)
    return r, req


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd")
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("args", nargs="*")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--timeout", type=float, default=2.0)
    p.add_argument("--alg", default="SHA-256")
    p.add_argument("--expires", default="60")
    p.add_argument("--contact-host")
    p.add_argument("--save")
    p.add_argument("--to")
    p.add_argument("--show", action="append", default=[])
    a = p.parse_args()
    c = Client(a.host, a.port, a.bind, a.timeout)
    ruri = "sip:%s:%d" % (br(a.host), a.port)
    if a.cmd in ("register", "invite"):
        a.user, a.password = a.args[0], a.args[1]
        if a.cmd == "register":
            r, req = authed(c, a, "REGISTER", ruri, extra=["Expires: %s" % a.expires])
        else:
            r, req = authed(c, a, "INVITE", "sip:%s@%s:%d" % (a.args[2], br(a.host), a.port))
        if a.save:
            open(a.save, "wb").write(req)
        print(status(r), *[h for s in a.show for h in header_all(r, s)], sep="\n" if a.show else "")
    elif a.cmd == "replay":
        req = open(a.args[0], "rb").read().decode()
        req = re.sub(r"^Call-ID: .*$", "Call-ID: %s" % rid(16), req, flags=re.M)
        req = re.sub(r"branch=z9hG4bK[^;\r]*", "branch=z9hG4bK" + rid(), req)
        req = re.sub(r"^(Via: SIP/2.0/UDP )[^;]*", r"\g<1>%s:%d" % (br(c.ip), c.port), req, flags=re.M)
        req = re.sub(r"^(Contact: <sip:[^@]*@)[^>]*", r"\g<1>%s:%d" % (br(c.ip), c.port), req, flags=re.M)
        c.send(req.encode())
        r = c.recv_final()
        if r and req.startswith("INVITE"):
            c.ack(req.encode(), r)
        print(status(r))
    elif a.cmd == "request":
        c.send(c.build(a.args[0], ruri if not a.to else "sip:%s@%s:%d" % (a.to, br(a.host), a.port),
                       "probe", to=a.to))
        r = c.recv_final()
        print(status(r), *[h for s in a.show for h in header_all(r, s)], sep="\n")
    elif a.cmd == "flood":
        n, got = int(a.args[0]), {}
        for _ in range(n):
            c.send(c.build("OPTIONS", ruri, "flood"))
        c.s.settimeout(a.timeout)
        while True:
            try:
                code = status(c.s.recvfrom(65535)[0].decode(errors="replace"))
                got[code] = got.get(code, 0) + 1
            except socket.timeout:
                break
        print(" ".join("%d:%d" % kv for kv in sorted(got.items())))
    elif a.cmd == "guess":
        a.user, n, seen = a.args[0], int(a.args[1]), []
        for i in range(n):
            a.password = "guess-%d" % i
            r, _ = authed(c, a, "REGISTER", ruri, extra=["Expires: 60"])
            seen.append(status(r))
        print(" ".join(map(str, seen)))
    else:
        sys.exit("unknown command " + a.cmd)


if __name__ == "__main__":
    main()
