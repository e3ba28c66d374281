"""test_scripting_undeclared.py -- scripts that touch keys they did not declare, under concurrency:
those that touch them before writing still run atomically (an auditor that declares every key
always sees the same total: they start over, or the server learns their keys), scripts that write
first and then need a key another such script holds never hang (they fail after
busy-reply-threshold), and INFO counts it."""
import random
import threading
import unittest

import redis

from keel_harness import KeelServer

ACCOUNTS = ["acct:%d" % i for i in range(8)]
START = 1000

# reads both keys first, declares nothing: starts over when a key it reads is held elsewhere
TRANSFER = """
local from, to, amount = ARGV[1], ARGV[2], tonumber(ARGV[3])
if tonumber(redis.call('GET', from)) < amount or not redis.call('GET', to) then return 0 end
redis.call('DECRBY', from, amount)
redis.call('INCRBY', to, amount)
return 1
"""
# key names built in the script: nothing to learn from ARGV
TRANSFER_BUILT = """
local from, to = 'acct:' .. ARGV[1], 'acct:' .. ARGV[2]
local a, b = tonumber(redis.call('GET', from)), tonumber(redis.call('GET', to))
redis.call('SET', from, a - 1)
redis.call('SET', to, b + 1)
return 1
"""
AUDIT = "local s = 0 for i = 1, #KEYS do s = s + tonumber(redis.call('GET', KEYS[i])) end return s"
# declares one key, reads an undeclared one before writing both
DECLARED_THEN_UNDECLARED = """
local v = tonumber(redis.call('GET', ARGV[1]))
redis.call('DECRBY', KEYS[1], 1)
redis.call('SET', ARGV[1], v + 1)
return 1
"""


class ScriptingUndeclared(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r = self.srv.client()
        self.r.config_set("busy-reply-threshold", 60000)   # a test that needs another sets it
        self.r.flushall()
        for a in ACCOUNTS:
            self.r.set(a, START)

    def run_workers(self, workers):
        errors = []

        def guard(fn):
            try:
                fn()
            except Exception as e:   # reported below: any error fails the test
                errors.append(repr(e))
        threads = [threading.Thread(target=guard, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(600)
        self.assertFalse([t for t in threads if t.is_alive()], "a client never got its reply")
        self.assertEqual(errors, [])

    def test_scripting_undeclared_keys_stay_atomic(self):
        done = threading.Event()
        audits = []

        def transfers(seed, script):
            rng, c = random.Random(seed), self.srv.client()
            sha = c.script_load(script)
            for _ in range(150):
                a, b = rng.sample(range(8), 2)
                if script == DECLARED_THEN_UNDECLARED:
                    self.assertEqual(c.evalsha(sha, 1, ACCOUNTS[a], ACCOUNTS[b]), 1)
                    continue
                args = (ACCOUNTS[a], ACCOUNTS[b], 1) if script != TRANSFER_BUILT else (a, b)
                self.assertEqual(c.evalsha(sha, 0, *args), 1)

        def multi_transfers(seed):
            rng, c = random.Random(seed), self.srv.client()
            for _ in range(150):
                a, b = rng.sample(ACCOUNTS, 2)
                p = c.pipeline(transaction=True)
                p.decrby(a, 1)
                p.incrby(b, 1)
                p.execute()

        def auditor():
            c = self.srv.client()
            sha = c.script_load(AUDIT)
            while not done.is_set() or len(audits) < 3:
                audits.append(c.evalsha(sha, len(ACCOUNTS), *ACCOUNTS))

        audit_errors = []

        def guarded_auditor():
            try:
                auditor()
            except Exception as e:
                audit_errors.append(repr(e))
                done.set()
        audit = threading.Thread(target=guarded_auditor)
        audit.start()
        self.run_workers([lambda s=s: transfers(s, TRANSFER) for s in range(4)] +
                         [lambda s=s: transfers(10 + s, TRANSFER_BUILT) for s in range(2)] +
                         [lambda s=s: transfers(20 + s, DECLARED_THEN_UNDECLARED) for s in range(2)] +
                         [lambda s=s: multi_transfers(30 + s) for s in range(2)])
        done.set()
        audit.join(600)
        self.assertEqual(audit_errors, [])
        self.assertGreaterEqual(len(audits), 3)
        self.assertEqual(set(audits), {START * len(ACCOUNTS)})
        self.assertEqual(sum(int(self.r.get(a)) for a in ACCOUNTS), START * len(ACCOUNTS))
        info = self.r.info("scripting")
        self.assertGreater(info["scripts_undeclared_keys"], 0)
        self.assertGreater(info["scripts_learned_argv_keys"], 0)

    def test_scripting_undeclared_restart_after_contention(self):
        """A script that reads an undeclared key held by a busy neighbour starts over and ends
        with the right answer once the neighbour lets go."""
        self.r.config_set("busy-reply-threshold", 60000)
        self.r.set("held", 5)
        holder = threading.Thread(target=lambda: self.srv.client().eval(
            "local s = 0 for i = 1, 2000000 do s = s + i end return redis.call('INCR', KEYS[1])", 1, "held"))
        holder.start()
        restarts = self.r.info("scripting")["scripts_undeclared_restarts"]
        got = self.r.eval("return redis.call('GET', ARGV[1])", 0, "held")
        holder.join(600)
        self.assertIn(got, (b"5", b"6"))
        self.assertEqual(self.r.get("held"), b"6")
        self.assertGreaterEqual(self.r.info("scripting")["scripts_undeclared_restarts"], restarts)

    def test_scripting_crossing_writers_never_hang(self):
        """Scripts that write, then touch an undeclared key another such script holds, cannot
        start over: they wait at most busy-reply-threshold and then fail with a clear error,
        never forever; every call returns and the keys are usable after."""
        self.r.config_set("busy-reply-threshold", 200)
        outcomes = []
        lock = threading.Lock()

        def crossing(seed):
            rng, c = random.Random(seed), self.srv.client()
            for _ in range(60):
                a, b = rng.sample(range(4), 2)
                try:
                    c.eval("redis.call('INCR', 'cross:' .. ARGV[1]) redis.call('INCR', 'cross:' .. ARGV[2]) return 1",
                           0, a, b)
                    result = "ok"
                except redis.ResponseError as e:
                    self.assertIn("waited longer than busy-reply-threshold for a key it did not declare", str(e))
                    result = "late"
                with lock:
                    outcomes.append(result)
        self.run_workers([lambda s=s: crossing(s) for s in range(4)])
        self.assertEqual(len(outcomes), 240)
        self.assertIn("ok", outcomes)
        for i in range(4):
            self.assertEqual(self.r.incr("cross:%d" % i) > 0, True)


if __name__ == "__main__":
    unittest.main()
