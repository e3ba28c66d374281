"""test_lists_block.py -- blocking pops and multi-key moves on a real keel-server with 2 threads:
timeouts honoured (never early; late only by a generous bound), a blocked client woken by a push from a connection on
the same or the other thread with the key on either thread, clients served in the order they
blocked, a client that disconnects while blocked (the server stays healthy and gives its memory
back), BLMOVE and BLMPOP across shards, and a stress run of many clients moving elements between
lists on different shards with RPOPLPUSH/LMOVE/BLMOVE that must end with every element accounted
for, no duplicate, and no hang.  Before a push that must wake a client, a test waits until the
server counts that client as blocked (INFO clients), never for an amount of time.
"""
import os
import random
import re
import socket
import struct
import threading
import time
import unittest

import redis

from keel_harness import KeelServer, MODULE_DIR, blocked_clients, wait_blocked, wait_until


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def placement(r, keys):
    """{key: (shard, thread)} as DEBUG ZVM EXPLAIN reports them."""
    out = {}
    for line in r.execute_command("DEBUG", "ZVM", "EXPLAIN", "EXISTS", *keys):
        m = re.match(rb'^key argv\[(\d+)\]=".*" hash [0-9a-f]+ shard (\d+) thread (\d+)$', line)
        if m:
            out[keys[int(m.group(1)) - 1]] = (int(m.group(2)), int(m.group(3)))
    return out


def keys_by_thread(r, prefix, per_thread=1):
    """[[keys on thread 0], [keys on thread 1]], each on distinct shards."""
    cands = ["%s:%d" % (prefix, i) for i in range(200)]
    where = placement(r, cands)
    out = [[], []]
    shards = set()
    for k in cands:
        s, t = where[k]
        if s not in shards and len(out[t]) < per_thread:
            out[t].append(k)
            shards.add(s)
    assert all(len(x) == per_thread for x in out), "not enough shards"
    return out


class Call(threading.Thread):
    """Runs fn() in a thread, keeping its result, exception and when it returned."""

    def __init__(self, fn):
        super().__init__(daemon=True)
        self.fn, self.result, self.error, self.done_at = fn, None, None, None
        self.start()

    def run(self):
        try:
            self.result = self.fn()
        except BaseException as e:   # noqa: B902 -- reported by the test
            self.error = e
        self.done_at = time.monotonic()

    def get(self, timeout=120):
        self.join(timeout)
        if self.is_alive():
            raise AssertionError("call did not return within %ss" % timeout)
        if self.error:
            raise self.error
        return self.result


def conns(srv, n):
    """n fresh connections, opened one after the other (the server deals them to its threads in
    turn, so consecutive ones land on different threads)."""
    out = []
    for _ in range(n):
        c = srv.client()
        c.ping()
        out.append(c)
    return out


