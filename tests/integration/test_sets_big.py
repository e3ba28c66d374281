"""test_sets_big.py -- sets.so at scale on a real keel-server with 2 threads:

- non-blocking: while one client runs SUNIONSTORE over two sets of a million members on different
  threads (and SMEMBERS of a million), other clients' PINGs and GETs keep being answered in
  between (counted, no wall-clock threshold), and INFO's zvm_yields grows;
- atomic across shards: many clients run crossing SMOVEs (one and several members) and
  SUNIONSTORE/SINTERCARD snapshots between sets on both threads; every snapshot sees each member
  in exactly one set, and the final state accounts for every member exactly once;
- memory: one set of 1,000,000 8-byte members (random 64-bit integers, and 8-byte strings),
  the growth of used_memory and RSS as each set is added, with redis-server measured the same
  way in the same run when it is installed.  The figures are printed; Keel's growth (used_memory
  and RSS) must stay within 12 MB, unless the server runs under AddressSanitizer, whose allocator
  changes every figure.
"""
import base64
import random
import shutil
import socket
import struct
import threading
import time
import unittest

from keel_harness import KeelServer, RedisServer, served_meanwhile
from test_sets import keys_on_threads

MB = 1e6


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def pipeline_sadd(port, key, members, batch=1000, window=16):
    """SADDs members to key in batches over one socket, at most `window` commands in flight (so
    the server never buffers much input); returns the total added."""
    cmds = [resp(b"SADD", key, *members[i:i + batch]) for i in range(0, len(members), batch)]
    added, sent, buf = 0, 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        for done in range(len(cmds)):
            while sent < len(cmds) and sent < done + window:
                s.sendall(cmds[sent])
                sent += 1
            while b"\r\n" not in buf:
                chunk = s.recv(1 << 16)
                if not chunk:
                    raise AssertionError("connection closed")
                buf += chunk
            line, buf = buf.split(b"\r\n", 1)
            added += int(line[1:])
    return added


def random_ints(n, seed):
    rnd = random.Random(seed)
    raw = rnd.randbytes(8 * n)
    return [b"%d" % v for v in struct.unpack("<%dq" % n, raw)]


def random_strings(n, seed):
    rnd = random.Random(seed)
    text = base64.b64encode(rnd.randbytes(6 * n))
    return [text[i:i + 8] for i in range(0, 8 * n, 8)]


def call_raw(port, *args):
    """Sends one command and PING on a fresh socket; returns the command's raw reply bytes (read
    without parsing: fast for a million members that cannot end in "+PONG")."""
    with socket.create_connection(("127.0.0.1", port), timeout=600) as s:
        s.sendall(resp(*args) + resp(b"PING"))
        chunks = []
        while True:
            c = s.recv(1 << 22)
            if not c:
                raise AssertionError("connection closed")
            chunks.append(c)
            if c.endswith(b"+PONG\r\n") or b"".join(chunks[-2:]).endswith(b"+PONG\r\n"):
                return b"".join(chunks)[:-len(b"+PONG\r\n")]


