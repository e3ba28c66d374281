"""test_bgsave_pit.py -- BGSAVE records the dataset as it was when it started, while clients keep
writing: keys changed, deleted, created, renamed, expired, namespaces written, MSET across
shards, EXEC and FLUSHDB/FLUSHALL/SWAPDB during the save, on several threads and shards.  The
walk is slowed (--bgsave-slice-delay) so that the writes land while it runs; the test dumps the
whole dataset just before BGSAVE (nothing is in flight then: only the test writes), restarts
from the snapshot and compares.  With the append-only log on, BGSAVE does not hold up key
commands, a kill -9 during or after it comes back with every acknowledged write, and save
points start saves with the log on too.
"""
import hashlib
import json
import os
import random
import signal
import threading
import time
import unittest

import redis

from keel_harness import KeelServer, wait_until

SLOW = ("--threads", "2", "--shards", "8", "--bgsave-slice-delay", "20000")
DEEP = ("deep", "x")  # a namespace two levels down, written by its own client


def persistence(r):
    return r.info("persistence")


def dump_db(r):
    """{key: (type, value, expiry ms or -1)} of the client's database, the deep namespace apart."""
    out = {}
    for k in r.scan_iter(count=1000):
        if k == b"deep":
            continue
        t = r.type(k).decode()
        if t == "string":
            v = r.get(k)
        elif t == "list":
            v = tuple(r.lrange(k, 0, -1))
        elif t == "set":
            v = tuple(sorted(r.smembers(k)))
        elif t == "hash":
            v = tuple(sorted(r.hgetall(k).items()))
        else:
            v = None
        out[k] = (t, v, r.execute_command("PEXPIRETIME", k))
    return out


def dump_deep(r):
    r.execute_command("NS", *DEEP)
    try:
        return {k: r.get(k) for k in r.keys("*")}
    finally:
        r.execute_command("NSRESET")


def dump(srv):
    """The whole dataset (databases 0 and 1, the deep namespace) and its digest."""
    r = srv.client()
    state = {"db0": dump_db(r), "deep": dump_deep(r)}
    r1 = redis.Redis(host="127.0.0.1", port=srv.port, db=1)
    state["db1"] = dump_db(r1)
    return state, digest_of(state)


def digest_of(state):
    return hashlib.sha256(repr(sorted((k, sorted(v.items())) for k, v in state.items()))
                          .encode()).hexdigest()


def lasting(state, now):
    """state without the keys whose time comes by now (unix ms)."""
    return {part: {k: v for k, v in keys.items()
                   if not (isinstance(v, tuple) and v[2] != -1 and v[2] <= now)}
            for part, keys in state.items()}


def assert_same_state(test, srv, before, digest):
    """The server holds exactly `before` (whose digest the test computed), but for keys whose
    time came meanwhile: those due before the dump are gone, those due while it ran may be."""
    test.assertEqual(digest_of(before), digest)
    now0 = int(time.time() * 1000)
    after, _ = dump(srv)
    now1 = int(time.time() * 1000)
    for part in before:
        for k, v in before[part].items():
            due = isinstance(v, tuple) and v[2] != -1
            if due and v[2] <= now0:
                test.assertNotIn(k, after[part], (part, k))
            elif not due or v[2] > now1:
                test.assertEqual(after[part].get(k), v, (part, k))
        test.assertEqual(set(after[part]) - set(before[part]), set(), part)
    test.assertEqual(digest_of(lasting(after, now1)), digest_of(lasting(before, now1)))


def load(srv, n=600):
    """A dataset over every shard: strings, lists, sets, hashes (namespaces), expiring keys,
    counters, database 1 and a nested namespace."""
    r = srv.client()
    p = r.pipeline(transaction=False)
    far = int(time.time() * 1000) + 3600 * 1000
    for i in range(n):
        p.set("s:%d" % i, "v%d" % i)
        p.rpush("l:%d" % i, *["e%d" % j for j in range(i % 7 + 1)])
        p.sadd("set:%d" % i, *["m%d" % j for j in range(i % 5 + 1)])
        p.hset("h:%d" % i, mapping={"f%d" % j: "x%d" % j for j in range(i % 4 + 1)})
        p.set("t:%d" % i, "ttl")
        p.pexpireat("t:%d" % i, far + i)
        p.set("c:%d" % i, i)
    p.rpush("big", *range(20000))  # a value too big for one slice
    soon = int(time.time() * 1000) + 1500  # due during the save: in it, expired at the load
    for i in range(20):
        p.set("soon:%d" % i, "x")
        p.pexpireat("soon:%d" % i, soon)
    p.execute()
    r1 = redis.Redis(host="127.0.0.1", port=srv.port, db=1)
    r1.mset({"one:%d" % i: i for i in range(200)})
    r.execute_command("NS", *DEEP)
    r.mset({"k%d" % i: "deep%d" % i for i in range(100)})
    r.execute_command("NSRESET")


