"""test_aof_runtime.py -- the append-only log turned on and off while the server runs: CONFIG SET
appendonly yes under concurrent writers (appendfsync switched to always at run time) starts the log
at a snapshot's instant, and after kill -9 every acknowledged write is back; a write's reply under
"always" waits for that snapshot too, and a kill before it reached the disk restarts on the
previous snapshot with the log set aside; CONFIG SET appendonly no stops logging.
"""
import glob
import os
import signal
import threading
import unittest

import redis

from keel_harness import KeelServer, wait_until


def kill9(srv):
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(60)
    srv.log.close()
    srv.proc = None


def log_files(srv, suffix=".incr.aof"):
    return glob.glob(os.path.join(srv.dir, "appendonlydir", "appendonly.aof.*" + suffix))


def log_is_on(r):
    """The log runs and the snapshot it starts from is on disk."""
    p = r.info("persistence")
    return (p["aof_enabled"] == 1 and p["aof_rewrite_scheduled"] == 0
            and p["aof_rewrite_in_progress"] == 0)


def restart_with_log(srv):
    srv.cmd += ["--appendonly", "yes"]
    srv.start()
    r = srv.client()
    wait_until("the log to be replayed", lambda: r.info("persistence")["loading"] == 0, timeout=120)
    return r


class Writers:
    """Clients writing distinct keys and counters; what was acknowledged is recorded."""

    def __init__(self, srv, n=4):
        self.srv, self.stop, self.lock = srv, threading.Event(), threading.Lock()
        self.acked, self.counters = {}, {}
        self.threads = [threading.Thread(target=self.run, args=(w,)) for w in range(n)]
        for t in self.threads:
            t.start()

    def run(self, wid):
        c = self.srv.client(socket_timeout=60)
        i = 0
        while not self.stop.is_set():
            i += 1
            try:
                if i % 3:
                    key, val = "w%d:%d" % (wid, i), "v%d-%d" % (wid, i)
                    c.set(key, val)
                    with self.lock:
                        self.acked[key] = val
                else:
                    got = c.incr("ctr%d" % wid)
                    with self.lock:
                        self.counters["ctr%d" % wid] = got
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
                return

    def count(self):
        with self.lock:
            return len(self.acked)

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()
        return dict(self.acked), dict(self.counters)


