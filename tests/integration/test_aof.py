"""test_aof.py -- the append-only log against a real keel-server: every appendfsync policy keeps
the writes of every type over a restart; expiries come back as the same absolute times;
SPOP, INCRBYFLOAT and relative expiries are logged as their effect; MULTI/EXEC and scripts are
one record each (a torn one applies nothing), records with the long head (past 1 GB) too;
namespaces and databases; a torn tail is cut; a
corrupt record in the middle stops the start with the file and offset, and
--aof-truncate-corrupt starts on what precedes it; SAVE and BGREWRITEAOF cut the log; -LOADING
while the log is replayed; -MISCONF when the log cannot be written (reads go on); kill -9 under
write load with appendfsync always loses no acknowledged write and half-applies no MSET.
"""
import glob
import json
import os
import random
import shutil
import signal
import subprocess
import threading
import unittest

import redis

from keel_harness import KeelServer, have_module, wait_until

AOF_ARGS = ("--appendonly", "yes", "--save", "")


def log_files(srv):
    return sorted(glob.glob(os.path.join(srv.dir, "appendonlydir", "appendonly.aof.*.incr.aof")),
                  key=lambda p: int(p.rsplit(".", 3)[-3]))


def rewrite_ended(r):
    p = r.info("persistence")
    return p["aof_rewrite_in_progress"] == 0 and p["rdb_bgsave_in_progress"] == 0


def loaded(srv):
    """srv once its log is replayed (PING answers while data commands get -LOADING)."""
    r = srv.client()
    wait_until("the log to be replayed", lambda: r.info("persistence")["loading"] == 0, timeout=120)
    return r


def restart(srv):
    srv.stop()
    srv.start()
    return loaded(srv)


def kill9(srv):
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait(60)
    srv.log.close()
    srv.proc = None


def start_fails(srv):
    """Starts srv expecting it to exit with an error; returns its log."""
    srv.log = open(srv.log_path, "wb")
    srv.proc = subprocess.Popen(srv.cmd, stdout=srv.log, stderr=subprocess.STDOUT, env=srv.env)
    rc = srv.proc.wait(120)
    srv.log.close()
    srv.proc = None
    assert rc != 0, "the server started on a log it should refuse"
    return srv.read_log()


def fill_every_type(r):
    r.set("s", "hello")
    r.incrby("n", 41)
    r.incr("n")
    r.append("s", " world")
    r.rpush("l", "a", "b", "c")
    r.lpush("l", "z")
    r.lpop("l")
    r.sadd("set", "x", "y", "z", 7)
    r.srem("set", "y")
    r.hset("h", mapping={"f1": "v1", "f2": "v2"})
    r.hdel("h", "f2")
    if have_module("zsets"):
        r.zadd("z", {"m1": 1.5, "m2": 2.5, "m3": -1})
        r.zincrby("z", 10, "m1")
    r.pfadd("hll", *["e%d" % i for i in range(200)])
    r.mset({"m{a}": "1", "m{b}": "2", "m{c}": "3"})
    r.delete("m{c}")
    r.rename("s", "s2")


def check_every_type(t, r):
    t.assertEqual(r.get("s2"), b"hello world")
    t.assertIsNone(r.get("s"))
    t.assertEqual(r.get("n"), b"42")
    t.assertEqual(r.lrange("l", 0, -1), [b"a", b"b", b"c"])
    t.assertEqual(r.smembers("set"), {b"x", b"z", b"7"})
    t.assertEqual(r.hgetall("h"), {b"f1": b"v1"})
    if have_module("zsets"):
        t.assertEqual(r.zrange("z", 0, -1, withscores=True), [(b"m3", -1.0), (b"m2", 2.5), (b"m1", 11.5)])
    t.assertEqual(r.pfcount("hll"), 200)
    t.assertEqual(r.mget("m{a}", "m{b}", "m{c}"), [b"1", b"2", None])


