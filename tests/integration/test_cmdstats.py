"""test_cmdstats.py -- INFO commandstats and errorstats, CONFIG RESETSTAT, and the slow log
(SLOWLOG GET/LEN/RESET, slowlog-log-slower-than, slowlog-max-len) on a real keel-server, with
SLOWLOG's replies and errors compared with Debian's redis-server 7.0 where they are not timings.
"""
import re
import shutil
import unittest

import redis

from keel_harness import KeelServer, RedisServer, RespReader, raw_client, reply_of, resp_command


def errorstats(r):
    """INFO errorstats as {code: count}, read from the raw text."""
    text = raw_client(redis.Redis(connection_pool=r.connection_pool)).execute_command("INFO", "errorstats").decode()
    out = {}
    for line in text.split("\r\n"):
        if line.startswith("errorstat_"):
            name, count = line[len("errorstat_"):].split(":count=")
            out[name] = int(count)
    return out


def slowlog(r):
    """SLOWLOG GET -1, raw: [id, time, us, [args], addr, name] newest first."""
    return raw_client(redis.Redis(connection_pool=r.connection_pool)).execute_command("SLOWLOG", "GET", "-1")


class CommandStats(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings", "lists"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()
        self.r.config_resetstat()

    def stats(self):
        return self.r.info("commandstats")

    def error(self, *args):
        try:
            self.r.execute_command(*args)
        except redis.ResponseError:
            return
        raise AssertionError("no error for %r" % (args,))

    def test_commandstats_count_calls_failures_and_refusals(self):
        for i in range(5):
            self.r.set("k%d" % i, i)
        self.r.get("k1")
        self.r.lpush("l", "x")
        self.error("GET", "l")                      # ran, failed: WRONGTYPE
        self.error("GET")                           # refused: arity
        s = self.stats()
        self.assertEqual(s["cmdstat_set"]["calls"], 5)
        self.assertEqual(s["cmdstat_get"]["calls"], 2)
        self.assertEqual(s["cmdstat_get"]["failed_calls"], 1)
        self.assertEqual(s["cmdstat_get"]["rejected_calls"], 1)
        self.assertEqual(s["cmdstat_lpush"]["calls"], 1)
        for name in ("cmdstat_set", "cmdstat_get"):
            self.assertGreaterEqual(s[name]["usec"], 0)
            self.assertAlmostEqual(s[name]["usec_per_call"], s[name]["usec"] / s[name]["calls"], places=1)

    def test_commandstats_count_exec_and_what_it_ran(self):
        p = self.r.pipeline(transaction=True)
        p.execute_command("INCR", "n").execute_command("INCR", "n").get("n")
        self.assertEqual(p.execute(), [1, 2, b"2"])
        s = self.stats()
        self.assertEqual(s["cmdstat_multi"]["calls"], 1)
        self.assertEqual(s["cmdstat_exec"]["calls"], 1)
        self.assertEqual(s["cmdstat_incr"]["calls"], 2)
        self.assertEqual(s["cmdstat_get"]["calls"], 1)

    def test_resetstat_starts_the_counts_over(self):
        self.r.set("a", 1)
        self.assertIn("cmdstat_set", self.stats())
        self.assertTrue(self.r.config_resetstat())
        s = self.stats()
        self.assertNotIn("cmdstat_set", s)
        self.assertEqual(s["cmdstat_config"]["calls"], 1)   # RESETSTAT counts itself, as in Redis

    def test_errorstats_count_by_code(self):
        self.r.lpush("l", "x")
        for _ in range(3):
            self.error("GET", "l")
        self.error("NOSUCHCOMMAND")
        self.error("INCR", "l")
        e = errorstats(self.r)
        self.assertEqual(e["WRONGTYPE"], 4)
        self.assertEqual(e["ERR"], 1)
        self.r.config_resetstat()
        self.assertNotIn("WRONGTYPE", errorstats(self.r))


class SlowLog(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.config_set("slowlog-log-slower-than", 0)   # every request
        self.r.config_set("slowlog-max-len", 128)
        self.r.slowlog_reset()
        self.addCleanup(self.r.config_set, "slowlog-log-slower-than", 10000)

    def test_slowlog_records_the_request_its_client_and_time(self):
        c = redis.Redis(port=self.srv.port, client_name="logger")
        self.addCleanup(c.close)
        c.set("slow", "v")
        entries = [e for e in slowlog(self.r) if e[3] == [b"SET", b"slow", b"v"]]
        self.assertEqual(len(entries), 1)
        e = entries[0]
        self.assertEqual(e[5], b"logger")
        self.assertRegex(e[4].decode(), r"^127\.0\.0\.1:\d+$")
        self.assertGreaterEqual(e[2], 0)
        ids = [x[0] for x in slowlog(self.r)]
        self.assertEqual(ids, sorted(ids, reverse=True))   # newest first

    def test_slowlog_truncates_as_redis(self):
        self.r.execute_command("SET", "big", "x" * 200)
        self.r.execute_command("DEL", *["k%d" % i for i in range(40)])
        log = self.r.execute_command("SLOWLOG", "GET", "10")
        args = {tuple(e[3][:1]): e[3] for e in log}
        self.assertEqual(args[(b"SET",)][2], b"x" * 128 + b"... (72 more bytes)")
        dels = args[(b"DEL",)]
        self.assertEqual(len(dels), 32)
        self.assertEqual(dels[-1], b"... (10 more arguments)")

    def test_slowlog_len_max_len_reset_and_threshold(self):
        for i in range(10):
            self.r.set("a", i)
        self.assertGreaterEqual(self.r.slowlog_len(), 10)
        self.r.config_set("slowlog-max-len", 3)
        self.assertLessEqual(self.r.slowlog_len(), 3)
        self.assertEqual(self.r.config_get("slowlog-max-len"), {"slowlog-max-len": "3"})
        self.r.config_set("slowlog-log-slower-than", -1)   # off
        self.r.slowlog_reset()
        for i in range(5):
            self.r.set("a", i)
        self.assertEqual(self.r.slowlog_len(), 0)
        self.r.config_set("slowlog-log-slower-than", 10000000)   # 10 s: nothing here is that slow
        self.r.set("a", 1)
        self.assertEqual(self.r.slowlog_len(), 0)


class Latency(unittest.TestCase):
    def test_latency_histogram_and_latencystats(self):
        with KeelServer(threads=2, modules=["resp", "strings"]) as srv:
            r = srv.client()
            for i in range(200):
                r.set("k%d" % i, i)
            raw = raw_client(srv.client())
            hist = raw.execute_command("LATENCY", "HISTOGRAM", "set")
            self.assertEqual(hist[0], b"set")
            fields = dict(zip(hist[1][0::2], hist[1][1::2]))
            self.assertEqual(fields[b"calls"], 200)
            marks = fields[b"histogram_usec"]
            bounds, counts = marks[0::2], marks[1::2]
            self.assertEqual(bounds, sorted(bounds))
            self.assertTrue(all(b & (b - 1) == 0 for b in bounds))   # powers of two
            self.assertEqual(counts, sorted(counts))                   # cumulative
            self.assertEqual(counts[-1], 200)
            self.assertEqual(raw.execute_command("LATENCY", "HISTOGRAM", "nosuchcommand"), [])
            line = [l for l in raw.execute_command("INFO", "latencystats").decode().split("\r\n")
                    if l.startswith("latency_percentiles_usec_set:")][0]
            p = dict(kv.split("=") for kv in line.split(":", 1)[1].split(","))
            self.assertLessEqual(float(p["p50"]), float(p["p99"]))
            self.assertLessEqual(float(p["p99"]), float(p["p99.9"]))
            r.config_resetstat()
            self.assertEqual(raw.execute_command("LATENCY", "HISTOGRAM", "set"), [])

    def test_latency_monitor_records_requests_past_the_threshold(self):
        with KeelServer(threads=1, modules=["resp", "lists"]) as srv:
            r = srv.client()
            raw = raw_client(srv.client())
            self.assertEqual(raw.execute_command("LATENCY", "LATEST"), [])
            self.assertIn(b"monitor is off", raw.execute_command("LATENCY", "DOCTOR"))
            for i in range(0, 1000000, 100000):
                r.rpush("big", *range(i, i + 100000))
            r.config_set("latency-monitor-threshold", 1)
            self.assertEqual(r.config_get("latency-monitor-threshold"), {"latency-monitor-threshold": "1"})
            r.lrange("big", 0, -1)   # a million elements: well past a millisecond on any machine
            latest = raw.execute_command("LATENCY", "LATEST")
            self.assertEqual([e[0] for e in latest], [b"command"])
            name, when, last_ms, max_ms = latest[0]
            self.assertGreaterEqual(last_ms, 1)
            self.assertGreaterEqual(max_ms, last_ms)
            history = raw.execute_command("LATENCY", "HISTORY", "command")
            self.assertGreaterEqual(len(history), 1)
            self.assertEqual(history[-1][0], when)
            self.assertIn(b"command:", raw.execute_command("LATENCY", "DOCTOR"))
            self.assertEqual(raw.execute_command("LATENCY", "RESET", "command"), 1)
            self.assertEqual(raw.execute_command("LATENCY", "LATEST"), [])
            self.assertEqual(raw.execute_command("LATENCY", "HISTORY", "nosuch"), [])


class Monitor(unittest.TestCase):
    def test_monitor_shows_every_clients_requests_in_redis_format(self):
        with KeelServer(threads=2, modules=["resp", "strings"]) as srv:
            mon = srv.raw()
            mon.sendall(resp_command("MONITOR"))
            reader = RespReader(mon)
            self.assertEqual(reader.reply(), b"+OK\r\n")
            clients = [srv.client() for _ in range(3)]   # on both threads
            for i, c in enumerate(clients):
                c.set("k%d" % i, 'v "%d"\n' % i)
            clients[0].execute_command("CONFIG", "SET", "slowlog-max-len", "100")   # admin: not shown
            try:
                clients[1].execute_command("AUTH", "secret")
            except redis.ResponseError:
                pass
            clients[2].get("k0")
            lines = [reader.reply().decode() for _ in range(5)]
            pattern = r'^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] '
            for line in lines:
                self.assertRegex(line, pattern)
            shown = sorted(re.sub(pattern, "", l).strip() for l in lines)
            self.assertEqual(shown, sorted(['"SET" "k0" "v \\"0\\"\\n"', '"SET" "k1" "v \\"1\\"\\n"',
                                            '"SET" "k2" "v \\"2\\"\\n"', '"AUTH" "(redacted)"', '"GET" "k0"']))
            self.assertEqual(int(clients[0].info("stats")["monitor_lines_dropped"]), 0)
            clients[0].set("big", b"y" * (1 << 20))   # a big argument is shown cut
            line = reader.reply().decode()
            while '"SET" "big"' not in line:   # (the INFO above is shown first)
                line = reader.reply().decode()
            self.assertTrue(line.endswith('"' + "y" * 65536 + '"... (983040 more bytes)\r\n'), line[-80:])
            mon.close()
            clients[0].set("after", 1)   # a monitor that left is not written to
            self.assertEqual(clients[0].get("after"), b"1")


CASES = [
    ("LATENCY", "LATEST"),
    ("LATENCY", "HISTORY", "command"),
    ("LATENCY", "RESET"),
    ("LATENCY", "FOO"),
    ("LATENCY", "DOCTOR", "x"),
    ("CONFIG", "SET", "latency-monitor-threshold", "-1"),
    ("CONFIG", "GET", "latency-monitor-threshold"),
    ("SLOWLOG", "HELP"),
    ("SLOWLOG", "GET", "-2"),
    ("SLOWLOG", "GET", "x"),
    ("SLOWLOG", "LEN", "x"),
    ("SLOWLOG", "FOO"),
    ("SLOWLOG",),
    ("SLOWLOG", "RESET"),
    ("SLOWLOG", "LEN"),
    ("CONFIG", "SET", "slowlog-log-slower-than", "abc"),
    ("CONFIG", "SET", "slowlog-max-len", "-5"),
    ("CONFIG", "GET", "slowlog-max-len"),
]


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class SlowLogLikeRedis(unittest.TestCase):
    def test_slowlog_compat_replies(self):
        keel = KeelServer(threads=2, modules=["resp"]).start()
        try:
            red = RedisServer()
            try:
                k, r = raw_client(keel.client()), raw_client(red.client())
                for cmd in CASES:
                    self.assertEqual(reply_of(k, cmd), reply_of(r, cmd), repr(cmd))
            finally:
                red.stop()
        finally:
            keel.stop()


if __name__ == "__main__":
    unittest.main()
