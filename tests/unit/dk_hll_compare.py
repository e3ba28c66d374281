#!/usr/bin/python3
"""dk_hll_compare.py -- runs one seeded sequence of HLL operations on datakit (through
dk_hll_tool) and on a real redis-server, and requires identical replies: PFADD results, PFCOUNT
of one key and of unions, PFMERGE, the encoding (sparse/dense) and the raw bytes (GET).

Usage: dk_hll_compare.py TOOL   (exit 77 = skipped: no redis-server or no redis module)
"""
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time

try:
    import redis
except ImportError:
    sys.exit(77)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_redis(tmp):
    exe = shutil.which("redis-server")
    if not exe:
        sys.exit(77)
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", tmp],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            r.ping()
            return proc, r
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("redis-server did not start")


def make_ops(rng):
    """The operation list: (tool line, redis command tuple)."""
    ops, written = [], set()

    def add(k, ele):
        ops.append(("A %d %s" % (k, ele.hex()), ("PFADD", "h%d" % k, ele)))
        written.add(k)

    def check(k):
        ops.append(("C %d" % k, ("PFCOUNT", "h%d" % k)))
        ops.append(("E %d" % k, ("PFDEBUG", "ENCODING", "h%d" % k)))

    sizes = [1, 3, 20, 100, 400, 1500, 3000, 20000, 200000]
    for k, n in enumerate(sizes):
        for i in range(n):
            if rng.random() < 0.5:
                ele = ("e%d" % rng.randrange(3 * n)).encode()
            else:
                ele = bytes(rng.randrange(256) for _ in range(rng.randrange(25)))
            add(k, ele)
            if i % max(1, n // 40) == 0:
                check(k)
        check(k)
    # the sparse size limit: several keys cross it, with the encoding checked after every add
    for k in range(30, 40):
        for i in range(2500):
            add(k, ("t%d-%d" % (k, i)).encode())
            ops.append(("E %d" % k, ("PFDEBUG", "ENCODING", "h%d" % k)))
    for k in sorted(written):
        ops.append(("G %d" % k, ("GET", "h%d" % k)))
    keys = sorted(written)
    for _ in range(30):
        ks = rng.sample(keys, rng.randrange(2, 5))
        ops.append(("C " + " ".join(map(str, ks)), ("PFCOUNT",) + tuple("h%d" % k for k in ks)))
    # merges: sparse into sparse (stays sparse), with a dense one (turns dense), into a new key
    for dst, srcs in [(20, [1, 2, 3]), (21, [0, 4]), (22, [5, 6]), (23, [2, 7]), (1, [2]),
                      (24, [8, 0]), (3, [4, 5])]:
        ops.append(("M %d %s" % (dst, " ".join(map(str, srcs))),
                    ("PFMERGE", "h%d" % dst) + tuple("h%d" % s for s in srcs)))
        check(dst)
        ops.append(("G %d" % dst, ("GET", "h%d" % dst)))
        for i in range(50):
            add(dst, ("m%d" % rng.randrange(100000)).encode())
        check(dst)
        ops.append(("G %d" % dst, ("GET", "h%d" % dst)))
    return ops


def norm(cmd, reply):
    if cmd[0] == "GET":
        return reply.hex()
    if isinstance(reply, bytes):
        return reply.decode()
    if reply is True:
        return "OK"
    return str(reply)


def main():
    tool = sys.argv[1]
    ops = make_ops(random.Random(20240607))
    tmp = tempfile.mkdtemp()
    proc, r = start_redis(tmp)
    try:
        mine = subprocess.run([tool], input="\n".join(o[0] for o in ops) + "\n",
                              capture_output=True, text=True, check=True).stdout.split("\n")
        theirs = []
        for start in range(0, len(ops), 5000):
            pipe = r.pipeline(transaction=False)
            for _, cmd in ops[start:start + 5000]:
                pipe.execute_command(*cmd)
            theirs += [norm(cmd, rep) for (_, cmd), rep in
                       zip(ops[start:start + 5000], pipe.execute())]
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    bad = 0
    for i, (line, _) in enumerate(ops):
        if mine[i] != theirs[i]:
            bad += 1
            if bad <= 5:
                print("op %d '%s': datakit %s, redis %s" % (i, line[:60], mine[i][:80],
                                                           theirs[i][:80]))
    counts = [(o[0], mine[i]) for i, o in enumerate(ops) if o[0].startswith("C ")]
    print("%d operations, %d counts compared (largest %s), %d mismatches"
          % (len(ops), len(counts), max((int(c[1]) for c in counts if c[1].isdigit()), default=0), bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
