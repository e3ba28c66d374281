"""test_transactions.py -- MULTI/EXEC/WATCH through python3-redis and raw sockets: pipelines with
transaction=True, WATCH retry loops under contention, atomicity of transactions that cross
shards on every thread (a constant sum of balances, read atomically while it moves), WATCH and
expiry, refused commands, read-only and namespace-locked networks, and what a transaction costs
in hops.
"""
import json
import socket
import threading
import time
import unittest

import redis

from keel_harness import KeelConfigServer, resp_command, SharedServerTest, wait_until


class Transactions(SharedServerTest):
    def setUp(self):
        self.r = self.srv.client()
        self.r.flushall()

    def test_tx_pipeline_runs_every_family(self):
        p = self.r.pipeline(transaction=True)
        p.set("s", 1).incrby("s", 41).get("s").rpush("l", "a", "b").lrange("l", 0, -1)
        p.sadd("set", "x", "y").scard("set").hset("h", mapping={"f": "v"}).hgetall("h")
        p.pfadd("hll", "a", "b").pfcount("hll").mset({"m1": "1", "m2": "2"}).mget("m1", "m2", "nope")
        p.expire("s", 100).ttl("s").delete("m1", "m2").exists("m1", "m2")
        self.assertEqual(p.execute(), [True, 42, b"42", 2, [b"a", b"b"], 2, 2, 1, {b"f": b"v"}, 1, 2, True,
                                       [b"1", b"2", None], True, 100, 2, 0])

    def test_tx_runtime_errors_are_in_the_reply(self):
        self.r.set("text", "abc")
        p = self.r.pipeline(transaction=True)
        p.incr("text").set("after", "1").lpush("text", "x")
        res = p.execute(raise_on_error=False)
        self.assertIsInstance(res[0], redis.ResponseError)
        self.assertEqual(res[1], True)
        self.assertIn("WRONGTYPE", str(res[2]))
        self.assertEqual(self.r.get("after"), b"1")

    def test_tx_watch_retry_loop_counts_every_increment(self):
        """Optimistic increments (GET, then SET in MULTI under WATCH) from several clients at once:
        none is lost, and some had to retry (the WATCH saw the others' writes)."""
        self.r.set("counter", 0)
        per_thread, nthreads, retries, errors = 150, 4, [0], []

        def worker():
            try:
                c = self.srv.client()
                for _ in range(per_thread):
                    with c.pipeline() as pipe:
                        while True:
                            try:
                                pipe.watch("counter")
                                v = int(pipe.get("counter"))
                                pipe.multi()
                                pipe.set("counter", v + 1)
                                pipe.execute()
                                break
                            except redis.WatchError:
                                retries[0] += 1
            except Exception as e:   # noqa: B902 -- reported below
                errors.append(e)

        threads = [threading.Thread(target=worker) for _ in range(nthreads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        self.assertEqual(errors, [])
        self.assertEqual(int(self.r.get("counter")), per_thread * nthreads)
        self.assertGreater(retries[0], 0, "no WATCH ever saw another client's write")

    def test_tx_crossing_transactions_keep_the_sum(self):
        """Transfers between 24 accounts on every shard, by 6 clients in transactions, while two
        readers take atomic snapshots (MULTI + MGET of every account): every snapshot sums to the
        total, and so does the end state.  Nothing hangs."""
        accounts = ["acct:%d" % i for i in range(24)]
        self.r.mset({a: 1000 for a in accounts})
        total = 1000 * len(accounts)
        errors, snapshots = [], []
        stop = threading.Event()

        def transfers(seed):
            try:
                c = self.srv.client()
                for i in range(200):
                    a = accounts[(seed * 7 + i * 5) % len(accounts)]
                    b = accounts[(seed * 3 + i * 11 + 1) % len(accounts)]
                    if a == b:
                        continue
                    amount = (i % 9) + 1
                    p = c.pipeline(transaction=True)
                    p.decrby(a, amount).incrby(b, amount)
                    p.execute()
            except Exception as e:   # noqa: B902
                errors.append(e)

        def reader():
            try:
                c = self.srv.client()
                while not stop.is_set():
                    p = c.pipeline(transaction=True)
                    p.mget(accounts)
                    snapshots.append(sum(int(v) for v in p.execute()[0]))
            except Exception as e:   # noqa: B902
                errors.append(e)

        readers = [threading.Thread(target=reader) for _ in range(2)]
        writers = [threading.Thread(target=transfers, args=(s,)) for s in range(6)]
        for t in readers + writers:
            t.start()
        for t in writers:
            t.join(300)
            self.assertFalse(t.is_alive(), "a transaction hung")
        stop.set()
        for t in readers:
            t.join(300)
        self.assertEqual(errors, [])
        self.assertGreater(len(snapshots), 0)
        self.assertEqual(set(snapshots), {total})
        self.assertEqual(sum(int(v) for v in self.r.mget(accounts)), total)

    def test_tx_watch_sees_expiry_but_not_stale_keys(self):
        self.r.set("exp", "v", px=300)
        with self.r.pipeline() as pipe:
            pipe.watch("exp")
            wait_until("the key to expire", lambda: self.srv.client().exists("exp") == 0)
            pipe.multi()
            pipe.set("exp", "mine")
            with self.assertRaises(redis.WatchError):
                pipe.execute()
        # a key already expired when watched is a missing key: its deletion changes nothing
        self.r.set("stale", "v", px=50)
        wait_until("the key to expire", lambda: self.r.pttl("stale") == -2)
        with self.r.pipeline() as pipe:
            pipe.watch("stale")
            pipe.multi()
            pipe.set("stale", "mine")
            self.assertEqual(pipe.execute(), [True])

    def test_tx_watch_sees_other_clients_and_every_kind_of_write(self):
        other = self.srv.client()
        writes = [lambda: other.set("w", "x"), lambda: other.delete("w"), lambda: other.expire("w", 50),
                  lambda: other.rename("src", "w"), lambda: other.flushall(), lambda: other.append("w", "z"),
                  lambda: other.execute_command("MSET", "a", "1", "w", "2")]
        for write in writes:
            self.r.set("w", "1")
            self.r.set("src", "2")
            with self.r.pipeline() as pipe:
                pipe.watch("w")
                write()
                pipe.multi()
                pipe.set("done", "1")
                with self.assertRaises(redis.WatchError):
                    pipe.execute()
            self.assertIsNone(self.r.get("done"))
        # a write to another key does not count, nor does a read of the watched one
        self.r.set("w", "1")
        with self.r.pipeline() as pipe:
            pipe.watch("w")
            other.set("unrelated", "x")
            other.get("w")
            pipe.multi()
            pipe.set("done", "1")
            self.assertEqual(pipe.execute(), [True])

    def test_tx_blocking_commands_do_not_block_inside(self):
        s = self.srv.raw()
        s.sendall(resp_command("MULTI") + resp_command("BLPOP", "empty", "0") + resp_command("SET", "after", "1") +
                  resp_command("EXEC"))
        want = b"+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n*-1\r\n+OK\r\n"
        got = b""
        while len(got) < len(want):
            chunk = s.recv(4096)
            self.assertTrue(chunk, got)
            got += chunk
        self.assertEqual(got, want)
        s.close()

    def test_tx_a_queued_command_that_yields_leaves_the_connection_serving(self):
        # LRANGE of 300k elements runs in slices inside EXEC: the connection serves the next
        # request once EXEC is done (a child's yield once left it waiting forever)
        self.r.delete("long")
        for i in range(0, 300000, 50000):
            self.r.rpush("long", *range(i, i + 50000))
        yields = int(self.r.info("stats")["zvm_yields"])
        c = redis.Redis(port=self.srv.port)
        p = c.pipeline(transaction=True)
        p.lrange("long", 0, -1).llen("long")
        got, n = p.execute()
        self.assertEqual((len(got), n), (300000, 300000))
        self.assertTrue(c.ping())
        self.assertEqual(c.llen("long"), 300000)
        self.assertGreater(int(self.r.info("stats")["zvm_yields"]), yields)
        c.close()

    def test_tx_closed_client_leaves_no_transaction(self):
        s = self.srv.raw()
        s.sendall(resp_command("WATCH", "x") + resp_command("MULTI") + resp_command("SET", "gone", "1"))
        s.recv(100)
        s.close()
        wait_until("the client to go", lambda: int(self.r.info("clients")["connected_clients"]) == 1)
        self.assertIsNone(self.r.get("gone"))
        p = self.r.pipeline(transaction=True)
        p.set("x", 1).get("x")
        self.assertEqual(p.execute(), [True, b"1"])

    def test_tx_scripts_that_go_alone_and_flushes_inside_exec(self):
        # A script that reads a key it did not declare runs again alone (every shard's gate up);
        # inside EXEC its gates pass to EXEC.  A second such script, or a FLUSHALL, in the same
        # transaction once raised or lowered those gates a second time: the server freed a gate
        # still held and crashed (found by the tx_commands fuzz target).
        undeclared = "return redis.call('GET', 'k')"
        flushing = "redis.call('SET', 'k2', 'v2') redis.call('FLUSHALL') return redis.call('GET', 'k2')"
        for _ in range(20):
            self.r.set("k", "v")
            p = self.r.pipeline(transaction=True)
            p.eval(undeclared, 0).eval(undeclared, 0).set("{x}", 1).get("{x}")
            self.assertEqual(p.execute(), [b"v", b"v", True, b"1"])
            p = self.r.pipeline(transaction=True)
            p.eval(undeclared, 0).flushall().set("x", 1).eval(undeclared, 0).get("x")
            self.assertEqual(p.execute(), [b"v", True, True, None, b"1"])
            p = self.r.pipeline(transaction=True)
            p.set("k", "w").eval(flushing, 0).eval(undeclared, 0).exists("k", "k2")
            self.assertEqual(p.execute(), [True, None, None, 0])
            self.assertIsNone(self.r.eval(flushing, 0))
        self.assertTrue(self.r.ping())
        self.assertEqual(self.r.dbsize(), 0)

    def test_tx_commands_that_need_every_shard_never_wait_for_ever(self):
        # A transaction holding keys whose FLUSHALL, SWAPDB or script (reading a key it did not
        # declare) then took the shards one by one could wait for ever on a FLUSHALL of another
        # client, which waited for the transaction's keys; so could a script that wrote a key
        # and then called FLUSHALL.  Now the transaction (or the script) holds every shard from
        # its start.  Counted, not timed: a deadlock fails on the sockets' 120 s timeout.
        done, errors = threading.Event(), []

        def flusher():
            c = self.srv.client()
            try:
                while not done.is_set():
                    c.flushall()
            except Exception as e:   # noqa: B902 -- reported below
                errors.append(e)

        t = threading.Thread(target=flusher)
        t.start()
        try:
            c = self.srv.client()
            undeclared = "return redis.call('GET', 'undeclared')"
            flushing = "redis.call('SET', KEYS[1], 1) redis.call('FLUSHALL') return redis.call('EXISTS', KEYS[1])"
            for i in range(150):
                key = "k%d" % (i % 16)
                for wide in ("flushall", "swapdb", "script"):
                    p = c.pipeline(transaction=True)
                    p.set(key, i)
                    if wide == "flushall":
                        p.flushall()
                    elif wide == "swapdb":
                        p.swapdb(0, 1)
                    else:
                        p.eval(undeclared, 0)
                    p.exists(key)
                    res = p.execute()
                    self.assertEqual(res[0], True)
                    self.assertEqual(res[2], 0 if wide != "script" else 1, (wide, res))
                self.assertEqual(c.eval(flushing, 1, key), 0)
        finally:
            done.set()
            t.join()
        self.assertEqual(errors, [])
        info = self.r.info("scripting")
        self.assertGreater(info["scripts_undeclared_keys"], 0)   # FLUSHALL counts as undeclared
        self.assertGreater(info["scripts_undeclared_restarts"], 0)   # the script's first run started over

    def test_tx_on_one_shard_costs_no_more_hops_than_one_command(self):
        def hops():
            return int(self.r.info("stats")["zvm_hops"])
        c = self.srv.client()
        c.set("{k}", 1)
        h0 = hops()
        c.get("{k}")
        single = hops() - h0 - 1   # the INFO itself is one command, on no key
        h1 = hops()
        p = c.pipeline(transaction=True)
        p.set("{k}", 2).incr("{k}").get("{k}").expire("{k}", 100)
        self.assertEqual(p.execute(), [True, 3, b"3", True])
        tx = hops() - h1 - 1
        self.assertLessEqual(tx, max(single, 1), "a one-key transaction hopped %d times" % tx)


class TransactionsOnNetworks(unittest.TestCase):
    def test_tx_readonly_network_refuses_queued_writes(self):
        config = {"networks": [{"name": "ro", "port": 0, "permissions": ["read"]},
                               {"name": "rw", "port": 0}]}
        with KeelConfigServer(config) as srv:
            ro = srv.client("ro")
            srv.client("rw").set("k", "v")
            p = ro.pipeline(transaction=True)
            p.get("k").set("k", "changed")
            with self.assertRaises(redis.ResponseError) as cm:
                p.execute()
            self.assertIn("needs the write permission", str(cm.exception))   # queueing refused it
            s = srv.raw("ro")   # ... so EXEC aborts, as raw replies show
            s.sendall(resp_command("MULTI") + resp_command("SET", "k", "x") + resp_command("EXEC"))
            got = b""
            while got.count(b"\r\n") < 3:
                chunk = s.recv(4096)
                self.assertTrue(chunk, got)
                got += chunk
            lines = got.split(b"\r\n")
            self.assertEqual(lines[0], b"+OK")
            self.assertTrue(lines[1].startswith(b"-NOPERM"), lines[1])
            self.assertTrue(lines[2].startswith(b"-EXECABORT"), lines[2])
            s.close()
            self.assertEqual(srv.client("rw").get("k"), b"v")
            p = ro.pipeline(transaction=True)
            p.get("k")
            self.assertEqual(p.execute(), [b"v"])

    def test_tx_namespace_locked_network_stays_inside(self):
        config = {"networks": [{"name": "tenant", "port": 0, "namespace": "ns t1", "namespace_locked": True},
                               {"name": "ops", "port": 0}]}
        with KeelConfigServer(config) as srv:
            t = srv.client("tenant")
            ops = srv.client("ops")
            ops.set("outside", "keep")
            p = t.pipeline(transaction=True)
            p.set("outside", "tenant").execute_command("NSRESET").set("k", "v").flushall().set("k2", "v2")
            self.assertEqual(p.execute(), [True, b"OK", True, True, True])
            self.assertEqual(ops.get("outside"), b"keep")   # the tenant's own "outside" is in its namespace
            self.assertIsNone(ops.get("k2"))
            self.assertEqual(t.get("k2"), b"v2")
            self.assertIsNone(t.get("k"))   # its FLUSHALL emptied its namespace only

    def test_tx_json_reply_syntax(self):
        config = {"networks": [{"name": "j", "port": 0, "reply_syntax": "json"}]}
        with KeelConfigServer(config) as srv:
            s = srv.raw("j")
            s.sendall(b"MULTI\r\nSET a 1\r\nINCR a\r\nGET nope\r\nEXEC\r\n")
            data = b""
            deadline = time.monotonic() + 60
            while data.count(b"\n") < 5 and time.monotonic() < deadline:
                data += s.recv(4096)
            lines = data.decode().strip().split("\n")
            self.assertEqual(json.loads(lines[-1]), ["OK", 2, None])
            s.close()


if __name__ == "__main__":
    unittest.main()