def writer(srv, seed, n, stop, done, errors):
    """Changes every kind of key until stop is set (at most a few thousand commands)."""
    try:
        rnd = random.Random(seed)
        r = srv.client()
        far = int(time.time() * 1000) + 7200 * 1000
        for step in range(4000):
            if stop.is_set():
                break
            i = rnd.randrange(n)
            op = step % 12
            if op == 0:
                r.set("s:%d" % i, "changed%d" % step)
            elif op == 1:
                r.delete("s:%d" % i, "l:%d" % i)
            elif op == 2:
                r.set("new:%d:%d" % (seed, step), "made after the start")
            elif op == 3:
                r.lpush("l:%d" % i, "pushed")
                r.rpop("big")
            elif op == 4:
                r.sadd("set:%d" % i, "added")
                r.srem("set:%d" % i, "m0")
            elif op == 5:
                r.hset("h:%d" % i, "f0", "changed")
                r.hdel("h:%d" % i, "f1")
            elif op == 6:
                if step % 24 == 6:
                    r.persist("t:%d" % i)
                else:
                    r.pexpireat("t:%d" % i, far)
            elif op == 7:
                try:
                    r.rename("c:%d" % i, "moved:%d:%d" % (seed, step))
                except redis.exceptions.ResponseError:
                    pass  # renamed away already
            elif op == 8:
                r.mset({"s:%d" % rnd.randrange(n): "mset%d" % step for _ in range(8)})
            elif op == 9:
                p = r.pipeline(transaction=True)
                p.incr("c:%d" % i)
                p.set("s:%d" % rnd.randrange(n), "exec%d" % step)
                p.delete("h:%d" % rnd.randrange(n))
                p.execute()
            elif op == 10:
                r.set("short:%d:%d" % (seed, step), "x", px=50)  # gone by the time it is read
            else:
                r.execute_command("NS", *DEEP)
                r.set("k%d" % (i % 100), "deep changed %d" % step)
                r.delete("k%d" % ((i + 1) % 100))
                r.set("dnew%d" % step, "new")
                r.execute_command("NSRESET")
        done.append(step)
    except Exception as e:  # reported by the test
        errors.append(e)


