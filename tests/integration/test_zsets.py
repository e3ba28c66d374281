"""test_zsets.py -- zsets.so through python3-redis on a real keel-server with 2 threads: the
type as every key (TYPE, SCAN TYPE, GET, DEL, EXPIRE, RENAME, namespaces), blocking pops woken
from other connections and timing out, and big sorted sets whose long commands yield while other
clients are served (progress counted, never timed).  Reply-by-reply comparison with redis-server
7.0 is test_zsets_compat.py's job.
"""
import socket
import threading
import unittest

from keel_harness import KeelServer, resp_command, served_meanwhile, wait_blocked, wait_until


def zvm_yields(r):
    return int(r.info("stats")["zvm_yields"])


def pipeline_zadd(port, key, n, batch=1000):
    """ZADD n members "m<i>" with score i, batch pairs a command, pipelined on one socket."""
    with socket.create_connection(("127.0.0.1", port), timeout=600) as s:
        sent = 0
        for start in range(0, n, batch):
            args = []
            for i in range(start, min(n, start + batch)):
                args += [str(i), "m%07d" % i]
            s.sendall(resp_command("ZADD", key, *args))
            sent += 1
        got, buf = 0, b""
        while got < sent:
            buf += s.recv(65536)
            got = buf.count(b"\r\n")
        return sum(int(line[1:]) for line in buf.split(b"\r\n") if line.startswith(b":"))


