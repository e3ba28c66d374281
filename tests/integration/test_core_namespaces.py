"""test_core_namespaces.py -- what the core does for namespaces beyond maps.so's commands:
DBSIZE counts the client's namespace, an emptied namespace is gone, DEBUG ZVM EXPLAIN places keys
as the client's namespace does, and KEYS never repeats a key while tables resize under it."""
import threading
import time
import unittest

from keel_harness import SharedServerTest, wait_until


def shards_in_explain(text):
    return [line.split(" shard ")[1].split()[0] for line in text.splitlines() if line.startswith("key ")]


class CoreNamespaces(SharedServerTest):
    def setUp(self):
        self.r = self.srv.client()
        self.r.flushall()

    def inside(self, *names):
        c = self.srv.client(single_connection_client=True)
        c.execute_command("NS", *names)
        return c

    def test_dbsize_inside_a_namespace_counts_that_namespace(self):
        self.r.mset({"a": 1, "b": 2})
        t = self.inside("t")
        t.mset({"x": 1, "y": 2, "z": 3})
        self.assertEqual(t.dbsize(), 3)
        self.assertEqual(self.inside("t", "deeper").dbsize(), 0)
        self.assertEqual(self.r.dbsize(), 3)   # a, b and the namespace t

    def test_an_emptied_namespace_is_gone(self):
        t = self.inside("t")
        t.set("x", "1")
        self.assertEqual(self.r.type("t"), b"hash")
        t.delete("x")
        self.assertEqual(self.r.exists("t"), 0)
        self.assertEqual(self.r.type("t"), b"none")
        self.assertEqual(self.r.keys("*"), [])

    def test_explain_places_keys_in_the_clients_namespace(self):
        top = shards_in_explain(self.srv.cli("DEBUG", "ZVM", "EXPLAIN", "GET", "a"))
        c = self.inside("a")
        inside = c.execute_command("DEBUG", "ZVM", "EXPLAIN", "GET", "some-key")
        inside = shards_in_explain("\n".join(x.decode() if isinstance(x, bytes) else x for x in inside))
        self.assertEqual(inside, top)   # keys of namespace a live with a

    def test_used_memory_counts_what_namespaces_hold(self):
        before = int(self.r.info("memory")["used_memory"])
        if before == 0:
            self.skipTest("the allocator does not report (sanitizer build)")
        loader = self.srv.client()   # its own pool: its connection stays in the namespace
        pipe = loader.pipeline(transaction=False)
        pipe.execute_command("NS", "big")
        for i in range(0, 200000, 2000):
            pipe.mset({"field:%d" % j: j for j in range(i, i + 2000)})
        pipe.execute()
        self.assertEqual(self.r.type("big"), b"hash")
        grown = int(self.r.info("memory")["used_memory"]) - before
        self.assertGreater(grown, 200000 * 10, "200k keys in a namespace must show in used_memory")
        self.r.delete("big")   # freed in slices on the namespace's thread, right after
        wait_until("the namespace's memory to come back",
                   lambda: int(self.r.info("memory")["used_memory"]) - before <= grown / 4)

    def test_deleting_a_huge_namespace_keeps_the_thread_serving(self):
        loader = self.srv.client()
        pipe = loader.pipeline(transaction=False)
        pipe.execute_command("NS", "huge")
        for i in range(0, 300000, 3000):
            pipe.mset({"f%d" % j: j for j in range(i, i + 3000)})
        pipe.execute()
        # a client on every thread keeps pinging while the namespace is deleted and freed
        stop, answered = threading.Event(), []

        def ping():
            c = self.srv.client(single_connection_client=True)
            while not stop.is_set():
                c.ping()
                answered.append(time.monotonic())

        pingers = [threading.Thread(target=ping) for _ in range(4)]
        for t in pingers:
            t.start()
        wait_until("every pinger to be answered", lambda: len(answered) >= 4)
        t0 = time.monotonic()
        self.assertEqual(self.r.delete("huge"), 1)
        self.assertEqual(self.r.exists("huge"), 0)   # gone at once ...
        self.assertGreaterEqual(int(self.r.info("memory")["lazyfree_pending_objects"]), 1)   # ... freed later
        wait_until("the namespace to be freed", lambda: int(self.r.info("memory")["lazyfree_pending_objects"]) == 0,
                   interval=0.002)
        t_freed = time.monotonic()
        during = sum(1 for a in list(answered) if t0 <= a <= t_freed)
        # every pinger goes on being answered once it is all freed (nothing was left stuck)
        after = len(answered)
        wait_until("PINGs after the free", lambda: len(answered) >= after + 4 * len(pingers))
        stop.set()
        for t in pingers:
            t.join()
        # PINGs were answered between the DEL and the end of the free: counted by events, not
        # in a window of wall-clock time
        self.assertGreaterEqual(during, 1, "no PING was answered while the namespace was freed")

    def test_flushall_waits_for_a_process_holding_keys(self):
        self.r.set("held", "v")
        done = {}

        def spin():   # holds "held" locked across many yields
            c = self.srv.client(socket_timeout=600)
            done["slices"] = c.execute_command("DEBUG", "ZVM", "SPIN", 50000000000, "held")

        t = threading.Thread(target=spin)
        yields = int(self.r.info("stats")["zvm_yields"])
        t.start()
        wait_until("the spin to be under way", lambda: int(self.r.info("stats")["zvm_yields"]) >= yields + 3,
                   interval=0.005)
        self.assertTrue(self.r.flushall())
        at_flush = int(self.r.info("stats")["zvm_yields"])
        t.join()
        # FLUSHALL waited behind the spin: when its reply came, the spin had run its last slice
        # (nothing yields after it); without the wait, the spin would still be yielding
        self.assertEqual(int(self.r.info("stats")["zvm_yields"]), at_flush, "FLUSHALL ran while a process held a key")
        self.assertGreater(done["slices"], 3)
        self.assertEqual(self.r.dbsize(), 0)

    def test_keys_never_repeats_a_key_while_tables_resize(self):
        base = {"k:%d" % i: i for i in range(60000)}
        pipe = self.r.pipeline(transaction=False)
        for i in range(0, 60000, 1000):
            pipe.mset({k: base[k] for k in list(base)[i:i + 1000]})
        pipe.execute()
        stop = threading.Event()

        def churn():
            c = self.srv.client()
            n = 0
            while not stop.is_set():   # grow and shrink the tables under the walk
                c.mset({"churn:%d" % (n + j): j for j in range(500)})
                c.delete(*["churn:%d" % (n + j) for j in range(500)])
                n += 500

        t = threading.Thread(target=churn)
        t.start()
        try:
            for _ in range(3):
                keys = [k for k in self.r.keys("k:*")]
                self.assertEqual(len(keys), len(set(keys)), "KEYS repeated a key")
                self.assertEqual(set(keys), {k.encode() for k in base})
        finally:
            stop.set()
            t.join()


if __name__ == "__main__":
    unittest.main()