class BgsavePointInTimeTest(unittest.TestCase):
    def server(self, *args, **kw):
        srv = KeelServer(*args, **kw)
        self.addCleanup(lambda: srv.proc and srv.stop())
        return srv

    def save_under_writes(self, srv, extra=None):
        """Dumps, starts BGSAVE, writes from several clients while it runs; returns the dump."""
        before, digest = dump(srv)
        r = srv.client()
        self.assertEqual(srv.cli("BGSAVE").strip(), "Background saving started")
        self.assertEqual(persistence(r)["rdb_bgsave_in_progress"], 1)
        stop, done, errors = threading.Event(), [], []
        threads = [threading.Thread(target=writer, args=(srv, seed, 600, stop, done, errors))
                   for seed in (1, 2, 3)]
        for t in threads:
            t.start()
        if extra:
            extra(srv)
        wait_until("the BGSAVE to end", lambda: persistence(r)["rdb_bgsave_in_progress"] == 0,
                   timeout=300)
        stop.set()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        info = persistence(r)
        self.assertEqual(info["rdb_last_bgsave_status"], "ok")
        # the writes met keys the walk had not reached: they were written first
        stats = json.loads(r.execute_command("STATS", "persistence"))["persistence"]
        self.assertGreater(stats["last_bgsave_preimages"], 0)
        self.assertGreater(info["rdb_last_cow_size"], stats["last_bgsave_preimages"])
        self.assertEqual(info["rdb_last_cow_size"], stats["last_bgsave_preimage_bytes"])
        return before, digest

    def restart_and_compare(self, srv, before, digest):
        srv.stop()  # no save points: a plain stop does not save again
        srv.start()
        wait_until("the start", lambda: persistence(srv.client())["loading"] == 0)
        assert_same_state(self, srv, before, digest)

    def test_snapshot_under_heavy_writes_is_the_state_at_its_start(self):
        srv = self.server(*SLOW).start()
        load(srv)

        def flush_db1_midway(srv):
            r1 = redis.Redis(host="127.0.0.1", port=srv.port, db=1)
            r1.set("one:0", "changed first")
            r1.flushdb()
            r1.set("one:new", "after the flush")

        before, digest = self.save_under_writes(srv, flush_db1_midway)
        self.assertEqual(len(before["db1"]), 200)
        self.assertEqual(len(before["deep"]), 100)
        self.restart_and_compare(srv, before, digest)
        srv.stop()

    def test_flushall_and_swapdb_during_the_save(self):
        srv = self.server(*SLOW).start()
        load(srv, 300)
        before, digest = dump(srv)
        r = srv.client()
        self.assertEqual(srv.cli("BGSAVE").strip(), "Background saving started")
        r.set("s:1", "changed before the swap")
        r.execute_command("SWAPDB", 0, 1)
        r.set("s:2", "in the swapped database")
        r.flushall()
        r.set("after", "the flush")
        wait_until("the BGSAVE to end", lambda: persistence(r)["rdb_bgsave_in_progress"] == 0,
                   timeout=300)
        self.assertEqual(persistence(r)["rdb_last_bgsave_status"], "ok")
        self.restart_and_compare(srv, before, digest)
        srv.stop()

    def test_bgsave_inside_exec_starts_a_save_of_its_own(self):
        srv = self.server(*SLOW).start()
        load(srv, 100)
        r = srv.client()
        before, digest = dump(srv)
        p = r.pipeline(transaction=True)
        p.execute_command("BGSAVE")
        p.set("s:1", "set by the EXEC that scheduled the save, before it")
        out = p.execute()
        self.assertTrue(out[0])
        wait_until("the save to run and end", lambda: persistence(r)["rdb_saves"] == 1,
                   timeout=300)
        self.assertEqual(persistence(r)["rdb_last_bgsave_status"], "ok")
        value = b"set by the EXEC that scheduled the save, before it"
        before["db0"][b"s:1"] = ("string", value, -1)
        self.restart_and_compare(srv, before, digest_of(before))
        srv.stop()

    def test_a_big_value_changed_first_is_saved_whole_as_it_was(self):
        srv = self.server(*SLOW).start()
        load(srv, 200)
        r = srv.client()
        p = r.pipeline(transaction=False)
        for i in range(0, 300000, 10000):
            p.rpush("huge", *range(i, i + 10000))
        p.execute()
        self.assertEqual(srv.cli("BGSAVE").strip(), "Background saving started")
        self.assertEqual(r.lpush("huge", "new head"), 300001)  # its pre-image: 300,000 elements
        self.assertEqual(r.get("s:1"), b"v1")  # the thread serves on
        wait_until("the BGSAVE to end", lambda: persistence(r)["rdb_bgsave_in_progress"] == 0,
                   timeout=300)
        self.assertEqual(persistence(r)["rdb_last_bgsave_status"], "ok")
        srv.stop()
        srv.start()
        r = srv.client()
        self.assertEqual(r.llen("huge"), 300000)
        self.assertEqual(r.lrange("huge", 0, 1), [b"0", b"1"])
        self.assertEqual(r.lindex("huge", -1), b"299999")
        srv.stop()

    def test_a_second_bgsave_is_refused_while_one_runs(self):
        srv = self.server(*SLOW).start()
        load(srv, 200)
        r = srv.client()
        self.assertEqual(srv.cli("BGSAVE").strip(), "Background saving started")
        with self.assertRaises(redis.exceptions.ResponseError) as e:
            r.execute_command("BGSAVE")
        self.assertIn("already in progress", str(e.exception))
        wait_until("the BGSAVE to end", lambda: persistence(r)["rdb_bgsave_in_progress"] == 0,
                   timeout=300)
        srv.stop()