class Zsets(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--dialect", "keel", threads=2, modules=["resp", "strings", "lists", "maps", "zsets"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    # ---- the type as every key ----

    def test_zsets_type_scan_get_del(self):
        r = self.r
        r.zadd("z", {"a": 1, "b": 2.5})
        r.set("s", "v")
        self.assertEqual(r.type("z"), b"zset")
        self.assertEqual(sorted(r.scan_iter(_type="zset")), [b"z"])
        self.assertEqual(r.execute_command("GET", "z"), [b"a", b"1", b"b", b"2.5"])
        self.assertEqual(r.delete("z"), 1)
        self.assertEqual(r.exists("z"), 0)
        self.assertEqual(r.zcard("z"), 0)

    def test_zsets_expire_rename_copy(self):
        r = self.r
        r.zadd("z", {"a": 1, "b": 2})
        self.assertTrue(r.pexpire("z", 60000))
        self.assertGreater(r.pttl("z"), 0)
        self.assertTrue(r.rename("z", "y"))
        self.assertEqual(r.zrange("y", 0, -1, withscores=True), [(b"a", 1.0), (b"b", 2.0)])
        self.assertTrue(r.execute_command("COPY", "y", "c"))
        r.zadd("c", {"x": 9})
        self.assertEqual(r.zcard("y"), 2)
        self.assertEqual(r.zcard("c"), 3)
        self.assertTrue(r.pexpire("y", 1))
        wait_until("y expired", lambda: r.exists("y") == 0)
        self.assertIsNone(r.zscore("y", "a"))

    def test_zsets_live_inside_namespaces(self):
        a, b = self.srv.client(), self.srv.client()
        a.execute_command("NS", "tenant1")
        b.execute_command("NS", "tenant2")
        a.zadd("board", {"alice": 10})
        b.zadd("board", {"bob": 20})
        self.assertEqual(a.zrange("board", 0, -1), [b"alice"])
        self.assertEqual(b.zrange("board", 0, -1), [b"bob"])
        self.assertEqual(self.r.exists("board"), 0)

    def test_zsets_emptied_sets_are_deleted(self):
        r = self.r
        r.zadd("z", {"a": 1, "b": 2, "c": 3})
        self.assertEqual(r.zremrangebyscore("z", "-inf", "+inf"), 3)
        self.assertEqual(r.exists("z"), 0)
        r.zadd("z", {"a": 1})
        self.assertEqual(r.zpopmin("z"), [(b"a", 1.0)])
        self.assertEqual(r.exists("z"), 0)

    def test_zsets_bad_input_keeps_the_server_serving(self):
        r = self.r
        for args in (["ZADD", "z", "nan", "a"], ["ZADD", "z", "1e999", "a"], ["ZRANGE", "z", "(", "x", "BYSCORE"],
                     ["ZRANGEBYLEX", "z", "a", "b"], ["ZADD", "z", "INCR", "1", "a", "2", "b"],
                     ["ZRANDMEMBER", "z", "-9223372036854775808"], ["ZSCAN", "z", "1x"],
                     ["ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"], ["BZPOPMIN", "z", "nan"]):
            with self.assertRaises(Exception, msg=args):
                r.execute_command(*args)
        r.zadd("z", {"a": float("inf")})
        self.assertRaisesRegex(Exception, "NaN", r.execute_command, "ZINCRBY", "z", "-inf", "a")
        self.assertEqual(r.zscore("z", "a"), float("inf"))
        self.assertTrue(r.ping())

    def test_zsets_zscan_walks_survive_removals_and_additions(self):
        r = self.r
        r.zadd("z", {"m%04d" % i: i % 97 for i in range(1000)})
        seen, cursor, pages = set(), 0, 0
        while True:   # drain: remove what each page returned
            cursor, items = r.zscan("z", cursor, count=10)
            pages += 1
            seen.update(m for m, _ in items)
            if items:
                r.zrem("z", *[m for m, _ in items])
            if cursor == 0:
                break
        self.assertEqual(len(seen), 1000)
        self.assertGreater(pages, 10)
        r.zadd("z", {"m%04d" % i: i for i in range(1000)})
        seen, cursor, added = set(), 0, 0
        while True:   # add members before the cursor while walking
            cursor, items = r.zscan("z", cursor, count=25)
            seen.update(m for m, _ in items)
            r.zadd("z", {"a%04d" % (added + j): -1 for j in range(5)})
            added += 5
            if cursor == 0:
                break
        self.assertTrue({b"m%04d" % i for i in range(1000)} <= seen)
        self.assertEqual(r.zscan("z", 0, count=10)[1][0], (b"a0000", -1.0))

    # ---- blocking pops ----

    def test_zsets_bzpopmin_woken_by_zadd_from_another_client(self):
        got = {}
        waiter = self.srv.client(socket_timeout=120)

        def wait():
            got["v"] = waiter.execute_command("BZPOPMIN", "q1", "q2", 0)

        t = threading.Thread(target=wait)
        t.start()
        wait_blocked(self.r, 1)
        self.r.zadd("q2", {"job": 5, "later": 9})
        t.join(120)
        self.assertFalse(t.is_alive())
        self.assertEqual(got["v"], (b"q2", b"job", 5.0))
        self.assertEqual(self.r.zrange("q2", 0, -1), [b"later"])

    def test_zsets_bzmpop_and_bzpopmax_take_what_they_can_and_time_out(self):
        r = self.r
        got = {}
        waiter = self.srv.client(socket_timeout=120)

        def wait():
            got["v"] = waiter.execute_command("BZMPOP", 0, 2, "a", "b", "MAX", "COUNT", 2)

        t = threading.Thread(target=wait)
        t.start()
        wait_blocked(r, 1)
        r.zadd("b", {"x": 1, "y": 2, "z": 3})
        t.join(120)
        self.assertEqual(got["v"], [b"b", [[b"z", b"3"], [b"y", b"2"]]])
        self.assertIsNone(r.execute_command("BZPOPMAX", "none1", "none2", "0.05"))
        self.assertIsNone(r.execute_command("BZMPOP", "0.05", 1, "none1", "MIN"))
        self.assertEqual(int(r.info("clients")["blocked_clients"]), 0)

    def test_zsets_two_waiters_each_get_one_member(self):
        out = []
        clients = [self.srv.client(socket_timeout=120) for _ in range(2)]
        threads = [threading.Thread(target=lambda c=c: out.append(c.execute_command("BZPOPMIN", "q", 0)))
                   for c in clients]
        for t in threads:
            t.start()
        wait_blocked(self.r, 2)
        self.r.zadd("q", {"a": 1, "b": 2})
        for t in threads:
            t.join(120)
        self.assertEqual(sorted(v[1] for v in out), [b"a", b"b"])
        self.assertEqual(self.r.exists("q"), 0)

    def test_zsets_blocking_pops_inside_multi_answer_at_once(self):
        p = self.r.pipeline(transaction=True)
        p.execute_command("BZPOPMIN", "empty", 0)
        p.execute_command("ZADD", "q", 1, "a")
        p.execute_command("BZMPOP", 0, 1, "q", "MIN")
        p.execute_command("ZUNIONSTORE", "u", 2, "q", "empty")
        self.assertEqual(p.execute(), [None, 1, [b"q", [[b"a", b"1"]]], 0])
        self.assertEqual(self.r.exists("q", "u"), 0)

    # ---- big sets yield ----

    def served_while(self, job, key, want=0):
        """Runs job() in a thread; meanwhile another client PINGs and reads key.  Returns (job's
        result, replies served before it finished); a job whose round served fewer than `want`
        runs again (served_meanwhile: it must give the same answer when repeated)."""
        other = self.srv.client()
        other.ping()

        def probe():
            self.assertTrue(other.ping())
            self.assertEqual(other.get(key), b"v")

        results, served = served_meanwhile(job, probe, want=(want + 1) // 2)
        return results[-1], 2 * served

    def test_zsets_big_ranges_and_removals_yield(self):
        r = self.r
        n = 300000
        self.assertEqual(pipeline_zadd(self.srv.port, "big", n), n)
        r.set("small", "v")
        self.assertEqual(r.zcard("big"), n)
        self.assertEqual(r.zrank("big", "m0123456"), 123456)
        self.assertEqual(r.zrevrank("big", "m0000000"), n - 1)
        big = self.srv.client(socket_timeout=600)
        y0 = zvm_yields(r)
        members, served = self.served_while(lambda: big.zrange("big", 0, -1), "small", want=4)
        self.assertEqual(len(members), n)
        self.assertEqual(members[:2], [b"m0000000", b"m0000001"])
        self.assertGreater(served, 3)
        rev, served = self.served_while(lambda: big.zrevrangebyscore("big", "+inf", "-inf"), "small")
        self.assertEqual(rev[0], b"m%07d" % (n - 1))
        self.assertEqual(rev, members[::-1])
        y1 = zvm_yields(r)
        self.assertGreater(y1 - y0, 20)
        removed, served = self.served_while(lambda: big.zremrangebyscore("big", 1000, "(%d" % (n - 1000)), "small")
        self.assertEqual(removed, n - 2000)
        self.assertGreater(zvm_yields(r), y1)
        self.assertEqual(r.zcard("big"), 2000)
        self.assertEqual(r.zrange("big", 999, 1000), [b"m0000999", b"m%07d" % (n - 1000)])
        self.assertEqual(r.zrangestore("copy", "big", 0, -1), 2000)
        self.assertEqual(r.zrange("copy", 0, -1), r.zrange("big", 0, -1))

    def test_zsets_every_long_command_yields_and_stays_exact(self):
        r = self.r
        n = 100000
        big = self.srv.client(socket_timeout=600)
        args = []
        for i in range(n):
            args += [i, "a%06d" % i]
        y0 = zvm_yields(r)
        self.assertEqual(big.execute_command("ZADD", "a", *args), n)   # one command, 100k pairs
        self.assertEqual(pipeline_zadd(self.srv.port, "b", n), n)
        self.assertGreater(zvm_yields(r), y0)
        checks = [
            (lambda: big.zunionstore("u", ["a", "b"]), 2 * n),
            (lambda: big.zinterstore("i", {"a": 1, "u": 2}), n),
            (lambda: big.execute_command("ZINTERCARD", 2, "u", "b"), n),
            (lambda: len(big.zdiff(["u", "a"])), n),
            (lambda: big.zrangestore("r", "u", 0, -1), 2 * n),
            (lambda: len(big.execute_command("GET", "r")), 4 * n),
            (lambda: len(big.zrandmember("a", -n)), n),
            (lambda: len(big.zrandmember("a", n // 2)), n // 2),
            (lambda: len(big.zpopmin("r", n)), n),
            (lambda: big.zrem("r", *["a%06d" % i for i in range(n)]), n // 2),
            (lambda: big.zremrangebyrank("r", 0, n // 4 - 1), n // 4),
            (lambda: big.zcard("r"), n // 4),
        ]
        r.set("small", "v")
        y1 = zvm_yields(r)
        for job, want in checks:
            got, _ = self.served_while(job, "small")
            self.assertEqual(got, want)
        self.assertGreater(zvm_yields(r) - y1, len(checks))
        self.assertEqual(r.zscore("i", "a000007"), 7 + 2 * 7.0)
        self.assertEqual(r.zrange("r", 0, 0, withscores=True), [(b"m%07d" % (3 * n // 4), 3 * n // 4)])


if __name__ == "__main__":
    unittest.main()
