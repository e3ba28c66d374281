"""test_scripting_undeclared.py -- scripts that touch keys they did not declare, under concurrency:
those that touch them before writing still run atomically (an auditor that declares every key
always sees the same total: they start over, or the server learns their keys); scripts that write
first and then need a key another such script holds run alone (the server has seen them touch
undeclared keys) and all succeed, as in Redis; and INFO counts it."""
import random
import threading
import unittest

import redis

from keel_harness import KeelServer, SharedServerTest, wait_until
from test_scripting import keys_on_distinct_threads

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


def transfer_in_transactions(c, seed, n=150):
    """n transfers of one unit between random accounts, each a MULTI/EXEC transaction."""
    rng = random.Random(seed)
    for _ in range(n):
        a, b = rng.sample(ACCOUNTS, 2)
        p = c.pipeline(transaction=True)
        p.decrby(a, 1)
        p.incrby(b, 1)
        p.execute()


def shard_ordered_keys(r):
    """Two keys k, j with k's shard before j's (DEBUG ZVM EXPLAIN tells a key's shard): a
    command with both takes k first."""
    def shard(key):
        text = r.execute_command("DEBUG", "ZVM", "EXPLAIN", "GET", key)
        text = text.decode() if isinstance(text, bytes) else "\n".join(
            x.decode() if isinstance(x, bytes) else str(x) for x in text)
        return int(text.split(" shard ")[1].split()[0])
    keys = ["order:%d" % i for i in range(64)]
    first = min(keys, key=shard)
    last = max(keys, key=shard)
    assert shard(first) < shard(last)
    return first, last


