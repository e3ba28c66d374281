"""test_namespaces_spread_calls.py -- commands that look for a spread namespace's parts on every
shard (TYPE, DEL, the EXPIRE and TTL families, RENAME of a name missing where it lives), run as
calls whose caller holds keys: SORT's TYPE, EXEC's queued commands, scripts' and functions'
redis.call.  Before the fix each shape below hung its clients for ever: the call waited for the
namespace's entry on another shard while its caller held the entry that shard's holder waited
for.  A hang fails a test on its sockets' timeout; nothing here is timed.
"""
import threading
import unittest

import redis

from keel_harness import have_module, SharedServerTest

LIB = """#!lua name=spread
redis.register_function('types', function(keys, args)
  local out = {}
  for i, k in ipairs(keys) do out[i] = redis.call('TYPE', k)['ok'] end
  return out
end)
redis.register_function('dels', function(keys, args) return redis.call('DEL', unpack(keys)) end)
"""


@unittest.skipUnless(have_module("sort") and have_module("scripting") and have_module("lists"),
                     "sort.so, scripting.so or lists.so not built")
class SpreadLookupsFromCalls(SharedServerTest):
    def setUp(self):
        self.srv.client().flushall()
        self.c = self.tenant()
        for i in range(40):  # the namespace now has parts on many shards: lookups walk them all
            self.c.set("k%d" % i, i)

    def tenant(self, *below):
        """A client of its own, inside namespace "t" (or t/below), its keys placed by their own
        names (HS).  A pool of one connection: redis-py's pipelines then use that connection."""
        pool = redis.BlockingConnectionPool(port=self.srv.port, max_connections=1, socket_timeout=60)
        r = redis.Redis(connection_pool=pool)
        r.execute_command("HS", "t", *below)
        return r

    def run_clients(self, jobs, rounds):
        """Runs each job(client, n) for n in range(rounds) on its own client and thread; returns
        the errors (a hang is a socket timeout)."""
        errors = []

        def run(job):
            r = self.tenant()
            try:
                for n in range(rounds):
                    job(r, n)
            except Exception as e:  # reported below, with the job's name
                errors.append("%s: %r" % (job.__name__, e))

        threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return errors

    def test_pipelined_sorts_of_missing_lists_in_one_connection(self):
        for _ in range(30):
            p = self.c.pipeline(transaction=False)
            for i in range(16):
                p.execute_command("SORT", "missing%d" % i)
                p.execute_command("SORT", "missing%d" % i, "BY", "w_*", "GET", "#")
            self.assertEqual(p.execute(), [[]] * 32)

    def test_transactions_that_look_for_missing_names(self):
        def tx(r, n):
            p = r.pipeline(transaction=True)
            p.set("x%d" % (n % 5), n)
            for j in range(6):
                p.type("m%d" % ((n + j) % 11))
            p.delete("m%d" % (n % 3))
            p.expire("m%d" % (n % 4), 10)
            p.ttl("m%d" % (n % 7))
            self.assertEqual(p.execute(), [True] + [b"none"] * 6 + [0, False, -2])

        self.assertEqual(self.run_clients([tx, tx, tx], 150), [])

    def test_transactions_of_many_names_at_the_top(self):
        """At the top every name is its own entry: past 16 of them EXEC runs alone instead of
        locking each one on every shard."""
        at_top = self.srv.client()

        def top(_, n):
            p = at_top.pipeline(transaction=True)
            for j in range(30):
                p.delete("gone%d_%d" % (n, j))
            p.type("t")
            p.expire("t", 1000)
            p.persist("t")
            self.assertEqual(p.execute(), [0] * 30 + [b"hash", True, True])

        def tx(r, n):
            p = r.pipeline(transaction=True)
            p.type("m%d" % (n % 11))
            p.delete("m%d" % (n % 7))
            self.assertEqual(p.execute(), [b"none", 0])

        self.assertEqual(self.run_clients([top, tx, tx], 100), [])

    def test_a_transaction_deletes_and_renames_spread_namespaces_whole(self):
        admin = self.srv.client()
        for name in ("a", "b"):
            d = self.tenant(name)
            for i in range(30):
                d.set("f%d" % i, i)
        self.assertEqual(self.c.type("a"), b"hash")
        p = self.c.pipeline(transaction=True)
        p.delete("a")
        p.rename("b", "c")
        p.type("a")
        p.type("b")
        p.type("c")
        self.assertEqual(p.execute(), [1, True, b"none", b"none", b"hash"])
        self.assertEqual(self.tenant("a").keys("*"), [])
        self.assertEqual(self.tenant("b").keys("*"), [])
        self.assertEqual(sorted(self.tenant("c").mget(["f%d" % i for i in range(30)])),
                         sorted(str(i).encode() for i in range(30)))
        self.assertEqual(admin.type("t"), b"hash")

    def test_scripts_functions_sorts_and_transactions_together(self):
        self.c.function_load(LIB)

        def alone(r, n):  # reads a key it does not declare: it starts over alone
            script = "redis.call('GET', 'undeclared') return redis.call('TYPE', KEYS[1])['ok']"
            self.assertEqual(r.eval(script, 1, "m%d" % (n % 9)), b"none")

        def types(r, n):
            self.assertEqual(r.fcall("types", 2, "m%d" % (n % 5), "k%d" % (n % 40)),
                             [b"none", b"string"])

        def dels(r, n):
            self.assertEqual(r.fcall("dels", 2, "m%d" % (n % 5), "z%d" % (n % 7)), 0)

        def wrote_first(r, n):  # its write is put back when the DEL starts over
            script = "redis.call('INCR', KEYS[1]) return redis.call('DEL', KEYS[2])"
            self.assertEqual(r.eval(script, 2, "w%d" % (n % 6), "m%d" % (n % 8)), 0)

        def sorts(r, n):
            p = r.pipeline(transaction=False)
            for i in range(8):
                p.execute_command("SORT", "m%d" % ((n + i) % 13))
            self.assertEqual(p.execute(), [[]] * 8)

        def tx(r, n):
            p = r.pipeline(transaction=True)
            p.type("m%d" % (n % 3))
            p.delete("m%d" % (n % 4))
            self.assertEqual(p.execute(), [b"none", 0])

        rounds = 200
        self.assertEqual(self.run_clients([alone, types, dels, wrote_first, sorts, tx], rounds), [])
        # every INCR counted once, however often its script started over
        total = sum(int(self.c.get("w%d" % i) or 0) for i in range(6))
        self.assertEqual(total, rounds)


if __name__ == "__main__":
    unittest.main()