class FsyncPolicies(unittest.TestCase):
    def test_each_policy_replays_every_type_after_a_restart(self):
        for policy in ("always", "everysec", "no"):
            with self.subTest(policy=policy):
                srv = KeelServer(*AOF_ARGS, "--appendfsync", policy)
                try:
                    r = srv.start().client()
                    self.assertEqual(r.config_get("appendonly"), {"appendonly": "yes"})
                    self.assertEqual(r.config_get("appendfsync"), {"appendfsync": policy})
                    info = r.info("persistence")
                    self.assertEqual(info["aof_enabled"], 1)
                    stats = json.loads(r.execute_command("STATS", "persistence"))["persistence"]
                    self.assertEqual((stats["aof_enabled"], stats["aof_fsync"], stats["aof_last_write_ok"]),
                                     (True, policy, True))
                    self.assertEqual(info["aof_last_write_status"], "ok")
                    fill_every_type(r)
                    wait_until("the log to grow", lambda: r.info("persistence")["aof_current_size"] > 16)
                    r = restart(srv)
                    check_every_type(self, r)
                    wait_until("the replay in the log", lambda: "append-only log replayed" in srv.read_log())
                    self.assertFalse(os.path.exists(os.path.join(srv.dir, "keel.manifest")))
                finally:
                    srv.stop()

    def test_always_fsyncs_before_the_reply_and_batches_clients(self):
        # one worker writes the log itself; two hand their records to the writer thread
        for threads in (1, 2):
            with self.subTest(threads=threads):
                self.always_fsyncs_before_the_reply(threads)

    def always_fsyncs_before_the_reply(self, threads):
        with KeelServer(*AOF_ARGS, "--appendfsync", "always", threads=threads) as srv:
            r = srv.client()
            before = r.info("persistence")["aof_fsyncs"]
            r.set("k", "v")
            # the reply came after its record was fsynced
            self.assertGreater(r.info("persistence")["aof_fsyncs"], before)
            # 20 clients x 200 pipelined writes: far fewer fsyncs than writes (group commit)
            before = r.info("persistence")["aof_fsyncs"]

            def writer(i):
                c = srv.client()
                p = c.pipeline(transaction=False)
                for j in range(200):
                    p.set("w%d:%d" % (i, j), j)
                p.execute()
            ts = [threading.Thread(target=writer, args=(i,)) for i in range(20)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            fsyncs = r.info("persistence")["aof_fsyncs"] - before
            self.assertLess(fsyncs, 4000)
            self.assertEqual(r.dbsize(), 4001)

    def test_config_set_appendfsync_and_bad_values(self):
        with KeelServer(*AOF_ARGS) as srv:
            r = srv.client()
            self.assertEqual(r.config_get("appendfsync"), {"appendfsync": "everysec"})
            r.config_set("appendfsync", "always")
            self.assertEqual(r.config_get("appendfsync"), {"appendfsync": "always"})
            with self.assertRaises(redis.ResponseError):
                r.config_set("appendfsync", "sometimes")
            self.assertEqual(r.config_get("appendfilename"), {"appendfilename": "appendonly.aof"})
            self.assertEqual(r.config_get("appenddirname"), {"appenddirname": "appendonlydir"})
            r.set("a", 1)
            r.config_set("appendonly", "no")
            self.assertEqual(r.info("persistence")["aof_enabled"], 0)

    def test_bad_command_line_values_refuse_to_start(self):
        for args in (("--appendonly", "maybe"), ("--appendfsync", "sometimes"),
                     ("--appenddirname", "a/b")):
            srv = KeelServer(*args)
            out = start_fails(srv)
            self.assertIn(args[0], out)
            shutil.rmtree(srv.dir, ignore_errors=True)


class WhatIsLogged(unittest.TestCase):
    def test_expiries_come_back_as_the_same_absolute_times(self):
        with KeelServer(*AOF_ARGS) as srv:
            r = srv.client()
            r.set("ex", "v", ex=1000)
            r.psetex("px", 900000, "v")
            r.set("plain", "v")
            r.expire("plain", 800)
            r.set("g", "v")
            r.getex("g", px=700000)
            r.set("p", "v", ex=100)
            r.persist("p")
            want = {k: r.pexpiretime(k) for k in ("ex", "px", "plain", "g", "p")}
            self.assertEqual(want["p"], -1)
            self.assertTrue(all(v > 0 for k, v in want.items() if k != "p"))
            r = restart(srv)
            self.assertEqual({k: r.pexpiretime(k) for k in want}, want)

    def test_a_key_extended_after_its_first_expiry_passed_survives(self):
        with KeelServer(*AOF_ARGS) as srv:
            r = srv.client()
            r.set("session", "v", px=300)
            r.pexpire("session", 600000)   # before the 300 ms passed
            r.set("gone", "v", px=300)
            wait_until("gone to expire", lambda: r.exists("gone") == 0)
            r = restart(srv)
            self.assertEqual(r.get("session"), b"v")
            self.assertEqual(r.exists("gone"), 0)

    def test_random_and_float_writes_replay_as_their_effect(self):
        with KeelServer(*AOF_ARGS) as srv:
            r = srv.client()
            r.sadd("s", *range(100))
            r.spop("s")
            r.spop("s", 10)
            r.sadd("small", "a", "b")
            r.spop("small", 5)
            r.set("f", "10.5")
            r.incrbyfloat("f", "0.1")
            r.hset("h", "x", "1.5")
            r.hincrbyfloat("h", "x", "2.25")
            members, f, hx = r.smembers("s"), r.get("f"), r.hget("h", "x")
            self.assertEqual(len(members), 89)
            r = restart(srv)
            self.assertEqual(r.smembers("s"), members)
            self.assertEqual(r.exists("small"), 0)
            self.assertEqual(r.get("f"), f)
            self.assertEqual(r.hget("h", "x"), hx)

    def test_a_woken_blocking_pop_replays_as_the_pop_it_was(self):
        with KeelServer(*AOF_ARGS) as srv:
            r = srv.client()
            popped = []
            t = threading.Thread(target=lambda: popped.append(srv.client().blpop("q", 0)))
            t.start()
            wait_until("the pop to block", lambda: r.info("clients")["blocked_clients"] == 1)
            r.rpush("q", "a", "b", "c")
            t.join()
            self.assertEqual(popped, [(b"q", b"a")])
            r.lmove("q", "q2", "RIGHT", "LEFT")
            r = restart(srv)
            self.assertEqual(r.lrange("q", 0, -1), [b"b"])
            self.assertEqual(r.lrange("q2", 0, -1), [b"c"])

    def test_flushall_and_swapdb_keep_their_place_among_other_writes(self):
        with KeelServer(*AOF_ARGS) as srv:
            r = srv.client()
            for round_no in range(3):
                r.mset({"k%d" % i: "old%d" % round_no for i in range(64)})
                stop = threading.Event()

                def writer(i):
                    c = srv.client()
                    n = 0
                    while not stop.is_set():
                        n += 1
                        c.set("w%d" % i, n)
                ts = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
                for t in ts:
                    t.start()
                r.swapdb(0, 1)
                r.flushdb()
                r.swapdb(0, 1)
                stop.set()
                for t in ts:
                    t.join()
                want0 = {k: r.get(k) for k in ["k0", "k63", "w0", "w1", "w2"]}
                want1 = {k: srv.client(db=1).get(k) for k in ["k0", "w0", "w1", "w2"]}
            r = restart(srv)
            self.assertEqual({k: r.get(k) for k in want0}, want0)
            self.assertEqual({k: srv.client(db=1).get(k) for k in want1}, want1)

    def test_namespaces_and_databases(self):
        with KeelServer(*AOF_ARGS) as srv:
            c = srv.client(single_connection_client=True)
            c.execute_command("NS", "app", "users")
            c.set("alice", "1")
            c.hset("bob", "age", "30")
            d = srv.client(db=3)
            d.set("in3", "x")
            r = restart(srv)
            self.assertIsNone(r.get("alice"))
            c = srv.client(single_connection_client=True)
            c.execute_command("NS", "app", "users")
            self.assertEqual(c.get("alice"), b"1")
            self.assertEqual(c.hget("bob", "age"), b"30")
            self.assertEqual(srv.client(db=3).get("in3"), b"x")
            self.assertIsNone(r.get("in3"))

    def test_exec_and_a_script_replay_and_a_torn_one_applies_nothing(self):
        srv = KeelServer(*AOF_ARGS)
        try:
            r = srv.start().client()
            r.set("before", "1")
            p = r.pipeline(transaction=True)
            p.set("tx{1}", "a")
            p.incr("tx{2}")
            p.rpush("tx{3}", "x")
            p.execute()
            r.eval("redis.call('set', KEYS[1], 'x'); redis.call('incr', KEYS[2]); "
                   "redis.call('sadd', KEYS[3], 'm'); return 1", 3, "sc{1}", "sc{2}", "sc{3}")
            r.eval("return redis.call('get', KEYS[1])", 1, "before")   # reads: nothing logged
            srv.stop()
            path = log_files(srv)[-1]
            size = os.path.getsize(path)
            srv.start()
            r = loaded(srv)
            self.assertEqual(r.mget("tx{1}", "tx{2}", "sc{1}", "sc{2}"), [b"a", b"1", b"x", b"1"])
            self.assertEqual(r.lrange("tx{3}", 0, -1), [b"x"])
            self.assertEqual(r.smembers("sc{3}"), {b"m"})
            srv.stop()
            self.assertEqual(os.path.getsize(path), size)
            # the script's record is the last one: cut it in the middle (a crash mid-append)
            with open(path, "r+b") as f:
                f.truncate(size - 20)
            srv.start()
            r = loaded(srv)
            self.assertEqual(r.mget("tx{1}", "tx{2}"), [b"a", b"1"])
            self.assertEqual(r.mget("sc{1}", "sc{2}", "sc{3}"), [None, None, None])
            wait_until("the cut in the log", lambda: "torn tail cut" in srv.read_log())
            srv.stop()
            with open(path, "rb") as f:
                data = f.read()
            # now the transaction is last: cut it and none of its three writes come back
            with open(path, "r+b") as f:
                f.truncate(len(data) - 30)
            srv.start()
            r = loaded(srv)
            self.assertEqual(r.mget("before", "tx{1}", "tx{2}"), [b"1", None, None])
            self.assertEqual(r.exists("tx{3}"), 0)
        finally:
            srv.stop()


    def test_records_with_the_long_head_replay_and_a_torn_one_applies_nothing(self):
        # A record whose payload passes 1 GB (a script's or a transaction's writes, gathered) is
        # written with the long head. KEEL_TEST_AOF_LONG_RECORD_FROM lowers that mark to 256
        # bytes here, so a few kilobytes of writes take the same path.
        srv = KeelServer(*AOF_ARGS, "--appendfsync", "always", threads=2,
                         env={"KEEL_TEST_AOF_LONG_RECORD_FROM": "256"})
        try:
            r = srv.start().client()
            r.set("small", "1")                                  # a short record
            r.set("big", "v" * 1000)                              # long: one command
            p = r.pipeline(transaction=True)
            for i in range(20):
                p.set("tx{%d}" % i, "t%d" % i)
            p.execute()                                           # long: the transaction
            r.eval("for i = 1, 50 do redis.call('rpush', KEYS[1], string.rep('x', i)) end "
                   "return 1", 1, "list")                         # long: the script
            r.set("last", "L")                                    # short again
            srv.stop()
            path = log_files(srv)[-1]
            size = os.path.getsize(path)
            srv.start()
            r = loaded(srv)
            self.assertEqual(r.get("small"), b"1")
            self.assertEqual(r.get("big"), b"v" * 1000)
            self.assertEqual(r.mget(["tx{%d}" % i for i in range(20)]),
                             [b"t%d" % i for i in range(20)])
            self.assertEqual(r.llen("list"), 50)
            self.assertEqual(r.lindex("list", 49), b"x" * 50)
            self.assertEqual(r.get("last"), b"L")
            srv.stop()
            self.assertEqual(os.path.getsize(path), size)
            with open(path, "rb") as f:
                data = f.read()
            self.assertGreaterEqual(data.count(bytes([0xA3, 0, 0, 0, 0, 0, 0, 0])), 3)
            # "last" is the final record (short, 8-byte head): drop it, then cut the script's
            # long record in its middle, as a crash mid-append leaves it
            script_end = data.rindex(bytes([0xA1, 0, 0, 0]))
            with open(path, "r+b") as f:
                f.truncate(script_end - 100)
            srv.start()
            r = loaded(srv)
            wait_until("the cut in the log", lambda: "torn tail cut" in srv.read_log())
            self.assertEqual(r.get("big"), b"v" * 1000)
            self.assertEqual(r.get("tx{19}"), b"t19")
            self.assertEqual(r.exists("list", "last"), 0)
        finally:
            srv.stop()


class Damage(unittest.TestCase):
    def test_torn_tail_is_cut_and_logged(self):
        srv = KeelServer(*AOF_ARGS)
        try:
            r = srv.start().client()
            for i in range(50):
                r.set("k%d" % i, i)
            srv.stop()
            path = log_files(srv)[-1]
            good = os.path.getsize(path)
            with open(path, "ab") as f:
                f.write(b"\xa1\x00\x00\x00\x40\x00\x00\x00" + b"partial")
            srv.start()
            r = loaded(srv)
            self.assertEqual(r.dbsize(), 50)
            wait_until("the cut in the log", lambda: "torn tail cut at offset %d" % good in srv.read_log())
            self.assertEqual(os.path.getsize(path), good)
            r.set("after", "1")
            r = restart(srv)
            self.assertEqual(r.dbsize(), 51)
        finally:
            srv.stop()

    def test_corruption_in_the_middle_stops_the_start_until_truncated(self):
        srv = KeelServer(*AOF_ARGS, "--appendfsync", "always")   # a reply: its record is in the file
        try:
            r = srv.start().client()
            r.set("first", "1")
            r.set("second", "2")
            size_two = os.path.getsize(log_files(srv)[-1])
            for i in range(20):
                r.set("later%d" % i, i)
            srv.stop()
            path = log_files(srv)[-1]
            with open(path, "r+b") as f:   # a byte inside the third record's payload
                f.seek(size_two + 20)
                b = f.read(1)
                f.seek(size_two + 20)
                f.write(bytes([b[0] ^ 0xFF]))
            out = start_fails(srv)
            self.assertIn("%s is corrupt at offset %d" % (path, size_two), out)
            self.assertIn("--aof-truncate-corrupt", out)
            srv.cmd.append("--aof-truncate-corrupt")
            srv.start()
            r = loaded(srv)
            self.assertEqual(r.mget("first", "second", "later0"), [b"1", b"2", None])
            self.assertEqual(os.path.getsize(path), size_two)
            srv.cmd.remove("--aof-truncate-corrupt")
            r.set("after", "1")
            r = restart(srv)
            self.assertEqual(r.mget("first", "after"), [b"1", b"1"])
        finally:
            srv.stop()

    def test_not_a_log_refuses_to_start(self):
        srv = KeelServer(*AOF_ARGS)
        os.makedirs(os.path.join(srv.dir, "appendonlydir"))
        with open(os.path.join(srv.dir, "appendonlydir", "appendonly.aof.0.incr.aof"), "wb") as f:
            f.write(b"this is not a Keel log at all")
        out = start_fails(srv)
        self.assertIn("not a Keel log", out)
        shutil.rmtree(srv.dir, ignore_errors=True)


class Snapshots(unittest.TestCase):
    def test_save_and_bgrewriteaof_cut_the_log(self):
        with KeelServer(*AOF_ARGS) as srv:
            r = srv.client()
            for i in range(100):
                r.set("k%d" % i, "x" * 100)
            old = log_files(srv)
            self.assertEqual(len(old), 1)
            self.assertEqual(r.bgrewriteaof(), True)
            # the new file, and the old one gone (the two steps are not one instant)
            wait_until("a new log file", lambda: len(log_files(srv)) == 1 and log_files(srv) != old)
            # the old file goes just before the rewrite counts as ended; SAVE meanwhile is refused
            wait_until("the rewrite to end", lambda: rewrite_ended(r))
            self.assertEqual(os.path.getsize(log_files(srv)[-1]), 16)   # just the preamble
            r.set("after", "1")
            r.incr("k0x")
            self.assertTrue(r.save())
            r.lpush("last", "z")
            wait_until("one log file", lambda: len(log_files(srv)) == 1)
            self.assertEqual(r.bgsave(), True)   # with the log on: at one instant too
            r.incr("k0x")
            r = restart(srv)
            self.assertEqual(r.dbsize(), 103)
            self.assertEqual(r.get("k0x"), b"2")
            self.assertEqual(r.lrange("last", 0, -1), [b"z"])
            wait_until("the load's log line", lambda: "DB loaded from disk" in srv.read_log())


class Loading(unittest.TestCase):
    def test_data_commands_get_loading_while_the_log_replays(self):
        srv = KeelServer(*AOF_ARGS, "--key-load-delay", "2000")
        try:
            r = srv.start().client()
            for i in range(1500):
                r.set("k%d" % i, i)
            srv.stop()
            srv.start()   # PING answers during the load
            r = srv.client()
            self.assertEqual(r.info("persistence")["loading"], 1)
            with self.assertRaises(redis.exceptions.BusyLoadingError) as e:
                r.get("k1")
            self.assertIn("loading the dataset in memory", str(e.exception))
            with self.assertRaises(redis.exceptions.BusyLoadingError):
                r.set("new", "1")
            self.assertTrue(r.ping())
            wait_until("the load to end", lambda: r.info("persistence")["loading"] == 0, timeout=120)
            self.assertEqual(r.get("k1499"), b"1499")
            self.assertEqual(r.dbsize(), 1500)
        finally:
            srv.stop()


class Faults(unittest.TestCase):
    def test_misconf_when_the_log_cannot_be_opened_and_back_when_it_can(self):
        for threads in (1, 2):
            with self.subTest(threads=threads):
                self.misconf_and_back(threads)

    def misconf_and_back(self, threads):
        # a directory replaced by a file (works as root, where chmod would not stop writes)
        with KeelServer(*AOF_ARGS, "--appendfsync", "always", threads=threads) as srv:
            r = srv.client()
            r.set("kept", "1")
            logdir = os.path.join(srv.dir, "appendonlydir")
            os.rename(logdir, logdir + ".away")
            with open(logdir, "w") as f:
                f.write("not a directory")
            r.bgrewriteaof()   # the snapshot works; the new log file cannot be made
            wait_until("the log to fail", lambda: r.info("persistence")["aof_last_write_status"] == "err")
            with self.assertRaises(redis.ResponseError) as e:
                r.set("refused", "1")
            self.assertRegex(str(e.exception), r"^(MISCONF )?Errors writing to the AOF file: Not a directory")
            self.assertEqual(r.get("kept"), b"1")   # reads go on
            self.assertIsNone(r.get("refused"))
            os.remove(logdir)
            os.rename(logdir + ".away", logdir)
            wait_until("the log to work again", lambda: r.info("persistence")["aof_last_write_status"] == "ok")
            r.set("after", "1")
            r = restart(srv)
            self.assertEqual(r.mget("kept", "after"), [b"1", b"1"])
            wait_until("the log's log line", lambda: "append-only log" in srv.read_log())

    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("mount"), "needs root to mount a tmpfs")
    def test_disk_full_gives_misconf_and_reads_keep_working(self):
        mnt = os.path.join(os.environ.get("TMPDIR", "/tmp"), "keel-aof-full-%d" % os.getpid())
        os.makedirs(mnt)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt]).returncode != 0:
            os.rmdir(mnt)
            self.skipTest("mount is not allowed here")
        srv = KeelServer(*AOF_ARGS, "--appendfsync", "always", threads=1)   # writes the log itself
        srv.cmd[srv.cmd.index("--dir") + 1] = mnt
        try:
            r = srv.start().client()
            r.set("small", "1")
            err = None
            for i in range(200):
                try:
                    r.set("big%d" % i, "x" * 100000)
                except redis.ResponseError as e:
                    err = str(e)
                    break
            self.assertIsNotNone(err, "the 2 MB tmpfs never filled")
            self.assertIn("Errors writing to the AOF file: No space left on device", err)
            self.assertEqual(r.info("persistence")["aof_last_write_status"], "err")
            self.assertEqual(r.get("small"), b"1")
            with self.assertRaises(redis.ResponseError):
                r.set("another", "1")
            with self.assertRaises(redis.ResponseError):
                r.save()   # the snapshot does not fit either
            self.assertEqual(r.info("persistence")["rdb_last_bgsave_status"], "err")
            wait_until("the save's failure in the log", lambda: "snapshot failed" in srv.read_log())
            self.assertEqual(r.get("small"), b"1")
        finally:
            srv.stop()
            subprocess.run(["umount", mnt])
            os.rmdir(mnt)