class ScriptingUndeclared(SharedServerTest):
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
            transfer_in_transactions(self.srv.client(), seed)

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

    def test_scripting_crossing_writers_all_succeed(self):
        """Scripts that write, then touch an undeclared key another such script may hold, could
        only wait for each other: once the server has seen the script touch one (its first
        run, here on its own), every run is alone, so every call succeeds and every increment is
        there, whatever the interleaving.  busy-reply-threshold is short: a wait between two of
        them would fail."""
        self.r.config_set("busy-reply-threshold", 200)
        script = "redis.call('INCR', 'cross:' .. ARGV[1]) redis.call('INCR', 'cross:' .. ARGV[2]) return 1"
        alone_before = self.r.info("scripting")["scripts_alone"]
        self.assertEqual(self.r.eval(script, 0, 0, 1), 1)
        self.assertEqual(self.r.info("scripting")["scripts_alone"], alone_before + 1)

        def crossing(seed):
            rng, c = random.Random(seed), self.srv.client()
            for _ in range(60):
                a, b = rng.sample(range(4), 2)
                self.assertEqual(c.eval(script, 0, a, b), 1)
        self.run_workers([lambda s=s: crossing(s) for s in range(6)])
        self.assertEqual(sum(int(self.r.get("cross:%d" % i) or 0) for i in range(4)), 2 + 6 * 60 * 2)
        self.assertEqual(self.r.info("scripting")["scripts_alone"], alone_before + 1)

    def test_scripting_written_script_gets_a_key_a_waiting_request_holds(self):
        """A script already seen running clean, that wrote over a value bigger than such a run
        keeps (4 KiB), then reads an undeclared key that a multi-key request holds while that
        request waits for the script's declared key: the two would wait for each other (the
        script cannot start over: nothing would put its write back).  The request gives its keys back and takes them
        again behind the script (INFO's zvm_lock_retakes), so both succeed: the script reads the
        value from before the request, as if it had run first."""
        self.r.config_set("busy-reply-threshold", 20000)   # the old way failed the script after it
        k, j = shard_ordered_keys(self.r)                   # MSET takes k first, then waits for j
        script = ("redis.call('SET', KEYS[1], 'w') local n = 0 "
                  "for i = 1, tonumber(ARGV[2]) do n = n + i end "
                  "if ARGV[3] == '1' then return redis.call('GET', ARGV[1]) end return 'clean'")
        n, retaken = 5_000_000, False
        for attempt in range(6):
            text = f"{script} -- attempt {attempt}"
            self.assertEqual(self.r.eval(text, 1, j, k, 0, 0), b"clean")   # a clean first run
            self.r.delete(k, j)
            self.r.set(j, "p" * 5000)   # over what a later run keeps: it cannot put it back
            before = self.r.info("stats")["zvm_lock_retakes"]
            out = {}

            def run_script():
                try:
                    out["script"] = self.srv.client().eval(text, 1, j, k, n, 1)
                except Exception as e:   # checked below
                    out["error"] = repr(e)
            t = threading.Thread(target=run_script)
            t.start()
            wait_until("the script runs", lambda: self.r.info("scripting")["scripts_running"] == 1
                       or not t.is_alive())
            self.assertEqual(self.r.mset({k: "1", j: "2"}), True)
            t.join(600)
            self.assertNotIn("error", out)
            self.assertEqual(self.r.mget(k, j), [b"1", b"2"])
            if self.r.info("stats")["zvm_lock_retakes"] > before:
                self.assertIsNone(out["script"])        # it read k before MSET wrote it
                retaken = True
                break
            n *= 2   # the script reached k before MSET came: a longer loop
        self.assertTrue(retaken, "the request never waited for the script's key while holding k")

    def test_scripting_first_run_that_wrote_puts_its_writes_back_and_starts_over(self):
        """A first run that wrote (keys on both threads' shards: a string with a TTL, a list it
        creates, a hash) and then needs an undeclared key a running script holds puts every
        write back (the string's value and TTL, the list gone again) while it still holds its
        keys, and starts over alone once the other ends: its writes are there once, not twice,
        and the append-only log replays them once."""
        a, b = keys_on_distinct_threads(self.r, 2)
        self.r.config_set("busy-reply-threshold", 60000)
        self.r.set(a, "base", px=600000)
        self.r.hset(a + ":h", "n", 5)
        holder_key = "held:" + a
        undone0 = self.r.info("scripting")["scripts_undeclared_undone"]
        token = random.getrandbits(48)
        holder = (f"-- holder {token}\n"
                  "redis.call('INCR', KEYS[1]) "
                  "local t0 = tonumber(redis.call('TIME')[1]) "
                  "while tonumber(string.match(redis.call('INFO', 'scripting'), "
                  "'scripts_undeclared_undone:(%d+)')) <= tonumber(ARGV[1]) do "
                  "  if tonumber(redis.call('TIME')[1]) - t0 > 120 then return 'timeout' end "
                  "end return 'holder done'")
        writer = (f"-- writer {token}\n"
                  "redis.call('APPEND', KEYS[1], 'x') redis.call('RPUSH', KEYS[2], 'e') "
                  "redis.call('HINCRBY', KEYS[3], 'n', 1) "
                  "return redis.call('INCR', ARGV[1])")
        out = {}

        def run(name, *args):
            try:
                out[name] = self.srv.client().eval(*args)
            except redis.ResponseError as e:
                out[name] = "error: %s" % e
        t1 = threading.Thread(target=run, args=("holder", holder, 1, holder_key, undone0))
        t1.start()
        wait_until("the holder runs", lambda: self.r.info("scripting")["scripts_running"] == 1)
        t2 = threading.Thread(target=run, args=("writer", writer, 3, a, b, a + ":h", holder_key))
        t2.start()
        t1.join(600)
        t2.join(600)
        self.assertEqual(out, {"holder": b"holder done", "writer": 2})
        self.assertEqual(self.r.info("scripting")["scripts_undeclared_undone"], undone0 + 1)
        self.assertEqual(self.r.get(a), b"basex")
        self.assertGreater(self.r.pttl(a), 0)
        self.assertEqual(self.r.lrange(b, 0, -1), [b"e"])
        self.assertEqual(self.r.hget(a + ":h", "n"), b"6")
        self.assertEqual(self.r.get(holder_key), b"2")

    def test_scripting_later_run_that_wrote_small_values_starts_over_too(self):
        """A script seen running clean that, on some input, touches an undeclared key after
        writing: its small writes (up to 4 KiB a value) are kept too, so it puts them back and
        starts over alone when that key is held, rather than waiting."""
        self.r.config_set("busy-reply-threshold", 60000)
        token = random.getrandbits(48)
        script = (f"-- branchy {token}\n"
                  "redis.call('INCR', KEYS[1]) "
                  "if ARGV[2] == '1' then redis.call('INCR', ARGV[1]) end return 'ok'")
        self.assertEqual(self.r.eval(script, 1, "br:a", "br:b", 0), b"ok")   # seen clean
        undone0 = self.r.info("scripting")["scripts_undeclared_undone"]
        holder = ("redis.call('INCR', KEYS[1]) local t0 = tonumber(redis.call('TIME')[1]) "
                  "while tonumber(string.match(redis.call('INFO', 'scripting'), "
                  "'scripts_undeclared_undone:(%d+)')) <= tonumber(ARGV[1]) do "
                  "  if tonumber(redis.call('TIME')[1]) - t0 > 120 then return 'timeout' end "
                  f"end return 'holder done' -- {token}")
        out = {}
        t = threading.Thread(target=lambda: out.update(h=self.srv.client().eval(holder, 1, "br:b", undone0)))
        t.start()
        wait_until("the holder runs", lambda: self.r.info("scripting")["scripts_running"] == 1)
        self.assertEqual(self.r.eval(script, 1, "br:a", "br:b", 1), b"ok")
        t.join(600)
        self.assertEqual(out, {"h": b"holder done"})
        self.assertEqual(self.r.mget("br:a", "br:b"), [b"2", b"2"])
        self.assertEqual(self.r.info("scripting")["scripts_undeclared_undone"], undone0 + 1)

    def test_scripting_a_write_too_big_to_keep_waits_instead(self):
        """A first run whose write cannot be kept (the value it changes is over 4 MiB) does not
        start over after writing: its later call waits for the key another script holds, and
        its writes stay exactly once."""
        self.r.config_set("busy-reply-threshold", 60000)
        big = "v" * (5 << 20)
        self.r.set("big", big)
        undone0 = self.r.info("scripting")["scripts_undeclared_undone"]
        token = random.getrandbits(48)
        holder = (f"-- holder {token}\n"
                  "redis.call('INCR', KEYS[1]) local s = 0 for i = 1, 3000000 do s = s + i end "
                  "return 1")
        writer = (f"-- writer {token}\n"
                  "redis.call('APPEND', KEYS[1], 'x') return redis.call('INCR', ARGV[1])")
        t = threading.Thread(target=lambda: self.srv.client().eval(holder, 1, "held2"))
        t.start()
        wait_until("the holder runs", lambda: self.r.info("scripting")["scripts_running"] == 1
                   or not t.is_alive())
        self.assertEqual(self.r.eval(writer, 1, "big", "held2"), 2)
        t.join(600)
        self.assertEqual(self.r.strlen("big"), len(big) + 1)
        self.assertEqual(self.r.getrange("big", -2, -1), b"vx")
        self.assertEqual(self.r.info("scripting")["scripts_undeclared_undone"], undone0)

    def test_scripting_put_back_writes_never_reach_the_log(self):
        """The same start over with the append-only log on: after a restart the log replays the
        writes once (a replayed put-back APPEND would show twice)."""
        with KeelServer("--appendonly", "yes", "--appendfsync", "always", "--save", "", threads=2) as srv:
            r = srv.client()
            r.config_set("busy-reply-threshold", 60000)
            a, b = keys_on_distinct_threads(r, 2)
            r.set(a, "base")
            undone0 = r.info("scripting")["scripts_undeclared_undone"]
            holder = ("redis.call('INCR', KEYS[1]) local t0 = tonumber(redis.call('TIME')[1]) "
                      "while tonumber(string.match(redis.call('INFO', 'scripting'), "
                      "'scripts_undeclared_undone:(%d+)')) <= tonumber(ARGV[1]) do "
                      "  if tonumber(redis.call('TIME')[1]) - t0 > 120 then return 'timeout' end "
                      "end return 'holder done'")
            writer = ("redis.call('APPEND', KEYS[1], 'x') redis.call('RPUSH', KEYS[2], 'e') "
                      "return redis.call('INCR', ARGV[1])")
            out = {}

            def run(name, *args):
                out[name] = srv.client().eval(*args)
            t1 = threading.Thread(target=run, args=("holder", holder, 1, "held", undone0))
            t1.start()
            wait_until("the holder runs", lambda: r.info("scripting")["scripts_running"] == 1)
            t2 = threading.Thread(target=run, args=("writer", writer, 2, a, b, "held"))
            t2.start()
            t1.join(600)
            t2.join(600)
            self.assertEqual(out, {"holder": b"holder done", "writer": 2})
            srv.stop()
            r = srv.start().client()
            wait_until("the log to load", lambda: r.info("persistence")["loading"] == 0)
            self.assertEqual((r.get(a), r.lrange(b, 0, -1), r.get("held")), (b"basex", [b"e"], b"2"))

    def test_scripting_two_written_first_runs_crossing_both_succeed(self):
        """Two first runs that each wrote their declared key and then need the other's would
        wait for each other.  The younger, meeting the older's key, puts its write back and
        starts over alone: the older (which waits, in Lua, until that happened) then takes the
        younger's key freely, and both end with both increments in."""
        self.r.config_set("busy-reply-threshold", 60000)
        token = random.getrandbits(48)   # new scripts: first runs
        undone0 = self.r.info("scripting")["scripts_undeclared_undone"]
        older = (f"-- older {token}\n"
                 "redis.call('INCR', KEYS[1]) "
                 "local t0 = tonumber(redis.call('TIME')[1]) "
                 "while tonumber(string.match(redis.call('INFO', 'scripting'), "
                 "'scripts_undeclared_undone:(%d+)')) <= tonumber(ARGV[2]) do "
                 "  if tonumber(redis.call('TIME')[1]) - t0 > 120 then return 'timeout' end "
                 "end "
                 "redis.call('INCR', ARGV[1]) return 'older done'")
        younger = (f"-- younger {token}\n"
                   "redis.call('INCR', KEYS[1]) redis.call('INCR', ARGV[1]) return 'younger done'")
        cycles = self.r.info("stats")["zvm_lock_cycles_broken"]
        self.r.flushall()
        out = {}

        def run(name, text, key, *args):
            try:
                out[name] = self.srv.client().eval(text, 1, key, *args)
            except redis.ResponseError as e:
                out[name] = "error: %s" % e
        first = threading.Thread(target=run, args=("older", older, "cyc:a", "cyc:b", undone0))
        first.start()
        wait_until("the older script made its key", lambda: self.r.dbsize() >= 1)
        second = threading.Thread(target=run, args=("younger", younger, "cyc:b", "cyc:a"))
        second.start()
        first.join(600)
        second.join(600)
        self.assertEqual(out, {"older": b"older done", "younger": b"younger done"})
        self.assertEqual(self.r.mget("cyc:a", "cyc:b"), [b"2", b"2"])
        # the older may put its write back too: the younger's gate, raised to run alone, stops
        # the older's next key while the younger waits for the older's first
        self.assertGreaterEqual(self.r.info("scripting")["scripts_undeclared_undone"], undone0 + 1)
        self.assertEqual(self.r.info("stats")["zvm_lock_cycles_broken"], cycles)

    def test_scripting_first_runs_crossing_transactions_stay_consistent(self):
        """Scripts that are always on their first run (a new text each call) move a unit from a
        declared key to an undeclared one, after writing, while transactions move units between
        the same keys across shards: every call succeeds (none waits out busy-reply-threshold,
        set long here: a cycle left standing would fail a script) and the total stays."""
        self.r.config_set("busy-reply-threshold", 20000)

        def scripts(seed):
            rng, c = random.Random(seed), self.srv.client()
            for i in range(120):
                a, b = rng.sample(ACCOUNTS, 2)
                text = ("redis.call('DECRBY', KEYS[1], 1) redis.call('INCRBY', ARGV[1], 1) "
                        "return 1 -- %d %d" % (seed, i))
                self.assertEqual(c.eval(text, 1, a, b), 1)

        self.run_workers([lambda: scripts(1)] +
                         [lambda s=s: transfer_in_transactions(self.srv.client(), s)
                          for s in range(2, 6)])
        self.assertEqual(sum(int(self.r.get(a)) for a in ACCOUNTS), START * len(ACCOUNTS))

    def test_scripting_safe_scripts_run_side_by_side(self):
        """A script that declares its keys never runs alone: a long one holding its key does not
        stop another script on another key."""
        self.r.config_set("busy-reply-threshold", 60000)
        alone_before = self.r.info("scripting")["scripts_alone"]
        declared = "return redis.call('INCR', KEYS[1])"
        self.r.eval(declared, 1, "first")
        self.assertEqual(self.r.eval(declared, 1, "first"), 2)
        slow = "local s = 0 for i = 1, 3000000 do s = s + i end return redis.call('INCR', KEYS[1])"
        self.r.eval(slow, 1, "slow")
        started = threading.Event()

        def long_run():
            c = self.srv.client()
            started.set()
            c.eval(slow, 1, "slow")
        t = threading.Thread(target=long_run)
        t.start()
        started.wait(60)
        for _ in range(20):
            self.r.eval(declared, 1, "first")
        t.join(600)
        self.assertEqual(int(self.r.get("first")), 22)
        self.assertEqual(int(self.r.get("slow")), 2)
        self.assertEqual(self.r.info("scripting")["scripts_alone"], alone_before)


if __name__ == "__main__":
    unittest.main()
