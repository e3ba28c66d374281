"""test_streams_yield.py -- streams.so's long group operations and big deletions give way to other
clients, on a server with one thread (every key on the same thread): XINFO STREAM FULL over a big
pending list, XAUTOCLAIM with a huge COUNT (Redis's COUNT limit and error text too), and DEL of a
big stream freed a slice per turn.  Interleaving is proven by counters, never by time: the zvm's
yield counter moves while the command runs and another client's INFO shows it moving before the
big reply has arrived; INFO's streams_free_steps counts the turns a big stream was freed over.
"""
import select
import unittest

from keel_harness import KeelServer, have_module, raw_client, wait_until

# Redis's XAUTOCLAIM takes a COUNT up to LONG_MAX / 16 (sizeof(streamID)).
AUTOCLAIM_COUNT_MAX = (2 ** 63 - 1) // 16

# Builds a stream of ARGV[1] entries (IDs 1-0 .. n-0) server-side, and a group g at 0-0.
FILL = """
for i = 1, tonumber(ARGV[1]) do
    redis.call('XADD', KEYS[1], i .. '-0', 'user', 'u' .. i, 'ts', i)
end
redis.call('XGROUP', 'CREATE', KEYS[1], 'g', '0')
return 1
"""

# Delivers ARGV[2] new entries of KEYS[1] to consumer ARGV[1] of group g (the reply stays in Lua).
DELIVER = """
redis.call('XREADGROUP', 'GROUP', 'g', ARGV[1], 'COUNT', ARGV[2], 'STREAMS', KEYS[1], '>')
return 1
"""


def zvm_yields(r):
    return int(r.info("stats")["zvm_yields"])


def pairs(flat):
    """A RESP2 map (a flat list of field, value ...) as a dict of its fields."""
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}


