#!/usr/bin/env python3
"""sip-torture.py PORT: RFC 4475 torture messages (section in the name) sent over UDP to
127.0.0.1:PORT, each from a socket of its own; prints "NAME STATUS" per message (0: no answer
in 1.5 s), the first final answer (a 100 Trying is skipped; NAME 100 if nothing else came)."""
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
    got = 0
    try:
        while True:
            code = int(s.recv(65535).decode(errors="replace").split(" ")[1])
            got = code
            if code >= 200:
                break
    except (socket.timeout, ValueError, IndexError):
        pass
    print(name, got)


send("3.3.7-unknown-auth-scheme",
     msg("REGISTER", "Authorization: NoOneKnowsThisScheme opaque-data=here\n"))
send("3.1.1.2-unknown-method", msg("!interesting-Method0123456789_*+`.%indeed'~"))
send("3.3.11-max-forwards-0", msg("OPTIONS", mf="0"))
send("3.3.5-unknown-require", msg("INVITE", "Require: nothingSupportsThis\n",
                                   ruri="sip:400@127.0.0.1:@P@"))
send("3.3.2-unknown-scheme", msg("OPTIONS", ruri="soap.beep://192.0.2.103:3002"))
send("3.3.1-no-call-id", msg("OPTIONS").replace("Call-ID", "X-Call-ID"))
send("3.3.9-two-content-length", msg("OPTIONS", "Content-Length: 5\n"))
send("3.1.1.5-escaped-method", msg("RE%47IST%45R"))
send("3.1.1.8-two-requests-in-one-datagram",
     msg("OPTIONS") + msg("INVITE", ruri="sip:400@127.0.0.1:@P@"))
send("3.1.1.9-semicolon-in-user", msg("OPTIONS", ruri="sip:user;par=u%40example.net@127.0.0.1:@P@"))
send("3.1.2.3-negative-content-length", msg("OPTIONS").replace("Content-Length: 0", "Content-Length: -999"))
send("3.1.2.16-sip-7.0", msg("OPTIONS").replace("SIP/2.0\n", "SIP/7.0\n", 1))
send("3.1.2.17-cseq-method-mismatch", msg("OPTIONS").replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE"))
send("3.1.2.7-ltgt-request-uri", msg("OPTIONS", ruri="<sip:127.0.0.1:@P@>"))
send("3.3.3-tel-request-uri", msg("OPTIONS", ruri="tel:+1-972-555-2222"))
send("3.3.4-unknown-scheme-in-to", msg("OPTIONS").replace("To: <sip:d1@127.0.0.1>", "To: <soap.beep://127.0.0.1>"))
send("3.3.6-unknown-content-type", msg("INVITE", "Content-Type: application/unknownformat\n",
                                       body="<audio> <pcmu port=443/> </audio>\n", ruri="sip:400@127.0.0.1:@P@"))
send("3.3.8-two-call-ids", msg("OPTIONS", "Call-ID: second@torture\n"))
send("3.3.12-register-contact-params", msg("REGISTER").replace("Contact: <sip:d1@@ME@>", "Contact: <sip:d1@@ME@>;expires=280;q=0.33"))
send("3.3.15-unacceptable-accept", msg("INVITE", "Accept: text/nobodyKnowsThis\n",
                                       ruri="sip:400@127.0.0.1:@P@"))
