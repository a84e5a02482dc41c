#!/usr/bin/env python3
# portrange.py: reserve COUNT consecutive UDP ports below the kernel's ephemeral range for a test.
"""usage: portrange.py COUNT OWNER_PID

Prints the first port of a range of COUNT ports (an even number, so RTP/RTCP pairs line up) that
lies outside the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), that no other
running test holds and in which no port is bound right now. The reservation is a line in a
registry file under /tmp, written under flock(2); it belongs to OWNER_PID (the test's shell) and
lapses when that process is gone (checked by pid and start time, so a reused pid does not keep
it). Exit status 1 when no range is free.
"""
import fcntl
import os
import random
import socket
import sys

REGISTRY_DIR = "/tmp/symbridge-test-ports"
LOW = 10000  # below this, well-known services (and privileged ports) live


def start_time(pid):
    """the process's start time in clock ticks, or None when it does not exist"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def ephemeral():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            lo, hi = (int(x) for x in f.read().split())
        return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


def all_free(lo, count):
    """every port of the range can be bound for UDP and TCP on any address right now"""
    for port in range(lo, lo + count):
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            with socket.socket(socket.AF_INET, kind) as s:
                try:
                    s.bind(("", port))
                except OSError:
                    return False
    return True


def candidates(count):
    """range starts outside the ephemeral range, in random order, aligned to 100"""
    elo, ehi = ephemeral()
    spans = [(LOW, elo - 1), (ehi + 1, 65535)]
    starts = []
    for a, b in spans:
        first = (a + 99) // 100 * 100
        starts += [s for s in range(first, b - count + 2, 100)]
    random.shuffle(starts)
    return starts


def main():
    count, owner = int(sys.argv[1]), int(sys.argv[2])
    owner_start = start_time(owner)
    if count < 1 or count > 20000 or owner_start is None:
        print("portrange.py: bad COUNT or OWNER_PID", file=sys.stderr)
        return 2
    count += count % 2
    os.makedirs(REGISTRY_DIR, mode=0o1777, exist_ok=True)
    path = os.path.join(REGISTRY_DIR, "registry")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        os.fchmod(fd, 0o666)  # tests of other users share it
    except OSError:
        pass
    with os.fdopen(fd, "r+") as reg:
        fcntl.flock(reg, fcntl.LOCK_EX)
        live = []
        for line in reg.read().splitlines():
            try:
                lo, n, pid, started = line.split()
                lo, n, pid = int(lo), int(n), int(pid)
            except ValueError:
                continue
            if start_time(pid) == started:
                live.append((lo, n, pid, started))
        chosen = None
        for lo in candidates(count):
            if any(lo < a + n and a < lo + count for a, n, _, _ in live):
                continue
            if all_free(lo, count):
                chosen = lo
                break
        if chosen is not None:
            live.append((chosen, count, owner, owner_start))
        reg.seek(0)
        reg.truncate()
        reg.write("".join(f"{a} {n} {p} {s}\n" for a, n, p, s in live))
        reg.flush()
    if chosen is None:
        print(f"portrange.py: no free range of {count} ports outside the ephemeral range",
              file=sys.stderr)
        return 1
    print(chosen)
    return 0


if __name__ == "__main__":
    sys.exit(main())