@unittest.skipUnless(have_module("lists") and have_module("strings"), "lists/strings modules not built")
class Blocking(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings", "lists"]).start()
        cls.r = cls.srv.client()
        (cls.k0,), (cls.k1,) = keys_by_thread(cls.r, "bk")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def test_lists_blocking_timeout_honoured(self):
        for cmd, args in (("BLPOP", [self.k0, "0.3"]), ("BRPOP", [self.k0, self.k1, "0.3"]),
                          ("BLMPOP", ["0.3", "2", self.k0, self.k1, "LEFT"]),
                          ("BRPOPLPUSH", [self.k0, self.k1, "0.3"]),
                          ("BLMOVE", [self.k1, self.k0, "LEFT", "RIGHT", "0.3"])):
            c = self.srv.client()
            t0 = time.monotonic()
            self.assertIsNone(c.execute_command(cmd, *args), cmd)
            took = time.monotonic() - t0
            self.assertGreaterEqual(took, 0.25, cmd)   # never before its timeout
            self.assertLess(took, 20.0, cmd)           # and not forever (a generous bound)
            self.assertEqual(c.ping(), True)   # the connection goes on normally
            c.close()

    def test_lists_blocked_client_woken_by_push_from_either_thread(self):
        for key in (self.k0, self.k1):
            for pusher_index in (1, 2):   # the next connection is on the other thread, the one after on the same
                cs = conns(self.srv, 3)
                call = Call(lambda: cs[0].blpop([key], timeout=60))
                wait_blocked(self.r, 1)
                self.assertTrue(call.is_alive(), "BLPOP returned before the push")
                cs[pusher_index].rpush(key, "v%d" % pusher_index)
                self.assertEqual(call.get(), (key.encode(), b"v%d" % pusher_index))
                self.assertEqual(self.r.exists(key), 0)
                for c in cs:
                    c.close()

    def test_lists_blocked_on_several_keys_takes_the_pushed_one(self):
        c, p = conns(self.srv, 2)
        call = Call(lambda: c.brpop([self.k0, self.k1], timeout=60))
        wait_blocked(self.r, 1)
        p.lpush(self.k1, "x")
        self.assertEqual(call.get(), (self.k1.encode(), b"x"))
        wait_blocked(self.r, 0)
        call = Call(lambda: c.blmpop(60, 2, self.k0, self.k1, direction="LEFT", count=5))
        wait_blocked(self.r, 1)
        p.rpush(self.k0, "a", "b", "c")
        self.assertEqual(call.get(), [self.k0.encode(), [b"a", b"b", b"c"]])

    def test_lists_blocked_client_woken_by_rename_onto_its_key(self):
        # as in Redis, a list RENAMEd onto the key a client blocks on is served to it, whichever
        # threads own the two keys
        for src, dst in ((self.k1, self.k0), (self.k0, self.k1)):
            c, p = conns(self.srv, 2)
            call = Call(lambda: c.blpop([dst], timeout=60))
            wait_blocked(self.r, 1)
            p.rpush(src, "r1", "r2")
            self.assertTrue(call.is_alive(), "BLPOP returned before the rename")
            self.assertTrue(p.rename(src, dst))
            self.assertEqual(call.get(), (dst.encode(), b"r1"))
            self.assertEqual(self.r.lrange(dst, 0, -1), [b"r2"])
            self.assertEqual(self.r.exists(src), 0)
            self.r.delete(dst)
            c.close()
            p.close()

    def test_lists_fifo_among_blocked_clients(self):
        key = self.k1
        cs = conns(self.srv, 5)
        calls = []
        for i, c in enumerate(cs[:4]):
            calls.append(Call(lambda c=c: c.blpop([key], timeout=60)))
            wait_blocked(self.r, i + 1)   # each parks before the next
        for i in range(4):
            cs[4].rpush(key, "e%d" % i)
            calls[i].get()
        self.assertEqual([c.result for c in calls], [(key.encode(), b"e%d" % i) for i in range(4)])
        # one push of several elements serves them in order too
        calls = []
        wait_blocked(self.r, 0)
        for i, c in enumerate(cs[:3]):
            calls.append(Call(lambda c=c: c.brpop([key], timeout=60)))
            wait_blocked(self.r, i + 1)
        cs[4].lpush(key, "x", "y", "z")   # list: z y x; BRPOP takes x, then y, then z
        self.assertEqual([c.get()[1] for c in calls], [b"x", b"y", b"z"])

    def test_lists_lost_race_keeps_the_deadline(self):
        key = self.k0
        a, b, p = conns(self.srv, 3)
        ca = Call(lambda: a.blpop([key], timeout=60))
        wait_blocked(self.r, 1)
        t0 = time.monotonic()
        cb = Call(lambda: b.blpop([key], timeout=5.0))
        wait_blocked(self.r, 2)
        # the push comes 2.5 s after b parked: it wakes both, a wins, b parks again.  b's answer
        # must still come 5 s after it first parked: a re-park that started the 5 s afresh would
        # answer 5 s after the push at the earliest, which leaves 2.5 s for a loaded machine's lag
        t_push = time.monotonic() + 2.5
        while time.monotonic() < t_push:
            time.sleep(0.05)
        p.rpush(key, "one")
        self.assertEqual(ca.get(), (key.encode(), b"one"))
        self.assertIsNone(cb.get())
        self.assertGreaterEqual(cb.done_at - t0, 5.0 - 0.01, "answered before its deadline")
        self.assertLess(cb.done_at, t_push + 5.0, "the deadline did not hold across the re-park")

    def blocked_clients_come_and_go(self, n):
        """n clients block (on keys of both threads, with and without a timeout), then drop their
        connections; returns once the server counts them gone."""
        r = self.r
        base_clients = int(r.info("clients")["connected_clients"])
        socks = []
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", self.srv.port))
            key = (self.k0 if i % 2 else self.k1).encode()
            timeout = b"0" if i % 3 else b"100"
            s.sendall(b"*3\r\n$5\r\nBLPOP\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(timeout), timeout))
            socks.append(s)
        # every one of them parks its BLPOP (a loaded machine may take a while to accept them all);
        # connected_clients is only checked against an upper bound, since connections closed by
        # earlier tests may still be on their way out when base_clients was read
        wait_blocked(r, n)
        self.assertLessEqual(int(r.info("clients")["connected_clients"]), base_clients + n)
        self.assertGreaterEqual(int(r.info("clients")["connected_clients"]), n + 1)
        for s in socks:
            s.close()
        wait_until("the blocked clients' connections to close",
                   lambda: int(r.info("clients")["connected_clients"]) <= base_clients)
        wait_blocked(r, 0)
        time.sleep(0.2)

    def test_lists_disconnect_while_blocked(self):
        r = self.r
        self.blocked_clients_come_and_go(50)   # fills the process pools and the allocator
        base_mem = self.srv.used_memory()
        for _ in range(3):
            self.blocked_clients_come_and_go(50)
        self.assertLess(abs(self.srv.used_memory() - base_mem), 32 * 1024)
        # nobody is left parked: a push stays in the list
        r.rpush(self.k0, "kept")
        r.rpush(self.k1, "kept")
        time.sleep(0.1)
        self.assertEqual(r.lrange(self.k0, 0, -1), [b"kept"])
        self.assertEqual(r.lrange(self.k1, 0, -1), [b"kept"])

    def wait_blocked(self, n, deadline=10):
        end = time.monotonic() + deadline
        while time.monotonic() < end and int(self.r.info("clients")["blocked_clients"]) != n:
            time.sleep(0.02)
        return int(self.r.info("clients")["blocked_clients"])

    def test_lists_pop_after_a_parked_client_reset_waits_for_its_push(self):
        """A parked pop whose client resets (RST: closed at once, no EOF first) is ended without
        its program running again; it used to leave behind the deadline the lists module keeps by
        process, so a later blocking pop given the same pooled process (on either thread) found
        that deadline past and answered nil at once, before any push.  Found by scripts/soak."""
        r = self.r
        for key in (self.k0, self.k1) * 3:
            s = socket.create_connection(("127.0.0.1", self.srv.port))
            s.sendall(b"*3\r\n$5\r\nBRPOP\r\n$%d\r\n%s\r\n$3\r\n0.3\r\n" % (len(key), key.encode()))
            self.assertEqual(self.wait_blocked(1), 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
            self.assertEqual(self.wait_blocked(0), 0)
        time.sleep(0.5)   # their deadlines have passed
        for i, c in enumerate(conns(self.srv, 6)):   # new connections, on both threads in turn
            key = (self.k0, self.k1)[i % 2]
            call = Call(lambda: c.blpop([key], timeout=10))
            self.wait_blocked(1)
            r.rpush(key, "v%d" % i)
            self.assertEqual(call.get(), (key.encode(), b"v%d" % i), "pop %d" % i)
            c.close()

    def test_lists_blmove_across_shards(self):
        src, dst = self.k0, self.k1
        c, p = conns(self.srv, 2)
        call = Call(lambda: c.blmove(src, dst, 60, "RIGHT", "LEFT"))
        wait_blocked(self.r, 1)
        p.rpush(src, "a", "b")
        self.assertEqual(call.get(), b"b")
        self.assertEqual(self.r.lrange(src, 0, -1), [b"a"])
        self.assertEqual(self.r.lrange(dst, 0, -1), [b"b"])
        call = Call(lambda: c.brpoplpush(dst, src, 60))
        self.assertEqual(call.get(), b"b")
        self.assertEqual(self.r.lrange(src, 0, -1), [b"b", b"a"])
        self.assertEqual(self.r.exists(dst), 0)
        # a push onto the destination wakes it but it parks again until the source has data
        self.r.delete(src)
        wait_blocked(self.r, 0)
        call = Call(lambda: c.blmove(src, dst, 60, "LEFT", "LEFT"))
        wait_blocked(self.r, 1)
        p.rpush(dst, "d")
        time.sleep(0.15)   # (a wrong wake-up would answer meanwhile; a right one never does)
        self.assertTrue(call.is_alive())
        self.assertEqual(blocked_clients(self.r), 1)
        p.rpush(src, "s")
        self.assertEqual(call.get(), b"s")
        self.assertEqual(self.r.lrange(dst, 0, -1), [b"s", b"d"])

    def test_lists_blocking_pipeline_keeps_order(self):
        s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=60)
        k = self.k0.encode()
        s.sendall(b"*3\r\n$5\r\nBLPOP\r\n$%d\r\n%s\r\n$1\r\n0\r\n*2\r\n$4\r\nLLEN\r\n$%d\r\n%s\r\n*1\r\n$4\r\nPING\r\n"
                  % (len(k), k, len(k), k))
        wait_blocked(self.r, 1)
        s.settimeout(0.2)
        with self.assertRaises(socket.timeout):
            s.recv(100)   # nothing yet: the LLEN and PING wait behind the blocked BLPOP
        self.r.rpush(self.k0, "v")
        s.settimeout(60)
        want = b"*2\r\n$%d\r\n%s\r\n$1\r\nv\r\n:0\r\n+PONG\r\n" % (len(k), k)
        got = b""
        while len(got) < len(want):
            got += s.recv(1000)
        self.assertEqual(got, want)
        s.close()

    def test_lists_stress_crossing_moves_lose_nothing(self):
        keys = sum(keys_by_thread(self.r, "stress", per_thread=3), [])
        total = 3000
        p = self.r.pipeline(transaction=False)
        for i in range(total):
            p.rpush(keys[i % len(keys)], "e%d" % i)
        p.execute()
        counts = []

        def mover(seed):   # a fixed number of moves each: a count, not a time, bounds the run
            rng = random.Random(seed)
            c = self.srv.client(socket_timeout=60)
            n = 0
            while n < 150:
                a, b = rng.sample(keys, 2)
                op = rng.randrange(4)
                if op == 0:
                    c.rpoplpush(a, b)
                elif op == 1:
                    c.lmove(a, b, rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"]))
                elif op == 2:
                    c.blmove(a, b, 0.01, rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"]))
                else:
                    got = c.lmpop(2, a, b, direction=rng.choice(["LEFT", "RIGHT"]), count=3)
                    if got:
                        c.rpush(rng.choice(keys), *got[1])
                n += 1
            counts.append(n)
            c.close()

        workers = [Call(lambda s=s: mover(s)) for s in range(12)]
        for w in workers:
            w.get(timeout=300)
        self.assertEqual(counts, [150] * 12)
        # LMPOP + RPUSH is not atomic as a pair, but every worker has finished both halves
        everything = []
        for k in keys:
            everything += self.r.lrange(k, 0, -1)
        self.assertEqual(len(everything), total)
        self.assertEqual(sorted(everything), sorted(b"e%d" % i for i in range(total)))
        self.assertEqual(self.r.ping(), True)


if __name__ == "__main__":
    unittest.main()
