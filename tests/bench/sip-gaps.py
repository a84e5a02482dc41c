#!/usr/bin/env python3
"""sip-gaps.py TRACE: the time the daemon itself holds a call's set-up, from `perf trace -T` of the
daemon during one-at-a-time calls (tests/bench/sip-load, SIP_LOAD_PTRACE=FILE): INVITE read from
the link (a UDP recvmsg of more than 400 bytes) -> INVITE written on the TLS connection (the first
write on another socket after the media ports were bound: writes before that are earlier calls' ACK/BYE), and the cloud's 200 (the first TLS read after the loop woke)
-> the UDP sendmsg of more than 500 bytes (our 200 with SDP) before the loop waits again.
Prints min/p50/max of each, in ms. perf trace adds a few microseconds to each system call."""
import re, sys
ln = re.compile(r"^\s*([\d.]+) \(\s*([\d.]*) ms\): symbridged/(\d+) (\w+)\(fd: (\d+)")
ep = re.compile(r"^\s*([\d.]+) \(.*\): symbridged/(\d+) epoll_wait\(")
main = None
inv_in = None; a = []; b = []; tls_read = None; udp = None; tls = None
bound = False
for line in open(sys.argv[1], errors="replace"):
    m = ln.match(line)
    e = ep.match(line)
    if e:
        # the main loop (libuv: 1024 events) waits again; sofia's own epoll (a few events,
        # timeout 0, inside a pump) and the media workers' do not count
        if e.group(2) == main and "maxevents: 1024" in line:
            tls_read = None
        continue
    if not m:
        continue
    t, pid, call, fd = float(m.group(1)), m.group(3), m.group(4), int(m.group(5))
    if call == "recvmsg" and "<socket:" in line:
        n = int(line.rsplit("=", 1)[1].split()[0]) if "=" in line else 0
        if n > 400:  # an INVITE (ACK/BYE are shorter)
            udp = fd; inv_in = t; main = pid; bound = False
    elif call == "bind" and pid == main:
        bound = True
    elif (call == "write" and "<socket:" in line and inv_in is not None and pid == main
          and fd != udp and bound):
        tls = fd; a.append(t - inv_in); inv_in = None
    elif call == "read" and fd == tls and pid == main and tls_read is None:
        tls_read = t
    elif call == "sendmsg" and fd == udp and tls_read is not None:
        n = int(line.rsplit("=", 1)[1].split()[0])
        if n > 500:  # the 200 with SDP
            b.append(t - tls_read)
        tls_read = None
def st(v):
    v = sorted(v)
    return "n %d, min %.3f ms, p50 %.3f ms, max %.3f ms" % (len(v), v[0], v[len(v)//2], v[-1]) if v else "none"
print("sip-gaps: INVITE in -> INVITE out:", st(a))
print("sip-gaps: 200 in -> 200 out:", st(b))
