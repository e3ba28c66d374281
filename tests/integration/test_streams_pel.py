"""test_streams_pel.py -- a consumer group's pending entries list (PEL) against a Python model,
through random deliveries (XREADGROUP), acknowledgements at the oldest end and anywhere (XACK),
forced claims that insert in the middle (XCLAIM FORCE), XAUTOCLAIM walks that move and drop
records, and deleted entries: the PEL keeps room at both of its ends and moves the shorter side,
so every path (front and back, growing, sliding home, shrinking) must keep the records, their
order and their owners exactly.  Checked with XPENDING's extended form and XINFO CONSUMERS.
"""
import bisect
import random
import unittest

from keel_harness import KeelServer, have_module, raw_client

N = 4000


def sid(i):
    return b"%d-0" % i


@unittest.skipUnless(have_module("streams"), "streams.so missing")
class StreamsPel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "streams"]).start()
        cls.r = raw_client(cls.srv.client())

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def check(self, pel, deleted):
        got = self.r.execute_command("XPENDING", "s", "g", "-", "+", str(N + 1))
        want = sorted(pel.items())
        self.assertEqual([(g[0], g[1]) for g in got], [(sid(i), o) for i, o in want])
        counts = {}
        for o in pel.values():
            counts[o] = counts.get(o, 0) + 1
        info = self.r.execute_command("XINFO", "CONSUMERS", "s", "g")
        have = {c[1]: c[3] for c in info}
        self.assertEqual({k: v for k, v in have.items() if v}, counts)

    def test_streams_pel_matches_a_model_through_random_changes(self):
        r, rng = self.r, random.Random(1313)
        r.flushall()
        pipe = r.pipeline(transaction=False)
        for i in range(1, N + 1):
            pipe.execute_command("XADD", "s", sid(i), "f", str(i))
        pipe.execute()
        r.execute_command("XGROUP", "CREATE", "s", "g", "0")
        consumers = [b"c%d" % i for i in range(5)]
        pel, deleted, delivered = {}, set(), 0
        for step in range(1500):
            op = rng.random()
            if op < 0.25 and delivered < N:   # deliver the next entries
                c, k = rng.choice(consumers), rng.randint(1, 40)
                got = r.execute_command("XREADGROUP", "GROUP", "g", c, "COUNT", str(k), "STREAMS", "s", ">")
                for e in (got[0][1] if got else []):
                    i = int(e[0].split(b"-")[0])
                    pel[i] = c
                    delivered = max(delivered, i)
                # entries deleted before delivery are skipped by XREADGROUP: the model follows the reply
            elif op < 0.50 and pel:   # acknowledge, mostly the oldest
                keys = sorted(pel)
                pick = keys[:rng.randint(1, 20)] if rng.random() < 0.6 else rng.sample(keys, min(len(keys), rng.randint(1, 20)))
                self.assertEqual(r.execute_command("XACK", "s", "g", *[sid(i) for i in pick]), len(set(pick)))
                for i in pick:
                    pel.pop(i, None)
            elif op < 0.70 and delivered:   # force a claim of an entry no longer pending: an insert
                i = rng.randint(1, delivered)
                c = rng.choice(consumers)
                got = r.execute_command("XCLAIM", "s", "g", c, "0", sid(i), "FORCE", "JUSTID")
                if i in deleted:
                    self.assertEqual(got, [])
                    pel.pop(i, None)
                else:
                    self.assertEqual(got, [sid(i)])
                    pel[i] = c
            elif op < 0.80 and delivered:   # delete an entry (its record stays until claimed)
                i = rng.randint(1, delivered)
                r.execute_command("XDEL", "s", sid(i))
                deleted.add(i)
            elif op < 0.95:   # autoclaim a window
                start, k, c = rng.randint(0, max(delivered, 1)), rng.randint(1, 60), rng.choice(consumers)
                got = r.execute_command("XAUTOCLAIM", "s", "g", c, "0", sid(start), "COUNT", str(k), "JUSTID")
                keys = sorted(pel)
                at = bisect.bisect_left(keys, start)
                claimed, dropped, looked = [], [], keys[at:at + k]
                for i in looked:
                    if i in deleted:
                        dropped.append(i)
                        del pel[i]
                    else:
                        claimed.append(i)
                        pel[i] = c
                rest = keys[at + len(looked):]
                self.assertEqual(got, [sid(rest[0]) if rest else b"0-0", [sid(i) for i in claimed],
                                       [sid(i) for i in dropped]])
            if step % 25 == 0:
                self.check(pel, deleted)
        self.check(pel, deleted)
        self.assertGreater(delivered, N // 2)


if __name__ == "__main__":
    unittest.main()
