#!/usr/bin/env python3
"""conn-flood.py: open many TCP connections to a SIP port that send half a request (or nothing),
hold them and report when the server closes each one.

usage: conn-flood.py HOST PORT COUNT SOURCES FIRST_SOURCE SILENT WATCH_SECONDS READY_FILE

COUNT - SILENT connections are spread over SOURCES source addresses FIRST_SOURCE,
FIRST_SOURCE+1, ... (127.0.0.0/8: all of it is on lo) and send a request line and two headers but
never the blank line that ends the headers; SILENT more come from the next address and send
nothing. Once all are open READY_FILE is written; then for up to WATCH_SECONDS the script notes
when the server closes each connection. Output (stdout), one line:
  opened N refused R held H closed C silent_closed S first F last L silent_last SL
  refused: closed by the server within 1 s of its opening (refused at accept)
  held: open for at least 1 s
  closed: held ones with half a request that the server closed in the time; F, L: the shortest
  and longest life of those, seconds; silent_closed, SL: the same for the silent ones.
"""
import ipaddress
import resource
import select
import socket
import sys
import time

host, port, count, nsrc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
first = ipaddress.ip_address(sys.argv[5])
silent, watch, ready = int(sys.argv[6]), float(sys.argv[7]), sys.argv[8]

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 256), hard))

HALF = (b"REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/TCP %s:5060;branch=z9hG4bK-%d\r\n"
        b"From: <sip:flood@%s>;tag=%d\r\n")
poller = select.poll()
byfd = {}  # fd -> [socket, silent?, opened at, closed at]


def watch_once(timeout_ms):
    for fd, ev in poller.poll(timeout_ms):
        e = byfd[fd]
        try:
            data = e[0].recv(4096)
        except BlockingIOError:
            continue
        except OSError:
            data = b""
        if not data:  # EOF or reset: the server closed it (a 400/408 before it is fine)
            e[3] = time.monotonic()
            poller.unregister(fd)


for i in range(count):
    is_silent = i >= count - silent
    # the silent ones come from an address of their own, after the others'
    src = str(first + (nsrc if is_silent else i % nsrc))
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5)
    try:
        s.connect((host, port))
        if not is_silent:
            s.sendall(HALF % (host.encode(), src.encode(), i, src.encode(), i))
    except OSError:
        s.close()
        continue
    s.setblocking(False)
    byfd[s.fileno()] = [s, is_silent, time.monotonic(), None]
    poller.register(s.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
    if i % 16 == 15:
        watch_once(0)
t0 = time.monotonic()
with open(ready, "w") as f:
    f.write("%d\n" % len(byfd))
while time.monotonic() - t0 < watch and any(e[3] is None for e in byfd.values()):
    watch_once(200)

life = [(e[3] - e[2] if e[3] is not None else None, e[1]) for e in byfd.values()]
refused = sum(1 for t, sil in life if t is not None and t < 1)
held = [(t, sil) for t, sil in life if t is None or t >= 1]
closed = [t for t, sil in held if not sil and t is not None]
silent_closed = [t for t, sil in held if sil and t is not None]
print("opened %d refused %d held %d closed %d silent_closed %d first %.1f last %.1f "
      "silent_last %.1f" % (len(life), refused, len(held), len(closed), len(silent_closed),
                            min(closed) if closed else -1, max(closed) if closed else -1,
                            max(silent_closed) if silent_closed else -1))
