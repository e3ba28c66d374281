"""test_client_ctl.py -- CLIENT PAUSE / UNPAUSE, UNBLOCK, REPLY, NO-EVICT, NO-TOUCH, GETREDIR and
the CLIENT LIST fields on a real keel-server (two threads, so UNBLOCK meets clients on the other
thread), and their error texts compared with Debian's redis-server 7.0.

Nothing here waits for an amount of time: a held request is seen held through INFO's
blocked_clients, and its reply is waited for with a generous deadline.
"""
import shutil
import socket
import time
import unittest

import redis

from keel_harness import (KeelServer, RedisServer, RespReader, raw_client, reply_of, resp_command,
                          wait_blocked, wait_until)

REDIS_LIST_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
                     "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "obl", "oll", "omem",
                     "tot-mem", "events", "cmd", "user", "redir", "resp"]


class Raw:
    """A socket that sends RESP requests and reads replies as raw bytes."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.reader = RespReader(self.sock)

    def send(self, *args):
        self.sock.sendall(resp_command(*args))

    def reply(self):
        return self.reader.reply()

    def call(self, *args):
        self.send(*args)
        return self.reply()

    def nothing_pending(self):
        """True when no reply byte has arrived (checked without waiting)."""
        self.sock.setblocking(False)
        try:
            data = self.sock.recv(1, socket.MSG_PEEK)
            return not data and not self.reader.buf
        except BlockingIOError:
            return not self.reader.buf
        finally:
            self.sock.setblocking(True)
            self.sock.settimeout(60)

    def close(self):
        self.sock.close()


class ClientControl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings", "lists", "pubsub"]).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.execute_command("CLIENT", "UNPAUSE")
        self.r.flushall()

    def raw(self):
        c = Raw(self.srv.port)
        self.addCleanup(c.close)
        return c

    def test_client_pause_write_holds_writes_only_until_unpause(self):
        self.r.set("k", "v")
        self.assertTrue(self.r.execute_command("CLIENT", "PAUSE", "100000", "WRITE"))
        writer, reader = self.raw(), self.raw()
        writer.send("SET", "k", "new")
        wait_blocked(self.r, 1)                       # the write waits, counted as blocked
        self.assertEqual(reader.call("GET", "k"), b"$1\r\nv\r\n")   # reads go on
        self.assertEqual(reader.call("MULTI"), b"+OK\r\n")
        self.assertEqual(reader.call("GET", "k"), b"+QUEUED\r\n")
        self.assertEqual(reader.call("EXEC"), b"*1\r\n$1\r\nv\r\n")   # a read-only EXEC runs
        self.assertTrue(writer.nothing_pending())
        self.assertTrue(self.r.execute_command("CLIENT", "UNPAUSE"))
        self.assertEqual(writer.reply(), b"+OK\r\n")
        self.assertEqual(self.r.get("k"), b"new")
        wait_blocked(self.r, 0)

    def test_client_pause_write_holds_exec_with_a_write_and_scripts_publish(self):
        self.r.execute_command("CLIENT", "PAUSE", "100000", "WRITE")
        tx = self.raw()
        self.assertEqual(tx.call("MULTI"), b"+OK\r\n")
        self.assertEqual(tx.call("INCR", "n"), b"+QUEUED\r\n")
        tx.send("EXEC")
        pub = self.raw()
        pub.send("PUBLISH", "ch", "m")
        wait_blocked(self.r, 2)
        self.r.execute_command("CLIENT", "UNPAUSE")
        self.assertEqual(tx.reply(), b"*1\r\n:1\r\n")
        self.assertEqual(pub.reply(), b":0\r\n")

    def test_client_pause_all_holds_every_request_until_its_time_passes(self):
        c, other = self.raw(), self.raw()
        started = time.monotonic()
        self.assertEqual(c.call("CLIENT", "PAUSE", "3000", "ALL"), b"+OK\r\n")
        other.send("GET", "k")
        c.send("PING")                                # its own next request waits too
        pending = other.nothing_pending()
        # only meaningful while the pause surely lasts: a stalled machine skips the look, it
        # never makes the test fail
        if time.monotonic() - started < 2.0:
            self.assertTrue(pending)
        self.assertEqual(other.reply(), b"$-1\r\n")   # once the pause has ended
        self.assertEqual(c.reply(), b"+PONG\r\n")
        wait_until("no paused client", lambda: int(self.r.info("clients")["blocked_clients"]) == 0)

    def test_client_pause_keeps_the_later_end_and_the_stricter_mode(self):
        self.r.execute_command("CLIENT", "PAUSE", "100000", "WRITE")
        self.r.execute_command("CLIENT", "PAUSE", "10", "WRITE")   # shorter: the first one holds
        w = self.raw()
        w.send("SET", "a", "1")
        wait_blocked(self.r, 1)
        self.r.execute_command("CLIENT", "UNPAUSE")
        self.assertEqual(w.reply(), b"+OK\r\n")

    def test_client_unblock_timeout_and_error_across_threads(self):
        for reason, want in ((None, b"*-1\r\n"), ("TIMEOUT", b"*-1\r\n"),
                             ("ERROR", b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")):
            waiters = [self.raw() for _ in range(2)]       # one on each thread
            ids = [int(w.call("CLIENT", "ID")[1:-2]) for w in waiters]
            for w in waiters:
                w.send("BLPOP", "nothing", "0")
            wait_blocked(self.r, 2)
            for w, cid in zip(waiters, ids):
                args = ["CLIENT", "UNBLOCK", cid] + ([reason] if reason else [])
                self.assertEqual(self.r.execute_command(*args), 1, reason)
                self.assertEqual(w.reply(), want, reason)
                self.assertEqual(w.call("PING"), b"+PONG\r\n")   # it goes on serving
            wait_blocked(self.r, 0)

    def test_client_unblock_of_a_client_not_blocked_is_zero(self):
        me = self.r.execute_command("CLIENT", "ID")
        self.assertEqual(self.r.execute_command("CLIENT", "UNBLOCK", me), 0)
        self.assertEqual(self.r.execute_command("CLIENT", "UNBLOCK", 999999), 0)
        idle = self.raw()
        cid = int(idle.call("CLIENT", "ID")[1:-2])
        self.assertEqual(self.r.execute_command("CLIENT", "UNBLOCK", cid, "ERROR"), 0)

    def test_client_unblock_with_fewer_shards_than_threads_keeps_serving(self):
        # a thread without shards cannot be hopped to: UNBLOCK answers 0 for its clients
        with KeelServer("--shards", "1", threads=2, modules=["resp", "lists"]) as srv:
            r = srv.client()
            waiters = []
            for _ in range(2):
                w = Raw(srv.port)
                self.addCleanup(w.close)
                waiters.append((w, int(w.call("CLIENT", "ID")[1:-2])))
            for w, _ in waiters:
                w.send("BLPOP", "q", "0")
            wait_blocked(r, 2)
            answers = sorted(r.execute_command("CLIENT", "UNBLOCK", cid) for _, cid in waiters)
            self.assertIn(answers, ([0, 1], [1, 1]))
            self.assertTrue(r.ping())
            r.rpush("q", "a", "b")
            for w, _ in waiters:
                self.assertTrue(w.reply().startswith(b"*"))

    def test_client_reply_off_on_skip(self):
        c = self.raw()
        c.send("CLIENT", "REPLY", "OFF")
        c.send("SET", "a", "1")
        c.send("GET", "a")
        self.assertEqual(c.call("CLIENT", "REPLY", "ON"), b"+OK\r\n")   # the first reply since OFF
        c.send("CLIENT", "REPLY", "SKIP")
        c.send("INCR", "n")                                              # skipped
        self.assertEqual(c.call("INCR", "n"), b":2\r\n")
        self.assertEqual(self.r.get("a"), b"1")
        self.assertEqual(c.call("CLIENT", "REPLY", "MAYBE"), b"-ERR syntax error\r\n")

    def test_client_no_evict_and_getredir(self):
        self.assertTrue(self.r.execute_command("CLIENT", "NO-EVICT", "on"))
        self.assertTrue(self.r.execute_command("CLIENT", "NO-EVICT", "OFF"))
        self.assertEqual(self.r.execute_command("CLIENT", "GETREDIR"), -1)
        with self.assertRaises(redis.ResponseError) as e:
            self.r.execute_command("CLIENT", "NO-EVICT", "maybe")
        self.assertEqual(str(e.exception), "syntax error")

    def test_client_no_touch_leaves_frequency_but_touch_counts(self):
        self.r.config_set("maxmemory-policy", "allkeys-lfu")
        self.r.config_set("lfu-log-factor", "0")           # every access counts
        self.addCleanup(self.r.config_set, "maxmemory-policy", "noeviction")
        self.addCleanup(self.r.config_set, "lfu-log-factor", "10")
        self.r.set("k", "v")
        c = redis.Redis(port=self.srv.port)
        self.addCleanup(c.close)
        c.get("k")
        before = self.r.object("freq", "k")
        c.execute_command("CLIENT", "NO-TOUCH", "on")
        for _ in range(5):
            c.get("k")
        self.assertEqual(self.r.object("freq", "k"), before)
        self.assertIn("T", c.execute_command("CLIENT", "INFO").decode().split("flags=")[1].split()[0])
        c.execute_command("TOUCH", "k")                    # TOUCH still touches
        self.assertGreater(self.r.object("freq", "k"), before)
        c.execute_command("CLIENT", "NO-TOUCH", "off")
        now = self.r.object("freq", "k")
        c.get("k")
        self.assertGreater(self.r.object("freq", "k"), now)

    def test_client_list_has_every_redis_field_in_order(self):
        c = self.raw()
        cid = int(c.call("CLIENT", "ID")[1:-2])
        c.call("MULTI")
        c.call("SET", "a", "1")
        c.call("SET", "b", "2")
        line = self.r.execute_command("CLIENT", "LIST", "ID", cid).decode().strip()
        fields = [f.split("=", 1) for f in line.split(" ")]
        names = [f[0] for f in fields]
        self.assertEqual(names[:len(REDIS_LIST_FIELDS)], REDIS_LIST_FIELDS)
        values = dict(fields)
        self.assertEqual(values["id"], str(cid))
        self.assertEqual(values["multi"], "2")
        self.assertIn("x", values["flags"])
        self.assertEqual(values["resp"], "2")
        self.assertEqual(values["user"], "default")
        c.call("DISCARD")
        self.assertEqual(self.r.execute_command("CLIENT", "LIST", "ID", 999999), b"")
        mine = self.r.execute_command("CLIENT", "ID")
        both = self.r.execute_command("CLIENT", "LIST", "ID", cid, mine).decode().strip().split("\n")
        self.assertEqual(sorted(int(l.split(" ")[0][3:]) for l in both), sorted([cid, mine]))


ERROR_CASES = [
    ("CLIENT", "PAUSE", "abc"),
    ("CLIENT", "PAUSE", "-1"),
    ("CLIENT", "PAUSE", "10", "foo"),
    ("CLIENT", "UNPAUSE", "x"),
    ("CLIENT", "UNBLOCK", "999"),
    ("CLIENT", "UNBLOCK", "999", "foo"),
    ("CLIENT", "UNBLOCK", "abc"),
    ("CLIENT", "REPLY", "foo"),
    ("CLIENT", "NO-EVICT", "maybe"),
    ("CLIENT", "NO-EVICT", "on"),
    ("CLIENT", "LIST", "ID", "abc"),
    ("CLIENT", "LIST", "ID", "99999"),
    ("CLIENT", "foo"),
    ("CLIENT", "KILL"),
    ("CLIENT", "GETREDIR"),
    ("CLIENT", "PAUSE", "0"),
    ("CLIENT", "UNPAUSE"),
]


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class ClientControlLikeRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer(threads=2, modules=["resp"]).start()
        try:
            cls.redis = RedisServer()
        except Exception:
            cls.keel.stop()
            raise
        cls.k = raw_client(cls.keel.client())
        cls.r = raw_client(cls.redis.client())

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        cls.keel.stop()

    def test_client_ctl_compat_replies(self):
        for cmd in ERROR_CASES:
            self.assertEqual(reply_of(self.k, cmd), reply_of(self.r, cmd), repr(cmd))


if __name__ == "__main__":
    unittest.main()
