"""test_expire_instant.py -- active expiry driven by each thread's timer for its earliest
deadline: keys nobody touches go (DBSIZE, INFO keyspace and expired_keys say so) at the top
level, in numbered databases and inside namespaces at several depths; many keys sharing one
deadline all go; a burst of 200,000 keys due at once is removed a slice at a time while another
client keeps being answered; a key a running script holds stays until the script is done;
nothing runs while no key is due; and the expiry-lag figures of
INFO stats and STATS are present and consistent.  No assertion depends on how fast the machine
is: deadlines are far enough ahead to be set before they pass (checked, else retried later),
and waits are generous.
"""
import json
import os
import threading
import time
import unittest

from keel_harness import KeelServer, MODULE_DIR, wait_until

BURST = 200000


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def stats(r):
    return {k: int(v) for k, v in r.info("stats").items() if isinstance(v, int)}


def lag_fields(info):
    return [info["expired_lag_%s" % f] for f in ("p50_us", "p99_us", "p999_us", "max_us")]


def now_ms():
    return int(time.time() * 1000)


def set_with_deadline(r, keys, margin_ms=1500):
    """Sets keys to expire together at one PXAT deadline that lies ahead once every key is set:
    the keys get a 1 h TTL first, then one PEXPIREAT each; if the machine was so slow that the
    deadline passed meanwhile (some key already expired), the keys are set again with a margin
    twice as long.  Returns the deadline and INFO stats as it was before the deadline, with
    every key set."""
    for _ in range(6):
        p = r.pipeline(transaction=False)
        for k in keys:
            p.set(k, "v", ex=3600)
        p.execute()
        before = stats(r)["expired_keys"]
        deadline = now_ms() + margin_ms
        for i in range(0, len(keys), 10000):
            p = r.pipeline(transaction=False)
            for k in keys[i:i + 10000]:
                p.pexpireat(k, deadline)
            p.execute()
        after = stats(r)
        if now_ms() < deadline and after["expired_keys"] == before:   # read before the deadline
            return deadline, after
        margin_ms *= 2
    raise AssertionError("could not set %d keys before a deadline" % len(keys))


