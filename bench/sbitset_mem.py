#!/usr/bin/python3
"""sbitset_mem.py HOST PORT PID TARGET -- memory of bitsets on one server, for 15_sbitset.sh.

TARGET keel uses SSETBIT (sbitset.so), redis uses SETBIT (a bitmap in a string).  Three loads, each
on its own key, the same positions on both targets (seeded): one bit at 1,000,000,000; 1% of
N1 positions at random; 50% of N50 positions at random.  For each: MEMORY USAGE of the key and the
server's RSS growth over the load.  Prints RESULT lines; for keel also the references the issue
compares against (sorted 16-bit arrays or 8 KiB bitmaps per 2^16-bit block, whichever is smaller
per block, and a plain bitmap)."""
import os
import random
import socket
import sys

import redis

HOST, PORT, PID, TARGET = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
N1 = int(os.environ.get("N1", 100_000_000))
N50 = int(os.environ.get("N50", 1 << 22))
SETBIT = b"SSETBIT" if TARGET == "keel" else b"SETBIT"


def rss_kb():
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def load(key, positions, batch=20000):
    """SETBIT/SSETBIT key pos 1 for every position, pipelined in batches over one socket."""
    s = socket.create_connection((HOST, PORT))
    k = key.encode()
    head = b"*4\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(SETBIT), SETBIT, len(k), k)
    for i in range(0, len(positions), batch):
        chunk = positions[i:i + batch]
        out = []
        for p in chunk:
            t = str(p).encode()
            out.append(head + b"$%d\r\n%s\r\n$1\r\n1\r\n" % (len(t), t))
        s.sendall(b"".join(out))
        seen, buf = 0, b""
        while seen < len(chunk):
            data = s.recv(1 << 20)
            if not data:
                raise RuntimeError("connection closed")
            if b"-" in data[:1] or b"\r\n-" in data:
                raise RuntimeError("error reply: %r" % data[:200])
            buf = buf[-1:] + data
            seen += data.count(b"\n")
    s.close()


def measure(r, name, key, positions):
    before = rss_kb()
    load(key, positions)
    after = rss_kb()
    usage = r.memory_usage(key)
    print("RESULT %s %s bits=%d memory_usage=%d rss_delta_kb=%d" %
          (TARGET, name, len(positions), usage, after - before), flush=True)
    return usage


def block_reference(positions):
    """Bytes of the smaller of a sorted 16-bit array or an 8 KiB bitmap, per 2^16-bit block."""
    per = {}
    for p in positions:
        per[p >> 16] = per.get(p >> 16, 0) + 1
    return sum(min(2 * n, 8192) for n in per.values())


def main():
    r = redis.Redis(host=HOST, port=PORT)
    r.flushall()
    rnd = random.Random(15)
    one = measure(r, "one_bit_at_1e9", "one", [1_000_000_000])
    sparse = sorted(rnd.sample(range(N1), N1 // 100))
    u1 = measure(r, "density_1pct_of_%d" % N1, "sparse", sparse)
    dense = sorted(rnd.sample(range(N50), N50 // 2))
    u50 = measure(r, "density_50pct_of_%d" % N50, "dense", dense)
    if TARGET == "keel":
        ref1, ref50 = block_reference(sparse), N50 // 8
        print("RESULT keel one_bit_limit_4096 %s (%d bytes)" % ("ok" if one <= 4096 else "OVER", one))
        print("RESULT keel 1pct_vs_best_of_arrays_or_bitmaps %.3f (reference %d bytes; limit 1.1)" %
              (u1 / ref1, ref1))
        print("RESULT keel 50pct_vs_plain_bitmap %.4f (reference %d bytes; limit 1.03)" % (u50 / ref50, ref50))


if __name__ == "__main__":
    main()