@unittest.skipUnless(have_module("streams") and have_module("scripting"), "streams.so or scripting.so missing")
class StreamsYield(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=1, modules=["resp", "strings", "scripting", "streams"]).start()
        cls.r = cls.srv.client()
        cls.raw = raw_client(cls.srv.client())   # replies as sent (XAUTOCLAIM, XPENDING)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()
        self.r.set("small", "v")

    def fill(self, key, n):
        self.assertEqual(self.r.eval(FILL, 1, key, n), 1)
        self.assertEqual(self.r.xlen(key), n)

    def deliver(self, key, consumer, n):
        self.assertEqual(self.r.eval(DELIVER, 1, key, consumer, n), 1)

    def run_interleaved(self, *command):
        """Sends command on a connection of its own and, until its reply starts to arrive, has
        another client GET a key and read the yield counter.  Returns (the reply, the yields the
        command made, how often the other client saw the command yield before its reply came)."""
        big = self.srv.client(socket_timeout=600, single_connection_client=True)
        other = self.srv.client(single_connection_client=True)
        big.ping()
        conn = big.connection
        y0 = zvm_yields(other)
        conn.send_command(*command)
        seen_midway = 0
        while not select.select([conn._sock], [], [], 0)[0]:
            self.assertEqual(other.get("small"), b"v")
            moved = zvm_yields(other) > y0
            if moved and not select.select([conn._sock], [], [], 0)[0]:
                seen_midway += 1
        reply = conn.read_response()
        return reply, zvm_yields(other) - y0, seen_midway

    def test_streams_xinfo_full_over_a_big_pel_yields_while_others_are_served(self):
        n = 100000
        self.fill("s", n)
        self.deliver("s", "alice", n // 2)
        self.deliver("s", "bob", n // 2)
        self.assertEqual(self.r.xtrim("s", 0, approximate=False), n)   # only the groups are left to list
        reply, yields, seen = self.run_interleaved("XINFO", "STREAM", "s", "FULL", "COUNT", "0")
        self.assertGreaterEqual(yields, 5)
        self.assertGreaterEqual(seen, 1)
        info = pairs(reply)
        self.assertEqual((info[b"length"], info[b"entries"]), (0, []))
        (group,) = info[b"groups"]
        group = pairs(group)
        self.assertEqual(group[b"pel-count"], n)
        pel = group[b"pending"]
        self.assertEqual([rec[0] for rec in pel], [b"%d-0" % i for i in range(1, n + 1)])
        self.assertEqual({rec[1] for rec in pel[: n // 2]}, {b"alice"})
        self.assertEqual({rec[1] for rec in pel[n // 2:]}, {b"bob"})
        consumers = [pairs(c) for c in group[b"consumers"]]
        self.assertEqual([(c[b"name"], c[b"pel-count"], len(c[b"pending"])) for c in consumers],
                         [(b"alice", n // 2, n // 2), (b"bob", n // 2, n // 2)])
        self.assertEqual(consumers[1][b"pending"][0][0], b"%d-0" % (n // 2 + 1))
        # COUNT still cuts every list, and the answer is the same as in one go
        small = pairs(self.r.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", "3"))
        small_group = pairs(small[b"groups"][0])
        self.assertEqual([rec[0] for rec in small_group[b"pending"]], [b"1-0", b"2-0", b"3-0"])
        self.assertEqual([len(pairs(c)[b"pending"]) for c in small_group[b"consumers"]], [3, 3])

    def test_streams_xinfo_full_lists_each_consumers_own_records(self):
        # records dealt round-robin to 3 consumers, then some claimed by a fourth: each consumer's
        # list holds its own records in ID order, cut by COUNT
        self.fill("s", 30)
        self.r.eval("for i = 1, 30 do redis.call('XREADGROUP', 'GROUP', 'g', 'c' .. (i % 3), 'COUNT', 1,"
                    " 'STREAMS', KEYS[1], '>') end return 1", 1, "s")
        self.raw.execute_command("XCLAIM", "s", "g", "d", "0", "4-0", "5-0", "29-0", "JUSTID")
        owner = {i: "c%d" % (i % 3) for i in range(1, 31)}
        owner.update({4: "d", 5: "d", 29: "d"})
        for count in (0, 2, 4):
            info = pairs(self.raw.execute_command("XINFO", "STREAM", "s", "FULL", "COUNT", str(count)))
            group = pairs(info[b"groups"][0])
            got = {pairs(c)[b"name"].decode(): [rec[0] for rec in pairs(c)[b"pending"]] for c in group[b"consumers"]}
            want = {}
            for i in range(1, 31):
                mine = want.setdefault(owner[i], [])
                if not count or len(mine) < count:
                    mine.append(b"%d-0" % i)
            self.assertEqual(got, want, count)
            self.assertEqual({pairs(c)[b"name"].decode(): pairs(c)[b"pel-count"] for c in group[b"consumers"]},
                             {"c0": 10, "c1": 9, "c2": 8, "d": 3})

    def test_streams_xautoclaim_huge_count_yields_and_drops_deleted_entries(self):
        n = 100000
        self.fill("s", n)
        self.deliver("s", "alice", n)
        gone = list(range(7, n + 1, 7))
        self.assertEqual(self.r.xdel("s", *["%d-0" % i for i in gone]), len(gone))
        reply, yields, seen = self.run_interleaved("XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT",
                                                   str(AUTOCLAIM_COUNT_MAX), "JUSTID")
        self.assertGreaterEqual(yields, 5)
        self.assertGreaterEqual(seen, 1)
        left = [i for i in range(1, n + 1) if i % 7]
        self.assertEqual(reply[0], b"0-0")
        self.assertEqual(reply[1], [b"%d-0" % i for i in left])
        self.assertEqual(reply[2], [b"%d-0" % i for i in gone])
        summary = self.raw.execute_command("XPENDING", "s", "g")
        self.assertEqual(summary[:3], [len(left), b"1-0", b"%d-0" % left[-1]])
        self.assertEqual(summary[3], [[b"bob", str(len(left)).encode()]])
        owners = {c["name"]: c["pending"] for c in self.r.xinfo_consumers("s", "g")}
        self.assertEqual(owners, {b"alice": 0, b"bob": len(left)})
        recs = self.r.xpending_range("s", "g", "-", "+", 3)
        self.assertEqual([(x["message_id"], x["consumer"]) for x in recs],
                         [(b"1-0", b"bob"), (b"2-0", b"bob"), (b"3-0", b"bob")])

    def test_streams_xautoclaim_count_limits_and_next_start(self):
        self.fill("s", 30)
        self.deliver("s", "alice", 30)
        self.r.xdel("s", "2-0", "3-0")
        for bad in ("0", "-1", "x", str(AUTOCLAIM_COUNT_MAX + 1), str(2 ** 63)):
            with self.assertRaisesRegex(Exception, "^COUNT must be > 0$"):
                self.raw.execute_command("XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", bad)
        # COUNT counts the deleted records dropped too; the next start is the first not looked at
        got = self.raw.execute_command("XAUTOCLAIM", "s", "g", "bob", "0", "0", "COUNT", "3", "JUSTID")
        self.assertEqual(got, [b"4-0", [b"1-0"], [b"2-0", b"3-0"]])
        got = self.raw.execute_command("XAUTOCLAIM", "s", "g", "bob", "0", "5-0", "COUNT", "2")
        self.assertEqual([e[0] for e in got[1]], [b"5-0", b"6-0"])
        self.assertEqual(got[0], b"7-0")
        # only idle ones: none is idle for an hour, so 10 * COUNT records are looked at, then it stops
        got = self.raw.execute_command("XAUTOCLAIM", "s", "g", "bob", "3600000", "0", "COUNT", "1")
        self.assertEqual(got, [b"13-0", [], []])
        self.assertEqual(self.raw.execute_command("XPENDING", "s", "g")[0], 28)

    def test_streams_del_of_a_big_stream_is_freed_over_several_turns(self):
        n = 150000
        self.fill("s", n)
        for i in range(2000):   # consumers are freed in slices too
            self.r.execute_command("XGROUP", "CREATECONSUMER", "s", "g", "c%d" % i)
        self.deliver("s", "c7", 1000)
        # a stream an earlier test deleted may still be freeing (slowly, in a sanitizer build)
        wait_until("earlier streams to be freed",
                   lambda: int(self.r.info("streams")["streams_freeing"]) == 0, timeout=120)
        info = self.r.info("streams")
        steps0 = int(info["streams_free_steps"])
        self.assertEqual(int(info["streams_freeing"]), 0)
        self.assertEqual(self.r.delete("s"), 1)
        self.assertEqual(self.r.get("small"), b"v")
        wait_until("the stream to be freed", lambda: int(self.r.info("streams")["streams_freeing"]) == 0 and
                   int(self.r.info("memory")["lazyfree_pending_objects"]) == 0)
        # 1500 chunks and 2000 consumers at 1024 a step: at least 3 turns, each after the thread's I/O
        self.assertGreaterEqual(int(self.r.info("streams")["streams_free_steps"]) - steps0, 3)
        self.assertEqual(self.r.exists("s"), 0)
        # a small stream goes at once, without a step
        self.fill("t", 10)
        steps1 = int(self.r.info("streams")["streams_free_steps"])
        self.assertEqual(self.r.delete("t"), 1)
        self.assertEqual(int(self.r.info("streams")["streams_free_steps"]), steps1)

    def test_streams_big_stream_left_at_shutdown_is_freed(self):
        # a server stopped while a big stream is being freed still frees it (no leak under ASan)
        srv = KeelServer(threads=1, modules=["resp", "scripting", "streams"]).start()
        try:
            r = srv.client()
            r.eval(FILL, 1, "s", 120000)
            r.delete("s")
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