class TurnOn(unittest.TestCase):
    def check_all(self, r, want):
        keys = list(want)
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            self.assertEqual(r.mget(part), [want[k].encode() for k in part])

    def test_on_under_writers_then_kill9_keeps_every_acknowledged_write(self):
        srv = KeelServer("--save", "")
        try:
            r = srv.start().client()
            before = {"pre:%d" % i: "p%d" % i for i in range(3000)}
            r.mset(before)
            self.assertEqual(r.config_get("appendonly"), {"appendonly": "no"})
            r.config_set("appendfsync", "always")
            w = Writers(srv)
            wait_until("writes before the switch", lambda: w.count() >= 200)
            r.config_set("appendonly", "yes")
            self.assertEqual(r.config_get("appendonly"), {"appendonly": "yes"})
            wait_until("the log's snapshot", lambda: log_is_on(r), timeout=120)
            self.assertEqual(len(log_files(srv)), 1)
            at_switch = w.count()
            wait_until("writes after the switch", lambda: w.count() >= at_switch + 300, timeout=120)
            kill9(srv)
            acked, counters = w.finish()
            r = restart_with_log(srv)
            self.check_all(r, before)
            self.check_all(r, acked)
            for k, v in counters.items():
                self.assertGreaterEqual(int(r.get(k)), v)
            wait_until("the replay's log line", lambda: "append-only log replayed" in srv.read_log())
        finally:
            srv.stop()

    def test_replies_wait_for_the_snapshot_and_a_kill_before_it_sets_the_log_aside(self):
        # a slow background save: 16 keys a slice, 200 ms between slices
        srv = KeelServer("--save", "", "--appendfsync", "always", "--bgsave-slice-delay", "200000")
        try:
            r = srv.start().client()
            r.mset({"old:%d" % i: "o%d" % i for i in range(2000)})
            r.save()   # the previous snapshot
            r.mset({"unlogged:%d" % i: "u" for i in range(100)})
            r.config_set("appendonly", "yes")
            wait_until("the snapshot to start", lambda: r.info("persistence")["aof_rewrite_in_progress"] == 1)
            done = threading.Event()

            def held_write():
                try:
                    srv.client(socket_timeout=300).set("held", "1")
                    done.set()
                except (redis.exceptions.ConnectionError, OSError):
                    pass

            t = threading.Thread(target=held_write)
            t.start()
            wait_until("the write to be applied", lambda: r.exists("held") == 1)
            acked_before = done.is_set()
            still_saving = r.info("persistence")["aof_rewrite_in_progress"] == 1
            self.assertTrue(still_saving, "the slow snapshot ended too soon for this test")
            self.assertFalse(acked_before, "a write was acknowledged before the log's snapshot was on disk")
            kill9(srv)
            t.join()
            self.assertFalse(done.is_set())
            r = restart_with_log(srv)
            wait_until("the set-aside log line", lambda: "set aside" in srv.read_log())
            self.assertEqual(len(log_files(srv, ".incr.aof.nobase-skipped")), 1)
            # the previous snapshot, exactly: nothing of the log without its base
            self.assertEqual(r.dbsize(), 2000)
            self.assertEqual(r.get("old:1999"), b"o1999")
            self.assertIsNone(r.get("held"))
            # the log runs on from that snapshot: a write now survives another kill
            r.set("after", "1")
            kill9(srv)
            srv.start()
            r = srv.client()
            wait_until("the log to be replayed", lambda: r.info("persistence")["loading"] == 0)
            self.assertEqual(r.get("after"), b"1")
            self.assertEqual(r.dbsize(), 2001)
        finally:
            srv.stop()

    def test_on_while_a_save_runs_waits_for_it_then_off_stops_logging(self):
        srv = KeelServer("--save", "", "--appendfsync", "always", "--bgsave-slice-delay", "20000")
        try:
            r = srv.start().client()
            r.mset({"k%d" % i: "v" for i in range(500)})
            r.bgsave()
            r.config_set("appendonly", "yes")
            wait_until("the log's snapshot", lambda: log_is_on(r), timeout=120)
            self.assertGreaterEqual(r.info("persistence")["rdb_saves"], 2)
            r.set("logged", "1")
            wait_until("the record on disk", lambda: r.info("persistence")["aof_pending_bio_fsync"] == 0)
            (path,) = log_files(srv)
            size = os.path.getsize(path)
            self.assertGreater(size, 16)
            r.config_set("appendonly", "no")
            self.assertEqual(r.info("persistence")["aof_enabled"], 0)
            for i in range(100):
                r.set("unlogged%d" % i, "x")
            self.assertEqual(os.path.getsize(path), size)
            r.config_set("appendonly", "yes")   # again: a new snapshot and a new file
            wait_until("the log's snapshot", lambda: log_is_on(r), timeout=120)
            r.set("again", "1")
            kill9(srv)
            r = restart_with_log(srv)
            self.assertEqual(r.mget("logged", "unlogged99", "again"), [b"1", b"x", b"1"])
            self.assertEqual(r.dbsize(), 602)
        finally:
            srv.stop()

    def test_bad_values_are_refused(self):
        with KeelServer("--save", "") as srv:
            r = srv.client()
            with self.assertRaises(redis.ResponseError):
                r.config_set("appendonly", "maybe")
            with self.assertRaises(redis.ResponseError):
                r.config_set("appendfsync", "sometimes")
            self.assertEqual(r.config_get("appendonly"), {"appendonly": "no"})


if __name__ == "__main__":
    unittest.main()