class KillNine(unittest.TestCase):
    def test_acknowledged_writes_survive_sigkill_and_no_mset_is_half_applied(self):
        rng = random.Random(1414)
        srv = KeelServer(*AOF_ARGS, "--appendfsync", "always")
        acked = {}          # key -> value acknowledged
        counters = {}       # counter -> highest value acknowledged
        lock = threading.Lock()
        # rounds alternate one worker writing the log itself and two handing it to the writer
        # thread (each restart loads under the other count)
        def threads_for(round_no):
            srv.cmd[srv.cmd.index("--threads") + 1] = str(1 + round_no % 2)
        try:
            threads_for(0)
            srv.start()
            for round_no in range(4):
                stop = threading.Event()

                def writer(wid, seed):
                    wr = random.Random(seed)
                    c = srv.client(socket_timeout=30)
                    n = 0
                    while not stop.is_set():
                        n += 1
                        try:
                            if wr.random() < 0.5:
                                v = "r%d-w%d-%d" % (round_no, wid, n)
                                # two keys on different shards, one command
                                c.mset({"a:%d:%d:%d" % (round_no, wid, n): v, "b:%d:%d:%d" % (round_no, wid, n): v})
                                with lock:
                                    acked["a:%d:%d:%d" % (round_no, wid, n)] = v
                            else:
                                got = c.incr("ctr%d" % wid)
                                with lock:
                                    counters["ctr%d" % wid] = max(counters.get("ctr%d" % wid, 0), got)
                        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
                            return
                ts = [threading.Thread(target=writer, args=(w, rng.random())) for w in range(4)]
                for t in ts:
                    t.start()
                # a seeded random amount of acknowledged work before the kill
                goal = len(acked) + rng.randint(50, 400)
                wait_until("writes to be acknowledged", lambda: len(acked) >= goal, timeout=120)
                kill9(srv)
                stop.set()
                for t in ts:
                    t.join()
                threads_for(round_no + 1)
                srv.start()
                r = loaded(srv)
                with lock:
                    want = dict(acked)
                    ctrs = dict(counters)
                keys = list(want)
                for i in range(0, len(keys), 500):
                    part = keys[i:i + 500]
                    self.assertEqual(r.mget(part), [want[k].encode() for k in part])
                    self.assertEqual(r.mget(["b" + k[1:] for k in part]), [want[k].encode() for k in part])
                for k, v in ctrs.items():
                    self.assertGreaterEqual(int(r.get(k)), v)
                # every MSET that reached the log is whole: a:... and b:... agree
                for a in r.scan_iter(match="a:*", count=1000):
                    self.assertEqual(r.get(b"b" + a[1:]), r.get(a))
                for b in r.scan_iter(match="b:*", count=1000):
                    self.assertIsNotNone(r.get(b"a" + b[1:]))
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