class BgsaveWithTheLogTest(unittest.TestCase):
    def server(self, *args, **kw):
        srv = KeelServer(*args, **kw)
        self.addCleanup(lambda: srv.proc and srv.stop())
        return srv

    def kill9(self, srv):
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait(60)
        srv.log.close()
        srv.proc = None

    def test_bgsave_does_not_hold_key_commands_and_kill9_keeps_every_acknowledged_write(self):
        srv = self.server(*SLOW, "--appendonly", "yes", "--appendfsync", "always").start()
        load(srv, 400)
        r = srv.client()
        gen_before = persistence(r)["aof_generation"]
        self.assertEqual(srv.cli("BGSAVE").strip(), "Background saving started")
        aof_dir = os.path.join(srv.dir, "appendonlydir")
        # key commands answer while the walk runs (with the log on BGSAVE used to run as SAVE)
        answered_during = 0
        acked = {}
        for i in range(300):
            r.set("during:%d" % i, i)
            acked["during:%d" % i] = str(i).encode()
            r.incr("c:1")
            if persistence(r)["rdb_bgsave_in_progress"] == 1:
                answered_during += 1
        self.assertGreater(answered_during, 0)
        c1 = r.get("c:1")
        # the log was cut at the save's start: what followed went into the new generation's file
        self.assertNotEqual(persistence(r)["aof_generation"], gen_before)
        if persistence(r)["rdb_bgsave_in_progress"] == 1:
            self.kill9(srv)  # mid-save: the previous files and both logs replay
            srv.start()
            r = srv.client()
            wait_until("the log replay", lambda: persistence(r)["loading"] == 0)
            for k, v in acked.items():
                self.assertEqual(r.get(k), v, k)
            self.assertEqual(r.get("c:1"), c1)
            self.assertEqual(srv.cli("BGSAVE").strip(), "Background saving started")
        wait_until("the BGSAVE to end", lambda: persistence(r)["rdb_bgsave_in_progress"] == 0,
                   timeout=300)
        self.assertEqual(persistence(r)["rdb_last_bgsave_status"], "ok")
        wait_until("the old log to go", lambda: len(os.listdir(aof_dir)) == 1)
        r.set("after", "the save")
        r.delete("s:3")
        before, digest = dump(srv)
        self.kill9(srv)  # after the save: snapshot + the new log
        srv.start()
        r = srv.client()
        wait_until("the log replay", lambda: persistence(r)["loading"] == 0)
        assert_same_state(self, srv, before, digest)
        srv.stop()

    def test_save_points_are_checked_with_the_log_on(self):
        srv = self.server("--appendonly", "yes", "--appendfsync", "always", "--save", "1 1").start()
        r = srv.client()
        gen = persistence(r)["aof_generation"]
        r.set("k", "v")
        wait_until("the save point to save", lambda: persistence(r)["rdb_saves"] >= 1)
        wait_until("that save to end", lambda: persistence(r)["rdb_bgsave_in_progress"] == 0)
        self.assertEqual(persistence(r)["rdb_last_bgsave_status"], "ok")
        r.set("k2", "v2")  # a record for the new generation's file
        wait_until("the log cut at the save", lambda: persistence(r)["aof_generation"] != gen)
        self.kill9(srv)
        srv.start()
        r = srv.client()
        wait_until("the log replay", lambda: persistence(r)["loading"] == 0)
        self.assertEqual(r.mget("k", "k2"), [b"v", b"v2"])
        srv.stop()

    def test_bgrewriteaof_takes_the_background_path(self):
        srv = self.server(*SLOW, "--appendonly", "yes").start()
        load(srv, 200)
        r = srv.client()
        self.assertEqual(srv.cli("BGREWRITEAOF").strip(),
                         "Background append only file rewriting started")
        r.set("during", "the rewrite")  # answered while it runs
        wait_until("the rewrite to end", lambda: persistence(r)["rdb_bgsave_in_progress"] == 0,
                   timeout=300)
        self.assertEqual(persistence(r)["aof_last_bgrewrite_status"], "ok")
        before, digest = dump(srv)
        self.kill9(srv)
        srv.start()
        r = srv.client()
        wait_until("the log replay", lambda: persistence(r)["loading"] == 0)
        assert_same_state(self, srv, before, digest)
        srv.stop()


if __name__ == "__main__":
    unittest.main()
