"""test_streams.py -- streams.so through python3-redis on a real keel-server with 4 threads: the
type as every key (TYPE, SCAN TYPE, GET, DEL, EXPIRE, RENAME, namespaces, INFO keyspace), IDs,
consumer groups with several consumers and claims, blocking reads woken from other connections
(across threads), timing out, and ended by a deleted key or group, keyspace notifications,
snapshots, and big streams whose long commands yield while other clients are served (progress
counted, never timed).  Reply-by-reply comparison with redis-server 7.0 is
test_streams_compat.py's job.
"""
import socket
import threading
import unittest

import redis

from keel_harness import KeelServer, have_module, raw_client, resp_command, served_meanwhile, wait_blocked, wait_until


def zvm_yields(r):
    return int(r.info("stats")["zvm_yields"])


def pipeline_xadd(port, key, n, batch=1000):
    """XADD n entries with IDs 1-0 .. n-0 (fields user, event, ts), pipelined on one socket;
    returns how many IDs came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=600) as s:
        for i in range(1, n + 1):
            s.sendall(resp_command("XADD", key, "%d-0" % i, "user", "u%07d" % i, "event", "click", "ts", str(i)))
        got, buf = 0, b""
        while got < n:
            data = s.recv(1 << 16)
            if not data:
                break
            buf += data
            got = buf.count(b"-0\r\n")
        return got


def ids(entries):
    return [e[0] for e in entries]


@unittest.skipUnless(have_module("streams") and have_module("pubsub") and have_module("scripting"),
                     "streams.so, pubsub.so or scripting.so missing")
class Streams(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--dialect", "keel", threads=4,
                             modules=["resp", "strings", "maps", "pubsub", "scripting", "streams"]).start()
        cls.r = cls.srv.client()
        cls.raw = raw_client(cls.srv.client())   # replies as sent (XPENDING, XINFO ... FULL)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()
        self.r.config_set("notify-keyspace-events", "")

    def client(self):
        return self.srv.client(socket_timeout=120)

    # ---- the type as every key ----

    def test_streams_type_scan_get_del_expire_rename(self):
        r = self.r
        self.assertEqual(r.xadd("s", {"a": "1"}, id="1-1"), b"1-1")
        r.set("str", "v")
        self.assertEqual(r.type("s"), b"stream")
        self.assertEqual(sorted(r.scan_iter(_type="stream")), [b"s"])
        self.assertEqual(r.execute_command("GET", "s"), [[b"1-1", [b"a", b"1"]]])   # keel dialect
        self.assertTrue(r.rename("s", "t"))
        self.assertEqual(r.xlen("t"), 1)
        self.assertEqual(r.exists("s"), 0)
        self.assertEqual(r.info("keyspace")["db0"]["keys"], 2)
        self.assertTrue(r.pexpire("t", 50))
        wait_until("the stream expired", lambda: r.exists("t") == 0)
        r.xadd("u", {"a": "1"})
        self.assertEqual(r.delete("u"), 1)
        self.assertEqual(r.xlen("u"), 0)
        with self.assertRaises(redis.ResponseError) as e:
            r.xadd("str", {"a": "1"})
        self.assertIn("WRONGTYPE", str(e.exception))

    def test_streams_live_in_namespaces(self):
        inside = self.srv.client()
        inside.execute_command("NS", "app")
        inside.xadd("events", {"k": "v"}, id="5-1")
        self.assertEqual(inside.xlen("events"), 1)
        self.assertEqual(self.r.xlen("events"), 0)
        self.assertEqual(self.r.exists("app"), 1)
        self.assertEqual(inside.xrange("events"), [(b"5-1", {b"k": b"v"})])

    def test_streams_empty_stream_stays_until_deleted(self):
        r = self.r
        r.xadd("s", {"a": "1"}, id="1-1")
        self.assertEqual(r.xdel("s", "1-1"), 1)
        self.assertEqual(r.exists("s"), 1)
        self.assertEqual(r.xlen("s"), 0)
        self.assertEqual(r.xinfo_stream("s")["max-deleted-entry-id"], b"1-1")
        r.xgroup_create("mk", "g", id="$", mkstream=True)
        self.assertEqual(r.type("mk"), b"stream")

    # ---- IDs ----

    def test_streams_auto_ids_stay_monotonic_past_the_clock(self):
        r = self.r
        got = [r.xadd("s", {"n": str(i)}) for i in range(200)]
        parsed = [tuple(int(x) for x in i.split(b"-")) for i in got]
        self.assertEqual(parsed, sorted(set(parsed)))
        # the last ID far in the future: "*" goes on from it, as if the clock went back
        r.xadd("s", {"n": "x"}, id="99999999999999-5")
        self.assertEqual(r.xadd("s", {"n": "y"}), b"99999999999999-6")
        self.assertEqual(r.xadd("s", {"n": "z"}, id="99999999999999-*"), b"99999999999999-7")
        self.assertEqual(r.xadd("s", {"n": "z"}, id="99999999999999-*"), b"99999999999999-8")
        self.assertEqual(r.xadd("s", {"n": "z"}, id="100000000000000-*"), b"100000000000000-0")
        r.execute_command("XSETID", "s", "18446744073709551615-18446744073709551614")
        self.assertEqual(r.xadd("s", {"n": "z"}), b"18446744073709551615-18446744073709551615")
        with self.assertRaises(redis.ResponseError) as e:
            r.xadd("s", {"n": "z"})
        self.assertIn("exhausted the last possible ID", str(e.exception))

    def test_streams_errors_leave_the_server_serving(self):
        r = self.r
        r.xadd("s", {"a": "1"}, id="5-5")
        bad = [
            (["XADD", "s", "5-5", "a", "1"], "equal or smaller than the target stream top item"),
            (["XADD", "s", "1-x", "a", "1"], "Invalid stream ID"),
            (["XADD", "s", "6-1", "a"], "wrong number of arguments for 'xadd'"),
            (["XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"], "invalid start ID"),
            (["XREAD", "STREAMS", "s", "t", "0"], "Unbalanced XREAD list"),
            (["XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"], "NOGROUP"),
            (["XGROUP", "CREATE", "nokey", "g", "0"], "requires the key to exist"),
            (["XINFO", "STREAM", "nokey"], "no such key"),
            (["XCLAIM", "s", "g", "c", "0", "5-5"], "NOGROUP"),
            (["XTRIM", "s", "MAXLEN", "1", "LIMIT", "1"], "LIMIT cannot be used without the special ~"),
            (["XSETID", "s", "1-1"], "smaller than the target stream top item"),
            (["XADD", "s", "7-" + "9" * 200, "a", "1"], "Invalid stream ID"),
        ]
        for cmd, text in bad:
            with self.subTest(cmd=cmd[:3]):
                with self.assertRaises(redis.ResponseError) as e:
                    r.execute_command(*cmd)
                self.assertIn(text, str(e.exception))
        self.assertEqual(r.xlen("s"), 1)
        self.assertTrue(r.ping())

    def test_streams_in_transactions_and_scripts(self):
        r = self.r
        p = r.pipeline(transaction=True)
        p.xadd("a", {"f": "1"}, id="1-1")
        p.xadd("b", {"f": "2"}, id="2-2")   # another key, likely on another thread
        p.xlen("a")
        p.xread({"a": "0", "b": "0"})
        self.assertEqual(p.execute(), [b"1-1", b"2-2", 1,
                                       [[b"a", [(b"1-1", {b"f": b"1"})]], [b"b", [(b"2-2", {b"f": b"2"})]]]])
        script = """redis.call('XADD', KEYS[1], '5-5', 'n', ARGV[1])
                    redis.call('XGROUP', 'CREATE', KEYS[1], 'g', '0')
                    local got = redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', KEYS[1], '>')
                    return {redis.call('XLEN', KEYS[1]), #got[1][2], redis.call('XACK', KEYS[1], 'g', '5-5')}"""
        self.assertEqual(r.eval(script, 1, "sc", "v"), [1, 1, 1])
        self.assertEqual(r.xrange("sc"), [(b"5-5", {b"n": b"v"})])

    # ---- consumer groups ----

    def test_streams_group_spreads_entries_over_consumers_and_claims(self):
        r = self.r
        for i in range(1, 13):
            r.xadd("jobs", {"n": str(i)}, id="%d-0" % i)
        r.xgroup_create("jobs", "workers", id="0")
        got = {}
        for name in ("alice", "bob", "carol"):
            reply = r.xreadgroup("workers", name, {"jobs": ">"}, count=4)
            got[name] = ids(reply[0][1])
        delivered = sum(got.values(), [])
        self.assertEqual(sorted(delivered, key=lambda x: int(x.split(b"-")[0])),
                         [b"%d-0" % i for i in range(1, 13)])
        self.assertEqual(r.xreadgroup("workers", "dave", {"jobs": ">"}), [])
        summary = self.raw.execute_command("XPENDING", "jobs", "workers")
        self.assertEqual(summary[0], 12)
        self.assertEqual(summary[3], [[b"alice", b"4"], [b"bob", b"4"], [b"carol", b"4"]])
        self.assertEqual(r.xack("jobs", "workers", *got["alice"][:2]), 2)
        self.assertEqual(r.xack("jobs", "workers", *got["alice"][:2]), 0)
        # bob dies: carol claims his entries; dave takes the rest of what is idle
        claimed = r.xclaim("jobs", "workers", "carol", 0, got["bob"][:2], justid=True)
        self.assertEqual(claimed, got["bob"][:2])
        nxt, entries, deleted = r.execute_command("XAUTOCLAIM", "jobs", "workers", "dave", 0, "0", "COUNT", 3)
        self.assertEqual(len(entries), 3)
        self.assertEqual(deleted, [])
        self.assertNotEqual(nxt, b"0-0")
        consumers = {c["name"]: c["pending"] for c in r.xinfo_consumers("jobs", "workers")}
        self.assertEqual(sum(consumers.values()), 10)
        self.assertEqual(consumers[b"dave"], 3)
        history = r.xreadgroup("workers", "dave", {"jobs": "0"})
        self.assertEqual(len(history[0][1]), 3)
        ext = self.raw.execute_command("XPENDING", "jobs", "workers", "-", "+", 100, "dave")
        self.assertEqual([rec[3] for rec in ext], [3, 3, 3])   # read, auto-claimed, read again
        self.assertEqual(r.xgroup_delconsumer("jobs", "workers", "dave"), 3)
        self.assertEqual(self.raw.execute_command("XPENDING", "jobs", "workers")[0], 7)
        info = r.xinfo_groups("jobs")[0]
        self.assertEqual((info["pending"], info["entries-read"], info["lag"]), (7, 12, 0))

    # ---- blocking reads ----

    def blocked(self, fn):
        """Runs fn in a thread; returns (thread, result dict)."""
        out = {}

        def run():
            try:
                out["v"] = fn()
            except redis.ResponseError as e:
                out["error"] = str(e)

        t = threading.Thread(target=run)
        t.start()
        return t, out

    def test_streams_xread_block_woken_by_xadd_on_other_threads(self):
        r = self.r
        r.xadd("k1", {"old": "1"}, id="1-1")
        waiters = []
        for i in range(3):   # three readers at once, on keys that live on different shards
            c = self.client()
            waiters.append(self.blocked(lambda c=c: c.xread({"k1": "$", "k2": "$", "k%d" % (i + 3): "$"}, block=0)))
        wait_blocked(r, 3)
        r.xadd("k2", {"new": "2"}, id="7-7")
        for t, out in waiters:
            t.join(120)
            self.assertFalse(t.is_alive())
            self.assertEqual(out["v"], [[b"k2", [(b"7-7", {b"new": b"2"})]]])
        self.assertEqual(int(r.info("clients")["blocked_clients"]), 0)

    def test_streams_xread_dollar_is_what_it_meant_at_first_run(self):
        r = self.r
        r.xadd("s", {"a": "1"}, id="1-1")
        c = self.client()
        t, out = self.blocked(lambda: c.xread({"s": "$"}, block=0))
        wait_blocked(r, 1)
        p = r.pipeline(transaction=True)   # woken, finds nothing past 1-1, parks again
        p.xadd("s", {"b": "2"}, id="2-1")
        p.xdel("s", "2-1")
        p.execute()
        wait_blocked(r, 1)
        r.xadd("s", {"c": "3"}, id="3-1")
        t.join(120)
        self.assertEqual(out["v"], [[b"s", [(b"3-1", {b"c": b"3"})]]])

    def test_streams_xreadgroup_block_gives_each_entry_to_one_consumer(self):
        r = self.r
        r.xgroup_create("q", "g", id="$", mkstream=True)
        clients = [self.client() for _ in range(2)]
        waiters = [self.blocked(lambda c=c, n=n: c.xreadgroup("g", "c%d" % n, {"q": ">"}, block=0))
                   for n, c in enumerate(clients)]
        wait_blocked(r, 2)
        r.xadd("q", {"job": "1"}, id="1-0")
        wait_until("one reader served", lambda: sum(1 for t, _ in waiters if not t.is_alive()) == 1)
        wait_blocked(r, 1)
        r.xadd("q", {"job": "2"}, id="2-0")
        for t, _ in waiters:
            t.join(120)
        got = sorted(ids(out["v"][0][1])[0] for _, out in waiters)
        self.assertEqual(got, [b"1-0", b"2-0"])
        self.assertEqual(self.raw.execute_command("XPENDING", "q", "g")[0], 2)

    def test_streams_block_times_out_and_block_in_multi_answers_at_once(self):
        r = self.r
        r.xadd("s", {"a": "1"}, id="1-1")
        self.assertIsNone(self.raw.execute_command("XREAD", "BLOCK", 30, "STREAMS", "s", "$"))
        r.xgroup_create("s", "g", id="$")
        self.assertIsNone(self.raw.execute_command("XREADGROUP", "GROUP", "g", "c", "BLOCK", 30, "STREAMS", "s", ">"))
        self.assertEqual(int(r.info("clients")["blocked_clients"]), 0)
        p = r.pipeline(transaction=True)
        p.xread({"s": "$"}, block=0)
        p.xlen("s")
        self.assertEqual(p.execute(), [[], 1])   # redis-py shows the null array as []

    def test_streams_deleted_retyped_or_ungrouped_key_ends_blocked_xreadgroup(self):
        r = self.r
        for how in ("del", "set", "destroy", "expire"):
            with self.subTest(how=how):
                r.delete("s")
                r.xgroup_create("s", "g", id="$", mkstream=True)
                c = self.client()
                t, out = self.blocked(lambda: c.xreadgroup("g", "c", {"s": ">"}, block=0))
                x = self.client()
                t2, out2 = self.blocked(lambda: x.xread({"s": "$"}, block=0))
                wait_blocked(r, 2)
                if how == "del":
                    r.delete("s")
                elif how == "set":
                    r.set("s", "x")
                elif how == "destroy":
                    r.xgroup_destroy("s", "g")
                else:
                    r.pexpire("s", 1)
                t.join(120)
                self.assertFalse(t.is_alive())
                want = "NOGROUP the consumer group" if how == "destroy" else "UNBLOCKED the stream key no longer exists"
                self.assertIn(want, out["error"])
                wait_blocked(r, 1)   # XREAD waits on, as in Redis
                r.delete("s")
                r.xadd("s", {"late": "1"}, id="9-9")
                t2.join(120)
                self.assertEqual(out2["v"], [[b"s", [(b"9-9", {b"late": b"1"})]]])

    # ---- notifications ----

    def test_streams_keyspace_notifications(self):
        r = self.r
        r.config_set("notify-keyspace-events", "Et")
        sub = self.srv.client().pubsub()
        sub.psubscribe("__keyevent@0__:*")
        wait_until("subscribed", lambda: sub.get_message(timeout=0.1) is not None)
        r.xadd("s", {"a": "1"}, id="1-1")
        r.xadd("s", {"a": "2"}, id="2-1", maxlen=1, approximate=False)
        r.xdel("s", "2-1")
        r.xgroup_create("s", "g", id="0")
        r.xgroup_createconsumer("s", "g", "c")
        r.xgroup_setid("s", "g", id="0")
        r.xgroup_delconsumer("s", "g", "c")
        r.xgroup_destroy("s", "g")
        r.execute_command("XSETID", "s", "5-5")
        r.xtrim("s", maxlen=0, approximate=False)   # nothing left to trim: no event
        want = ["xadd", "xadd", "xtrim", "xdel", "xgroup-create", "xgroup-createconsumer",
                "xgroup-setid", "xgroup-delconsumer", "xgroup-destroy", "xsetid"]
        heard = []

        def all_heard():
            m = sub.get_message(timeout=0.1)
            if m and m["type"] == "pmessage":
                heard.append(m["channel"].decode().split(":", 1)[1])
            return len(heard) >= len(want)
        wait_until("every stream event", all_heard)
        self.assertEqual(heard, want)
        sub.close()

    # ---- snapshots ----

    def test_streams_survive_save_and_restart(self):
        with KeelServer(threads=2, modules=["resp", "strings", "streams"]) as srv:
            r, raw = srv.client(), raw_client(srv.client())
            for i in range(1, 351):
                r.xadd("s", {"user": "u%d" % i, "n": str(i), "e": ""}, id="%d-%d" % (i, i % 4))
            r.xadd("s", {"other": "fields"}, id="400-0")
            r.xdel("s", "10-2", "200-0")
            r.xgroup_create("s", "g", id="0", entries_read=0)
            r.xgroup_create("s", "h", id="$")
            r.xreadgroup("g", "alice", {"s": ">"}, count=5)
            r.xreadgroup("g", "bob", {"s": ">"}, count=3)
            r.xgroup_createconsumer("s", "g", "idle")
            r.xack("s", "g", "2-2")
            r.execute_command("XSETID", "s", "500-0", "ENTRIESADDED", 400, "MAXDELETEDID", "300-0")
            r.xadd("empty", {"a": "1"}, id="1-1")
            r.xdel("empty", "1-1")
            before = {
                "range": r.xrange("s"),
                "full": r.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "0"),
                "groups": r.xinfo_groups("s"),
                "pending": raw.execute_command("XPENDING", "s", "g", "-", "+", 100),
                "empty": r.execute_command("XINFO", "STREAM", "empty"),
            }
            self.assertTrue(r.save())
            srv.stop()
            srv.start()
            r, raw = srv.client(), raw_client(srv.client())
            self.assertEqual(r.xrange("s"), before["range"])
            self.assertEqual(r.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "0"), before["full"])
            self.assertEqual(r.xinfo_groups("s"), before["groups"])
            ext = raw.execute_command("XPENDING", "s", "g", "-", "+", 100)
            self.assertEqual([x[:2] + x[3:] for x in ext], [x[:2] + x[3:] for x in before["pending"]])
            self.assertEqual(r.execute_command("XINFO", "STREAM", "empty"), before["empty"])
            self.assertEqual(r.xadd("s", {"a": "1"}, id="500-*"), b"500-1")   # a live value again
            self.assertEqual(r.xreadgroup("g", "bob", {"s": ">"}, count=1)[0][1][0][0], b"9-1")

    def test_streams_replay_from_the_append_only_log(self):
        # "*" IDs and "~" trims replay to the same entries (logged with their IDs and exact lengths)
        with KeelServer("--appendonly", "yes", "--save", "", threads=2,
                        modules=["resp", "strings", "streams"]) as srv:
            r = srv.client()
            for i in range(250):
                r.xadd("s", {"n": str(i)})
            r.xadd("s", {"n": "x"}, id="99999999999999-*")
            r.xadd("s", {"n": "y"}, maxlen=120, approximate=True)
            r.xtrim("s", minid="0-1", approximate=True)
            r.xtrim("s", maxlen=50, approximate=True)
            r.xadd("nomk", {"a": "1"}, nomkstream=True)
            r.xgroup_create("s", "g", id="0")
            r.xreadgroup("g", "c", {"s": ">"}, count=3)
            r.xdel("s", r.xrange("s", count=5)[4][0])
            before = (r.xrange("s"), r.xlen("s"), r.xinfo_groups("s"), r.exists("nomk"))
            self.assertLessEqual(before[1], 120)
            srv.stop()
            srv.start()
            r = srv.client()
            self.assertEqual((r.xrange("s"), r.xlen("s"), r.xinfo_groups("s"), r.exists("nomk")), before)

    # ---- big streams yield ----

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

    def test_streams_big_ranges_trims_and_info_yield(self):
        r = self.r
        n = 80000  # four slices of XRANGE at least (a slice reads ~20,000 entries)
        self.assertEqual(pipeline_xadd(self.srv.port, "big", n), n)
        r.set("small", "v")
        self.assertEqual(r.xlen("big"), n)
        big = self.srv.client(socket_timeout=600)
        y0 = zvm_yields(r)
        entries, served = self.served_while(lambda: big.xrange("big"), "small", want=4)
        self.assertEqual(len(entries), n)
        self.assertEqual(entries[0], (b"1-0", {b"user": b"u0000001", b"event": b"click", b"ts": b"1"}))
        self.assertGreater(served, 3)
        rev, _ = self.served_while(lambda: big.xrevrange("big"), "small")
        self.assertEqual(rev, entries[::-1])
        y1 = zvm_yields(r)
        self.assertGreater(y1 - y0, 4)
        info, _ = self.served_while(lambda: big.execute_command("XINFO", "STREAM", "big", "FULL", "COUNT", "0"), "small")
        self.assertEqual(len(info[info.index(b"entries") + 1]), n)
        got, _ = self.served_while(lambda: big.xread({"big": "0"}, count=n), "small")
        self.assertEqual(len(got[0][1]), n)
        y2 = zvm_yields(r)
        self.assertGreater(y2, y1)
        trimmed, _ = self.served_while(lambda: big.xtrim("big", n // 4, approximate=False), "small")
        self.assertEqual(trimmed, n - n // 4)
        self.assertEqual(r.xlen("big"), n // 4)
        self.assertEqual(r.xrange("big", count=1)[0][0], b"%d-0" % (n - n // 4 + 1))
        self.assertEqual(r.delete("big"), 1)
        self.assertEqual(r.get("small"), b"v")


if __name__ == "__main__":
    unittest.main()