def sanitized(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


def zvm_yields(r):
    return int(r.info("stats")["zvm_yields"])


class BigSets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings", "sets"]).start()
        cls.r = cls.srv.client()
        cls.k0, cls.k1, cls.j0, cls.j1 = keys_on_threads(cls.r, "big")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def served_while(self, job, want=0):
        """Runs job() in a thread; meanwhile PINGs and GETs (of keys on both threads) from other
        connections.  Returns (job's result, replies served before job finished); a job whose
        round served fewer than `want` runs again (served_meanwhile: it must give the same
        answer when repeated)."""
        pinger, getter = self.srv.client(), self.srv.client()
        pinger.ping()
        getter.get(self.j0)

        def probe():
            self.assertTrue(pinger.ping())
            self.assertEqual(getter.get(self.j0), b"v0")
            self.assertEqual(getter.get(self.j1), b"v1")

        results, served = served_meanwhile(job, probe, want=(want + 2) // 3)
        return results[-1], 3 * served

    def test_sets_big_operations_never_stall_other_clients(self):
        r = self.r
        r.flushall()
        r.set(self.j0, "v0")
        r.set(self.j1, "v1")
        n = 1000000
        self.assertEqual(pipeline_sadd(self.srv.port, self.k0, [b"%d" % (3 * i) for i in range(n)]), n)
        self.assertEqual(pipeline_sadd(self.srv.port, self.k1, [b"m%d" % i for i in range(n)]), n)
        y0 = zvm_yields(r)
        big = self.srv.client(socket_timeout=600)   # 2M members under ASan on a busy machine: minutes
        stored, served = self.served_while(lambda: big.sunionstore("union", [self.k0, self.k1]), want=31)
        self.assertEqual(stored, 2 * n)
        self.assertGreater(served, 30, "other clients were not served while SUNIONSTORE ran")
        y1 = zvm_yields(r)
        self.assertGreater(y1 - y0, 100)
        inter, served = self.served_while(lambda: big.execute_command("SINTERCARD", 2, "union", self.k1), want=4)
        self.assertEqual(inter, n)
        self.assertGreater(served, 3)
        raw, served = self.served_while(lambda: call_raw(self.srv.port, b"SMEMBERS", self.k0), want=4)
        self.assertTrue(raw.startswith(b"*%d\r\n$1\r\n0\r\n$1\r\n3\r\n" % n))
        self.assertEqual(raw.count(b"\r\n$"), n)
        self.assertGreater(served, 3)
        self.assertGreater(zvm_yields(r), y1)
        self.assertEqual(r.delete("union", self.k0, self.k1), 3)

    def test_sets_crossing_moves_and_snapshots_stay_consistent(self):
        r = self.r
        r.flushall()
        names = keys_on_threads(r, "cross", 2)      # two sets on each thread
        members = ["m%d" % i for i in range(400)]
        r.sadd(names[0], *members)
        errors = []

        def worker(seed):
            rnd = random.Random(seed)
            c = self.srv.client()
            try:
                for _ in range(150):
                    op = rnd.random()
                    src, dst = rnd.sample(names, 2)
                    if op < 0.5:
                        c.execute_command("SMOVE", src, dst, *rnd.sample(members, rnd.randint(1, 5)))
                    elif op < 0.75:
                        n = c.sunionstore("snap:%d" % seed, names)
                        if n != len(members):
                            errors.append("SUNIONSTORE saw %d members" % n)
                    else:
                        n = c.execute_command("SINTERCARD", 2, src, dst)
                        if n != 0:
                            errors.append("a member in two sets at once: %d" % n)
            except Exception as e:   # noqa: B902 -- reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(s,)) for s in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertFalse(any(t.is_alive() for t in threads), "a client hung")
        self.assertEqual(errors, [])
        self.assertEqual(sum(r.scard(n) for n in names), len(members))
        self.assertEqual(r.sunion(names), {m.encode() for m in members})
        for a in names:
            for b in names:
                if a != b:
                    self.assertEqual(r.execute_command("SINTERCARD", 2, a, b), 0)

    def grow(self, server, key, members):
        """used_memory and RSS growth of server after SADD of members to a new key."""
        info = lambda f: int(server.client().info("memory")[f])   # noqa: E731
        used0, rss0 = info("used_memory"), info("used_memory_rss")
        self.assertEqual(pipeline_sadd(server.port, key, members), len(members))
        time.sleep(0.1)
        return info("used_memory") - used0, info("used_memory_rss") - rss0

    def test_sets_memory_of_a_million_8_byte_members(self):
        keel = KeelServer(threads=2, modules=["resp", "sets"]).start()
        redis_srv = RedisServer() if shutil.which("redis-server") else None
        report = []
        try:
            asan = sanitized(keel.proc.pid)
            for i, (kind, members) in enumerate((("random 64-bit integers", random_ints(1000000, 1)),
                                                 ("8-byte strings", random_strings(1000000, 2)))):
                k_used, k_rss = self.grow(keel, "big%d" % i, members)
                line = "%s: keel used_memory %+.1f MB, RSS %+.1f MB" % (kind, k_used / MB, k_rss / MB)
                if redis_srv:
                    r_used, r_rss = self.grow(redis_srv, "big%d" % i, members)
                    line += "; redis-server used_memory %+.1f MB, RSS %+.1f MB" % (r_used / MB, r_rss / MB)
                report.append(line)
                if not asan:
                    self.assertLessEqual(k_used, 12 * MB, line)
                    # RSS also holds the pipeline's input buffers and the allocator's slack
                    self.assertLessEqual(k_rss, 16 * MB, line)
        finally:
            keel.stop()
            if redis_srv:
                redis_srv.stop()
        print("\n[sets memory, 1,000,000 members] " + "\n[sets memory, 1,000,000 members] ".join(report))


if __name__ == "__main__":
    unittest.main()
