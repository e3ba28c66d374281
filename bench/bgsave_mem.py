#!/usr/bin/python3
"""bgsave_mem.py HOST PORT PID SECONDS [--no-sample] -- while other clients write, measures the
memory a BGSAVE costs: samples the PSS of PID and its children (a fork's child shares pages: PSS
splits them, so the sum is the memory really in use) every 5 ms, for 1 s before the first BGSAVE
(steady) and then while BGSAVEs run back to back for SECONDS.  Prints one JSON line (kB).
--no-sample runs the same BGSAVEs without reading the PSS: reading smaps_rollup walks the
server's page tables under its memory-map lock, which itself delays the server's requests."""
import json, os, socket, sys, time

host, port, pid, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
sample = "--no-sample" not in sys.argv[5:]


def pss_kb(p):
    try:
        with open("/proc/%d/smaps_rollup" % p) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(p):
    try:
        with open("/proc/%d/task/%d/children" % (p, p)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def total():
    if not sample:
        return 0
    return pss_kb(pid) + sum(pss_kb(c) for c in children(pid))


s = socket.create_connection((host, port))


def cmd(*args):
    s.sendall(b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a), a) for a in
                                                    (x.encode() for x in args)]))
    buf = b""
    while True:
        buf += s.recv(1 << 16)
        if buf.startswith(b"$"):
            n = int(buf[1:buf.index(b"\r\n")])
            if len(buf) >= buf.index(b"\r\n") + 2 + n + 2:
                return buf
        elif buf.endswith(b"\r\n"):
            return buf


def in_progress():
    return b"rdb_bgsave_in_progress:1" in cmd("INFO", "persistence")


steady = []
t_end = time.perf_counter() + (1.0 if sample else 0.0)
while time.perf_counter() < t_end:
    steady.append(total())
    time.sleep(0.005)
steady.sort()
base = steady[len(steady) // 2] if steady else 0
peak, saves, busy = 0, 0, 0.0
t_end = time.perf_counter() + secs
while time.perf_counter() < t_end:
    t0 = time.perf_counter()
    cmd("BGSAVE")
    saves += 1
    while in_progress():
        peak = max(peak, total())
        time.sleep(0.005)
    busy += time.perf_counter() - t0
    peak = max(peak, total())
info = cmd("INFO", "persistence").decode()
cow = [l for l in info.split("\r\n") if l.startswith("rdb_last_cow_size:")]
print(json.dumps({"steady_pss_kb": base, "peak_pss_kb": peak, "peak_over_steady":
                  round(peak / base, 3) if base else None, "bgsaves": saves,
                  "bgsave_busy_s": round(busy, 2), "rdb_last_cow_size": cow[0].split(":")[1]
                  if cow else None}))
