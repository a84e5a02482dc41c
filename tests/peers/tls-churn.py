#!/usr/bin/env python3
"""tls-churn.py: open COUNT TLS connections one after another to HOST:PORT, spread over SOURCES
source addresses from FIRST (127.0.0.0/8 is all on lo), each a full handshake then a close.

usage: tls-churn.py HOST PORT COUNT SOURCES FIRST
prints: handshakes H refused R  (refused: closed or reset before the handshake completed)
"""
import ipaddress
import socket
import ssl
import sys

host, port, count, nsrc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
first = ipaddress.ip_address(sys.argv[5])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ok = refused = 0
for i in range(count):
    s = socket.socket()
    s.bind((str(first + i % nsrc), 0))
    s.settimeout(10)
    try:
        s.connect((host, port))
        t = ctx.wrap_socket(s)
        ok += 1
        t.close()
    except (OSError, ssl.SSLError):
        refused += 1
        s.close()
print("handshakes %d refused %d" % (ok, refused))
