"""streams.py -- the load and the consumers of 11_streams.sh (stdlib only).

  streams.py load HOST PORT KEY N      XADD KEY * user <8 bytes> event <8 bytes> ts <int>, N times,
                                       pipelined 1000 at a time on one socket; prints seconds
  streams.py consume HOST PORT KEY GROUP CONSUMERS COUNT
                                       CONSUMERS processes, each looping XREADGROUP GROUP GROUP cI
                                       COUNT COUNT STREAMS KEY > then XACK of what it got, until the
                                       group has read everything; prints JSON {entries, seconds,
                                       per_second}
"""
import json
import multiprocessing
import random
import socket
import string
import sys
import time


def cmd(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=600)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.s.recv(1 << 16)
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def reply(self):
        ln = self.line()
        t, rest = ln[:1], ln[1:]
        if t in (b"+", b":"):
            return rest
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self.buf += self.s.recv(1 << 16)
            v, self.buf = self.buf[:n], self.buf[n + 2:]
            return v
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RuntimeError("unexpected reply %r" % ln)

    def call(self, *args):
        self.s.sendall(cmd(*args))
        return self.reply()


def load(host, port, key, n):
    c = Conn(host, port)
    rng = random.Random(1)
    letters = string.ascii_letters.encode()
    t0 = time.time()
    ts = 1733400000000
    for start in range(0, n, 1000):
        batch = []
        for i in range(start, min(n, start + 1000)):
            batch.append(cmd(b"XADD", key, b"*", b"user", bytes(rng.choices(letters, k=8)), b"event",
                             bytes(rng.choices(letters, k=8)), b"ts", ts + i))
        c.s.sendall(b"".join(batch))
        for _ in batch:
            c.reply()
    print("%.2f" % (time.time() - t0))


def consumer(host, port, key, group, name, count, q):
    c = Conn(host, port)
    got = 0
    while True:
        r = c.call(b"XREADGROUP", b"GROUP", group, name, b"COUNT", count, b"STREAMS", key, b">")
        if not r:
            break
        ids = [e[0] for e in r[0][1]]
        c.call(b"XACK", key, group, *ids)
        got += len(ids)
    q.put(got)


def consume(host, port, key, group, consumers, count):
    q = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=consumer, args=(host, port, key, group, "c%d" % i, count, q))
             for i in range(consumers)]
    t0 = time.time()
    for p in procs:
        p.start()
    total = sum(q.get() for _ in procs)
    for p in procs:
        p.join()
    dt = time.time() - t0
    print(json.dumps({"entries": total, "seconds": round(dt, 2), "per_second": int(total / dt)}))


if __name__ == "__main__":
    what, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if what == "load":
        load(host, port, sys.argv[4], int(sys.argv[5]))
    else:
        consume(host, port, sys.argv[4], sys.argv[5], int(sys.argv[6]), int(sys.argv[7]))
