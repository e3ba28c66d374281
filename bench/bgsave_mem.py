#!/usr/bin/python3
"""bgsave_mem.py HOST PORT PID SECONDS [--no-sample] -- while other clients write, measures the
memory a BGSAVE costs: samples the PSS of PID and its children (a fork's child shares pages: PSS
splits them, so the sum is the memory really in use) every 5 ms, for 1 s before the first BGSAVE
(steady) and then while BGSAVEs run back to back for SECONDS.  Prints one JSON line (kB).
--no-sample runs the same BGSAVEs without reading the PSS: reading smaps_rollup walks the
server's page tables under its memory-map lock, which itself delays the server's requests.  It
reads the RSS instead, from counters that take no lock: the steady RSS (median of /proc/PID/statm
over 0.2 s), and the exact peak, the kernel's high-water mark (VmHWM), reset through
/proc/PID/clear_refs just before the first BGSAVE.  That peak leaves out a fork's child, so it is
given only for a server that forked none ("forked": false)."""
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


def rss_kb(p):
    try:
        with open("/proc/%d/statm" % p) as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        return 0


def hwm_kb(p):
    with open("/proc/%d/status" % p) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


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
rss_steady, forked = [], False
if not sample:
    t_end = time.perf_counter() + 0.2
    while time.perf_counter() < t_end:
        rss_steady.append(rss_kb(pid))
        time.sleep(0.005)
    rss_steady.sort()
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")  # resets VmHWM to the RSS now
peak, saves, busy = 0, 0, 0.0
t_end = time.perf_counter() + secs
while time.perf_counter() < t_end:
    t0 = time.perf_counter()
    cmd("BGSAVE")
    saves += 1
    while in_progress():
        forked = forked or bool(children(pid))
        peak = max(peak, total())
        time.sleep(0.005)
    busy += time.perf_counter() - t0
    peak = max(peak, total())
info = cmd("INFO", "persistence").decode()
rss = {}
if not sample:
    rss_base = rss_steady[len(rss_steady) // 2]
    rss_peak = None if forked else hwm_kb(pid)
    rss = {"steady_rss_kb": rss_base, "peak_rss_kb": rss_peak, "forked": forked,
           "peak_rss_over_steady": round(rss_peak / rss_base, 3) if rss_peak else None}
cow = [l for l in info.split("\r\n") if l.startswith("rdb_last_cow_size:")]
print(json.dumps({"steady_pss_kb": base, "peak_pss_kb": peak, "peak_over_steady":
                  round(peak / base, 3) if base else None, "bgsaves": saves,
                  "bgsave_busy_s": round(busy, 2), "rdb_last_cow_size": cow[0].split(":")[1]
                  if cow else None, **rss}))