@unittest.skipUnless(have_module("strings") and have_module("maps"), "strings.so or maps.so not built")
class InstantExpiry(unittest.TestCase):
    def setUp(self):
        self.srv = KeelServer(threads=2, modules=["resp", "strings", "maps"]).start()
        self.r = self.srv.client()

    def tearDown(self):
        self.srv.stop()

    def inside(self, *path):
        c = self.srv.client(single_connection_client=True)
        if path:
            c.execute_command("NS", *path)
        return c

    # ---- keys nobody touches ----

    def test_untouched_keys_go_at_the_top_level(self):
        self.r.mset({"keep%d" % i: i for i in range(100)})
        p = self.r.pipeline(transaction=False)
        for i in range(500):
            p.set("gone%d" % i, i, px=1000 + i)   # (long enough to count them first)
        p.execute()
        self.assertEqual(self.r.dbsize(), 600)
        wait_until("the 500 keys gone", lambda: self.r.dbsize() == 100)
        s = stats(self.r)
        self.assertEqual(s["expired_keys"], 500)
        self.assertEqual(s["expired_lag_samples"], 500)
        self.assertEqual(self.r.info("keyspace")["db0"]["keys"], 100)
        self.assertEqual(self.r.info("keyspace")["db0"]["expires"], 0)
        self.assertEqual(self.r.get("keep7"), b"7")

    def test_untouched_keys_go_in_numbered_databases(self):
        for db in (0, 3, 15):
            c = self.srv.client(db=db)
            c.set("stay", db)
            p = c.pipeline(transaction=False)
            for i in range(200):
                p.set("k%d" % i, i, px=300)
            p.execute()
        for db in (0, 3, 15):
            c = self.srv.client(db=db)
            wait_until("db%d emptied of its expiring keys" % db, lambda: c.dbsize() == 1)
        keyspace = self.r.info("keyspace")
        for db in (0, 3, 15):
            self.assertEqual(keyspace["db%d" % db]["keys"], 1)
            self.assertEqual(keyspace["db%d" % db]["expires"], 0)
        self.assertEqual(stats(self.r)["expired_keys"], 600)

    def test_untouched_keys_go_inside_namespaces_at_every_depth(self):
        paths = [("a",), ("b", "c"), ("d", "e", "f"), tuple("n%d" % i for i in range(8))]
        for depth, path in enumerate(paths):
            c = self.inside(*path)
            c.set("stay", "1")
            p = self.srv.client().pipeline(transaction=False)   # a pooled connection of its own
            p.execute_command("NS", *path)
            for i in range(150):
                p.set("k%d" % i, i, px=1000 + 100 * depth)
            p.execute()
            self.assertEqual(c.dbsize(), 151)
        wait_until("every namespace's keys expired",
                   lambda: stats(self.r)["expired_keys"] == 150 * len(paths))
        for path in paths:
            self.assertEqual(self.inside(*path).dbsize(), 1, path)
        self.assertEqual(stats(self.r)["expired_lag_samples"], 150 * len(paths))

    def test_many_namespaces_with_changing_deadlines(self):
        """Each shard orders its namespaces by their earliest expiry: deadlines set in any
        order, moved later (PEXPIRE), taken away (PERSIST), and namespaces deleted meanwhile
        leave exactly the keys that should stay."""
        c = self.srv.client(single_connection_client=True)
        names = ["t%d" % i for i in range(120)]
        p = c.pipeline(transaction=False)
        for i, name in enumerate(names):
            p.execute_command("NSRESET")
            p.execute_command("NS", name)
            # deadlines interleaved across namespaces, not in set order; k1 comes first in each
            for k in range(5):
                p.set("k%d" % k, k, px=1900 + (i % 50) if k == 1 else 2000 + ((i * 37 + k * 101) % 400))
            p.set("stay", "1")
        p.execute()
        p = c.pipeline(transaction=False)
        for i, name in enumerate(names):
            p.execute_command("NSRESET")
            p.execute_command("NS", name)
            if i % 3 == 0:
                p.persist("k0")
            if i % 3 == 1:
                p.pexpire("k1", 3600000)   # its namespace's first deadline moves back
            if i % 4 == 0:
                p.pexpire("k2", 100)   # sooner than before
        p.execute_command("NSRESET")
        p.delete(*names[::5])   # whole namespaces go, deadlines and all
        p.execute()
        self.assertEqual(stats(self.r)["expired_keys"], 0, "set and changed before any deadline")
        kept = {name: 1 + (i % 3 in (0, 1)) for i, name in enumerate(names) if i % 5}
        expired = sum(5 - (n - 1) for n in kept.values())
        wait_until("the namespaces' keys expired", lambda: stats(self.r)["expired_keys"] == expired)
        p = c.pipeline(transaction=False)
        for name in kept:
            p.execute_command("NSRESET")
            p.execute_command("NS", name)
            p.dbsize()
        sizes = p.execute()[2::3]
        self.assertEqual(dict(zip(kept, sizes)), kept)
        self.assertEqual(self.r.dbsize(), len(kept))

    # ---- one deadline for many ----

    def test_many_keys_sharing_one_deadline_all_go(self):
        keys = ["shared%d" % i for i in range(20000)]
        _, before = set_with_deadline(self.r, keys)   # (a slow machine's earlier tries expire keys too)
        self.assertEqual(self.r.info("keyspace")["db0"]["expires"], 20000)
        wait_until("20000 keys expired", lambda: self.r.dbsize() == 0)
        s = stats(self.r)
        self.assertEqual(s["expired_keys"] - before["expired_keys"], 20000)
        self.assertEqual(s["expired_lag_samples"] - before["expired_lag_samples"], 20000)

    def burst(self, keys):
        """Lets len(keys) keys come due at once while another client asks INFO stats again and
        again; returns the counts of keys expired since the deadline was set that it was answered
        with, in order, and how many expired and were lag samples in all."""
        _, before = set_with_deadline(self.r, keys, margin_ms=3000)
        seen = []
        stop = threading.Event()

        def watch():
            c = self.srv.client()
            while not stop.is_set():
                seen.append(stats(c)["expired_keys"] - before["expired_keys"])

        w = threading.Thread(target=watch)
        w.start()
        try:
            wait_until("the burst removed", lambda: self.r.info("keyspace")["db0"]["expires"] == 0,
                       timeout=300)
        finally:
            stop.set()
            w.join()
        after = stats(self.r)
        return (seen, after["expired_keys"] - before["expired_keys"],
                after["expired_lag_samples"] - before["expired_lag_samples"])

    def test_a_burst_is_removed_in_slices_while_others_are_served(self):
        """The thread removing a burst serves I/O between slices: another client's replies show
        expired_keys part of the way.  A client the machine did not schedule during the whole
        burst sees nothing in between: the burst is then tried again (three times at most)."""
        self.r.set("other", "still here")
        keys = ["burst%d" % i for i in range(BURST)]
        during = []
        for attempt in range(3):
            seen, expired, samples = self.burst(keys)
            self.assertEqual(seen, sorted(seen), "expired_keys only grows")
            self.assertEqual((expired, samples), (BURST, BURST))
            during = [n for n in seen if 0 < n < BURST]
            if during:
                break
        self.assertTrue(during, "another client was answered while a burst was being removed")
        self.assertEqual(self.r.get("other"), b"still here")
        self.assertEqual(self.r.dbsize(), 1)
        self.assertGreater(stats(self.r)["expired_time_cap_reached_count"], 0, "a burst took several slices")

    # ---- idle ----

    def test_no_expiry_runs_while_nothing_is_due(self):
        runs = stats(self.r)["expire_cycle_runs"]
        p = self.r.pipeline(transaction=False)
        for i in range(1000):
            p.set("far%d" % i, i, ex=3600)
        p.execute()
        time.sleep(0.3)   # 30 ticks of the 10 ms tick that used to run expiry
        self.assertEqual(stats(self.r)["expire_cycle_runs"], runs)
        self.r.set("near", "1", px=100)
        wait_until("the near key gone", lambda: self.r.dbsize() == 1000)
        after = stats(self.r)["expire_cycle_runs"]
        self.assertGreater(after, runs)
        time.sleep(0.3)
        self.assertEqual(stats(self.r)["expire_cycle_runs"], after)

    def test_a_sooner_expiry_brings_the_timer_forward(self):
        self.r.set("late", "1", ex=3600)
        self.r.set("soon", "1", ex=3600)
        self.r.pexpire("soon", 150)   # sooner than what the timer waited for
        wait_until("the sooner key gone", lambda: self.r.dbsize() == 1)
        self.assertEqual(self.r.keys("*"), [b"late"])
        self.assertEqual(stats(self.r)["expired_keys"], 1)

    # ---- a key a running process holds ----

    @unittest.skipUnless(have_module("scripting"), "scripting.so not built")
    def test_a_locked_key_stays_until_its_holder_is_done(self):
        """A script holding its key past the key's deadline (it loops until the server's clock
        says so) keeps it: active expiry leaves a locked key alone and looks again a millisecond
        later, so the key goes once the script is done, without anyone touching it."""
        srv = KeelServer(threads=2, modules=["resp", "strings", "scripting"]).start()
        try:
            r = srv.client()
            deadline = now_ms() + 300
            r.set("k", "v", pxat=deadline)
            script = ("local d = tonumber(ARGV[1]) "
                      "while true do local t = redis.call('TIME') "
                      "if tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000 > d + 1000 then break end end "
                      "return 1")
            replies, held = [], []
            holder = threading.Thread(target=lambda: replies.append(srv.client().eval(script, 1, "k", deadline)))
            holder.start()
            while holder.is_alive():
                # server times around each look: after the deadline, before the script can end
                p = r.pipeline(transaction=False)
                p.time()
                p.dbsize()
                p.info("stats")
                p.time()
                t0, size, info, t1 = p.execute()
                if t0[0] * 1000 + t0[1] / 1000 > deadline + 20 and t1[0] * 1000 + t1[1] / 1000 < deadline + 1000:
                    held.append((size, info["expired_keys"]))
                time.sleep(0.01)
            holder.join()
            self.assertEqual(replies, [1])
            self.assertEqual(set(held), {(1, 0)} if held else set())
            wait_until("the key gone once its holder is done", lambda: r.dbsize() == 0)
            self.assertEqual(stats(r)["expired_keys"], 1)
        finally:
            srv.stop()

    # ---- the lag figures ----

    def test_lag_figures_in_info_and_stats(self):
        info = self.r.info("stats")
        self.assertEqual(info["expired_lag_samples"], 0)
        self.assertEqual(lag_fields(info), [0, 0, 0, 0])
        p = self.r.pipeline(transaction=False)
        for i in range(300):
            p.set("k%d" % i, i, px=100 + i)
        p.execute()
        self.r.set("touched", "1", px=50)
        time.sleep(0.06)
        self.r.get("touched")   # lazily or actively removed: counted either way
        wait_until("all expired", lambda: self.r.dbsize() == 0)
        info = self.r.info("stats")
        self.assertEqual(info["expired_lag_samples"], 301)
        self.assertEqual(info["expired_keys"], 301)
        p50, p99, p999, top = lag_fields(info)
        self.assertTrue(0 <= p50 <= p99 <= p999 <= top, lag_fields(info))
        for f in ("expired_time_cap_reached_count", "expire_cycle_cpu_milliseconds", "expire_cycle_runs"):
            self.assertIn(f, info)
        ex = json.loads(self.r.execute_command("STATS", "keyspace"))["keyspace"]["expiry"]
        self.assertEqual(ex["lag_samples"], 301)
        self.assertEqual([ex["lag_p50_us"], ex["lag_p99_us"], ex["lag_p999_us"], ex["lag_max_us"]],
                         lag_fields(info))
        self.assertEqual(ex["cycle_runs"], info["expire_cycle_runs"])
        self.assertEqual(ex["time_cap_reached"], info["expired_time_cap_reached_count"])

    def test_expire_in_the_past_is_no_lag_sample(self):
        self.r.set("k", "v")
        self.r.expire("k", -1)
        self.r.set("j", "v", ex=100)
        self.r.pexpireat("j", 1)
        s = stats(self.r)
        self.assertEqual(s["expired_keys"], 2)
        self.assertEqual(s["expired_lag_samples"], 0)


if __name__ == "__main__":
    unittest.main()
