#!/usr/bin/env python3
"""sip-torture.py PORT: a handful of RFC 4475 torture messages (section in the name) sent over UDP
to 127.0.0.1:PORT, each from a socket of its own; prints "NAME STATUS" per message (0: no answer
in 1.5 s), the first answer only (a 100 Trying counts)."""
import random
import socket
import sys

port = int(sys.argv[1])
base = ("%s %s SIP/2.0\nVia: SIP/2.0/UDP @ME@;branch=z9hG4bK%d\nMax-Forwards: %s\n"
        "From: <sip:a@127.0.0.1>;tag=1\nTo: <sip:d1@127.0.0.1>\nCall-ID: %d@torture\n"
        "CSeq: 1 %s\nContact: <sip:d1@@ME@>\n%sContent-Length: %d\n\n%s")


def msg(method, extra="", body="", ruri="sip:127.0.0.1:@P@", mf="70"):
    r = random.randint(1, 10 ** 9)
    return base % (method, ruri, r, mf, r, method, extra, len(body), body)


def send(name, text):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(1.5)
    me = "127.0.0.1:%d" % s.getsockname()[1]
    t = text.replace("@P@", str(port)).replace("@ME@", me).replace("\n", "\r\n")
    s.sendto(t.encode(), ("127.0.0.1", port))
    try:
        print(name, s.recv(65535).decode(errors="replace").split(" ")[1])
    except socket.timeout:
        print(name, 0)


send("3.3.4-unknown-auth-scheme",
     msg("REGISTER", "Authorization: NoOneKnowsThisScheme opaque-data=here\n"))
send("3.1.1.x-unknown-method", msg("NEWMETHOD"))
send("3.3.8-max-forwards-0", msg("OPTIONS", mf="0"))
send("3.3.14-unknown-require", msg("INVITE", "Require: nothingSupportsThis\n",
                                   ruri="sip:400@127.0.0.1:@P@"))
send("3.3.2-unknown-scheme", msg("OPTIONS", ruri="soap.beep://192.0.2.103:3002"))
send("3.3.1-no-call-id", msg("OPTIONS").replace("Call-ID", "X-Call-ID"))
send("3.3.6-two-content-length", msg("OPTIONS", "Content-Length: 5\n"))
