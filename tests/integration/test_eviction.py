"""test_eviction.py -- maxmemory and eviction through real clients.

noeviction refuses commands that grow memory with Redis's -OOM error while reads and DEL go on;
each policy evicts and leaves the right survivors (volatile-* never a key without a TTL,
volatile-ttl the soonest first, LRU keeps a hot set that is read, LFU keeps keys read often);
used memory stays near the limit; CONFIG SET changes it at run time; a watched key that is
evicted makes EXEC fail; memcached clients get eviction by default and SERVER_ERROR on a network
that refuses (memcached's -M); used_memory is checked against the RSS.  No test depends on
speed: each waits for conditions (the server's memory sample and tick run every 10 ms).
"""
import os
import unittest

import redis
from pymemcache.client.base import Client as McClient
from pymemcache.exceptions import MemcacheServerError

from keel_harness import KeelConfigServer, MODULE_DIR, wait_until

OOM = "OOM command not allowed when used memory > 'maxmemory'."
VALUE = b"v" * 200
MB = 1024 * 1024
READ_SLACK = 64 * 1024  # how far INFO's used_memory may stand from what eviction counted


def have(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def server(threads=2, **top):
    config = {"threads": threads, "networks": [
        {"name": "resp", "port": 0, "protocol": "resp", "permissions": ["read", "write", "admin", "stats"]}]}
    if have("memcache"):
        config["networks"] += [{"name": "mc", "port": 0, "protocol": "memcache"},
                               {"name": "mcrefuse", "port": 0, "protocol": "memcache", "eviction": "refuse"}]
    config.update(top)
    return KeelConfigServer(config)


def used(r):
    return r.info("memory")["used_memory"]


def wait_saying_where_memory_stood(r, what, predicate):
    """wait_until, and when it times out, what the server counted: used and spare memory, the
    limit, evictions and keys."""
    try:
        wait_until(what, predicate)
    except AssertionError as e:
        m, st = r.info("memory"), r.info("stats")
        raise AssertionError("%s: used_memory %s, maxmemory %s, evicted %s, keys %s, spare %s" % (
            e, m["used_memory"], m["maxmemory"], st["evicted_keys"], r.dbsize(),
            m.get("used_memory_table_spare"))) from None


def write_until_oom(r, prefix, limit=200000, batch=200):
    """SETs prefix:<i> until one is refused; returns how many were stored."""
    n = 0
    while n < limit:
        p = r.pipeline(transaction=False)
        for i in range(n, n + batch):
            p.set("%s:%d" % (prefix, i), VALUE)
        for i, res in enumerate(p.execute(raise_on_error=False)):
            if isinstance(res, redis.ResponseError):
                assert str(res) == OOM, str(res)
                return n + i
        n += batch
    raise AssertionError("no OOM after %d keys" % limit)


def write(r, prefix, count, start=0, ex=None, batch=200):
    for b in range(start, start + count, batch):
        p = r.pipeline(transaction=False)
        for i in range(b, min(b + batch, start + count)):
            p.set("%s:%d" % (prefix, i), VALUE, ex=ex)
        p.execute()


def write_until_evicted(r, prefix, want, most):
    """Writes prefix:<i> in batches until INFO counts `want` evictions (at most `most` keys):
    how much must be written depends on how memory was counted when maxmemory was set."""
    n = 0
    while r.info("stats")["evicted_keys"] < want and n < most:
        write(r, prefix, 200, start=n)
        n += 200


def set_ok(r, key, value):
    """True when SET key value succeeds, False when it is refused with -OOM."""
    try:
        return r.set(key, value)
    except redis.ResponseError as e:
        assert str(e) == OOM, str(e)
        return False


def exists_each(r, keys):
    p = r.pipeline(transaction=False)
    for k in keys:
        p.exists(k)
    return p.execute()


class NoEviction(unittest.TestCase):
    def test_writes_get_oom_while_reads_and_deletes_work(self):
        with server() as srv:
            r = srv.client("resp")
            r.config_set("maxmemory", used(r) + 3 * MB)
            self.assertEqual(r.config_get("maxmemory-policy")["maxmemory-policy"], "noeviction")
            stored = write_until_oom(r, "k")
            self.assertGreater(stored, 1000)
            # a margin below what is used: memory the server gives back meanwhile (its process
            # pool, once a second) cannot bring it under the limit before the checks below
            r.config_set("maxmemory", used(r) - MB)
            for cmd in (["SET", "x", "1"], ["APPEND", "k:0", "more"], ["LPUSH", "l", "a"], ["INCR", "n"],
                        ["MSET", "a", "1", "b", "2"]):
                if cmd[0] == "LPUSH" and not have("lists"):
                    continue
                with self.assertRaises(redis.ResponseError) as e:
                    r.execute_command(*cmd)
                self.assertEqual(str(e.exception), OOM)
            self.assertEqual(r.get("k:0"), VALUE)            # reads go on
            self.assertEqual(r.exists("k:1"), 1)
            self.assertEqual(r.expire("k:2", 1000), True)    # not flagged to grow memory
            # MULTI: a refused command aborts the transaction, as in Redis
            p = r.pipeline(transaction=True)
            p.set("t", "1")
            with self.assertRaises(redis.ResponseError):
                p.execute()
            self.assertEqual(r.info("stats")["evicted_keys"], 0)
            r.delete(*["k:%d" % i for i in range(stored)])   # DEL works and makes room
            wait_until("memory to go under the limit", lambda: set_ok(r, "x", "1"))
            self.assertEqual(r.get("x"), b"1")


class Policies(unittest.TestCase):
    def fill_over(self, r, limit_mb, prefix, keys):
        r.config_set("maxmemory", used(r) + limit_mb * MB)
        write(r, prefix, keys)

    def test_allkeys_random_evicts_and_holds_the_limit(self):
        with server() as srv:
            r = srv.client("resp")
            r.config_set("maxmemory-policy", "allkeys-random")
            limit = used(r) + 3 * MB
            r.config_set("maxmemory", limit)
            write(r, "k", 60000)                  # about 4 times the limit
            wait_until("used memory near the limit", lambda: used(r) <= limit * 1.1 + MB)
            # every key written is there or was evicted (the ticks may still be evicting)
            wait_until("keys and evictions to add up",
                       lambda: r.dbsize() + r.info("stats")["evicted_keys"] == 60000)
            self.assertGreater(r.info("stats")["evicted_keys"], 10000)

    def test_volatile_policies_never_evict_keys_without_ttl(self):
        for policy in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"):
            with self.subTest(policy=policy), server() as srv:
                r = srv.client("resp")
                r.config_set("maxmemory-policy", policy)
                write(r, "keep", 3000)
                r.config_set("maxmemory", used(r) + 2 * MB)
                write(r, "vol", 30000, ex=100000)
                self.assertGreater(r.info("stats")["evicted_keys"], 1000)
                self.assertEqual(sum(exists_each(r, ["keep:%d" % i for i in range(3000)])), 3000)
                # once no key has a TTL left to evict, writes are refused
                r.config_set("maxmemory", 1)
                wait_until("every volatile key evicted", lambda: r.dbsize() == 3000)
                with self.assertRaises(redis.ResponseError) as e:
                    r.set("x", "1")
                self.assertEqual(str(e.exception), OOM)
                self.assertEqual(r.get("keep:0"), VALUE)

    def test_volatile_ttl_evicts_the_soonest_first(self):
        with server(threads=1) as srv:
            r = srv.client("resp")
            r.config_set("maxmemory-policy", "volatile-ttl")
            base = used(r)
            n = 10000
            for b in range(0, n, 200):                   # key i expires after 10000 + i seconds
                p = r.pipeline(transaction=False)
                for i in range(b, b + 200):
                    p.set("t:%d" % i, VALUE, ex=10000 + i)
                p.execute()
            data = used(r) - base
            r.config_set("maxmemory", used(r) - data // 4)   # about a quarter of them must go
            # evictions done, writes admitted again (holding the limit itself is
            # test_allkeys_random_evicts_and_holds_the_limit's; the share gone is checked below)
            wait_saying_where_memory_stood(r, "eviction to stop", lambda: r.info("stats")[
                "evicted_keys"] > n // 10 and set_ok(r, "probe", "1"))
            alive = exists_each(r, ["t:%d" % i for i in range(n)])
            gone = [i for i in range(n) if not alive[i]]
            self.assertGreater(len(gone), n // 10)
            self.assertLess(len(gone), n * 4 // 10)
            self.assertTrue(all(alive[n // 2:]), "a key of the latest-expiring half was evicted")
            self.assertGreater(sum(1 for i in gone if i < len(gone) * 2), len(gone) * 9 // 10)

    def test_lru_keeps_a_hot_set_that_is_read(self):
        with server() as srv:
            r = srv.client("resp")
            r.config_set("maxmemory-policy", "allkeys-lru")
            r.config_set("maxmemory-samples", "10")
            hot = ["hot:%d" % i for i in range(200)]
            write(r, "hot", 200)
            write(r, "cold", 8000)
            # the LRU clock counts seconds: wait until the cold keys are a second old, then read
            # the hot set (idle 0 again) before new writes force evictions
            wait_until("cold keys idle", lambda: r.object("idletime", "cold:0") >= 2, timeout=120)
            for k in hot:
                self.assertEqual(r.get(k), VALUE)
            self.assertEqual(r.object("idletime", hot[0]), 0)
            r.config_set("maxmemory", used(r))
            write_until_evicted(r, "new", 1001, 7000)  # fewer than the 8000 cold keys
            self.assertGreater(r.info("stats")["evicted_keys"], 1000)
            self.assertEqual(sum(exists_each(r, hot)), len(hot))

    def test_lfu_keeps_keys_read_often(self):
        with server() as srv:
            r = srv.client("resp")
            r.config_set("maxmemory-policy", "allkeys-lfu")
            r.config_set("lfu-log-factor", "0")      # every access counts: the counter is exact
            r.config_set("lfu-decay-time", "0")      # and never decays
            write(r, "cold", 8000)
            hot = ["hot:%d" % i for i in range(200)]
            write(r, "hot", 200)
            self.assertEqual(r.object("freq", hot[0]), 5)
            for _ in range(20):
                p = r.pipeline(transaction=False)
                for k in hot:
                    p.get(k)
                p.execute()
            self.assertEqual(r.object("freq", hot[0]), 25)
            self.assertEqual(r.object("freq", "cold:0"), 5)   # OBJECT does not count as an access
            r.config_set("maxmemory", used(r))
            write_until_evicted(r, "new", 1001, 7000)  # fewer than the 8000 cold keys
            self.assertGreater(r.info("stats")["evicted_keys"], 1000)
            self.assertEqual(sum(exists_each(r, hot)), len(hot))


class Runtime(unittest.TestCase):
    def test_config_set_and_get(self):
        with server() as srv:
            r = srv.client("resp")
            self.assertEqual(r.config_get("maxmemory")["maxmemory"], "0")
            r.config_set("maxmemory", "100mb")
            self.assertEqual(r.config_get("maxmemory")["maxmemory"], str(100 * MB))
            r.config_set("maxmemory", "2gb")
            self.assertEqual(r.info("memory")["maxmemory"], 2 * 1024 * MB)
            self.assertEqual(r.info("memory")["maxmemory_human"], "2.00G")
            for p in ("allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu",
                      "volatile-random", "volatile-ttl", "noeviction"):
                r.config_set("maxmemory-policy", p.upper() if p.endswith("ttl") else p)
                self.assertEqual(r.config_get("maxmemory-policy")["maxmemory-policy"], p)
                self.assertEqual(r.info("memory")["maxmemory_policy"], p)
            with self.assertRaises(redis.ResponseError) as e:
                r.config_set("maxmemory-policy", "lru")
            self.assertIn("maxmemory-policy", str(e.exception))
            with self.assertRaises(redis.ResponseError):
                r.config_set("maxmemory", "lots")
            with self.assertRaises(redis.ResponseError):
                r.config_set("maxmemory-samples", "0")
            r.config_set("maxmemory-samples", "7")
            r.config_set("lfu-log-factor", "3")
            r.config_set("lfu-decay-time", "9")
            got = r.config_get("*")
            self.assertEqual((got["maxmemory-samples"], got["lfu-log-factor"], got["lfu-decay-time"]),
                             ("7", "3", "9"))

    def test_lowering_maxmemory_evicts_down_to_it(self):
        with server() as srv:
            r = srv.client("resp")
            base = used(r)
            r.config_set("maxmemory-policy", "allkeys-lru")
            write(r, "k", 30000)
            self.assertEqual(r.dbsize(), 30000)
            limit = base + 2 * MB
            r.config_set("maxmemory", limit)         # no write needed: every thread's tick evicts
            # eviction stops at the limit by its own count (its tick's sample, less what was
            # freed since); INFO's reading, taken at another moment, may differ by a few KB (4 KB
            # over for a minute under ASan, once: redis's own maxmemory tests keep a 4 KB margin
            # too), so down to the limit means within READ_SLACK of it
            wait_saying_where_memory_stood(r, "used memory down to the new limit",
                                           lambda: used(r) <= limit + READ_SLACK)
            self.assertLess(r.dbsize(), 30000)
            self.assertGreater(r.dbsize(), 3000)     # about what fits, not everything
            wait_until("keys and evictions to add up",
                       lambda: r.dbsize() + r.info("stats")["evicted_keys"] == 30000)

    def test_object_freq_and_idletime(self):
        with server() as srv:
            r = srv.client("resp")
            r.set("k", "v")
            self.assertEqual(r.object("idletime", "k"), 0)
            self.assertIsNone(r.object("idletime", "missing"))
            with self.assertRaises(redis.ResponseError) as e:
                r.object("freq", "k")
            self.assertTrue(str(e.exception).startswith("An LFU maxmemory policy is not selected"))
            r.config_set("maxmemory-policy", "volatile-lfu")
            r.set("f", "v")
            self.assertEqual(r.object("freq", "f"), 5)
            with self.assertRaises(redis.ResponseError) as e:
                r.object("idletime", "f")
            self.assertTrue(str(e.exception).startswith("An LFU maxmemory policy is selected, idle time"))
            self.assertIsNone(r.object("freq", "missing"))
            with self.assertRaises(redis.ResponseError):
                r.execute_command("OBJECT", "FREQ")
            with self.assertRaises(redis.ResponseError):
                r.execute_command("OBJECT", "NOPE", "k")


@unittest.skipUnless(have("pubsub"), "pubsub module not built")
class EvictedEvents(unittest.TestCase):
    def test_each_evicted_key_is_announced(self):
        with server() as srv:
            r = srv.client("resp")
            r.config_set("notify-keyspace-events", "Ee")
            sub = srv.client("resp").pubsub()
            sub.subscribe("__keyevent@0__:evicted")
            self.assertEqual(sub.get_message(timeout=60)["type"], "subscribe")
            r.config_set("maxmemory-policy", "allkeys-random")
            r.config_set("maxmemory", used(r) + 2 * MB)
            write(r, "e", 30000)
            wait_until("evictions", lambda: r.info("stats")["evicted_keys"] > 1000)
            r.config_set("maxmemory", 0)   # no more evictions: the count is final
            evicted = r.info("stats")["evicted_keys"]
            keys = set()
            while len(keys) < evicted:
                m = sub.get_message(timeout=60)
                self.assertIsNotNone(m, "only %d of %d evicted keys announced" % (len(keys), evicted))
                if m["type"] == "message":
                    keys.add(m["data"])
            self.assertEqual(len(keys), evicted)
            self.assertEqual(sum(exists_each(r, sorted(keys))), 0)   # announced keys are gone
            sub.close()


class WatchAndNamespaces(unittest.TestCase):
    def test_watched_key_that_is_evicted_fails_exec(self):
        with server() as srv:
            r = srv.client("resp")
            r.config_set("maxmemory-policy", "volatile-ttl")
            r.set("watched", "x", ex=1000)           # the soonest to expire: evicted first
            p = r.pipeline(transaction=True)
            p.watch("watched")
            # room for the server's own working memory (a pipeline of 200 requests in flight takes
            # about a megabyte of processes), then four times as much data as fits
            r.config_set("maxmemory", used(r) + 4 * MB)
            write(r, "later", 80000, ex=100000)
            self.assertEqual(r.exists("watched"), 0)
            p.multi()
            p.set("watched", "mine")
            with self.assertRaises(redis.WatchError):
                p.execute()
            self.assertEqual(r.exists("watched"), 0)

    def test_a_namespace_is_evicted_as_one_key(self):
        with server() as srv:
            r = srv.client("resp")
            r.config_set("maxmemory-policy", "allkeys-random")
            for i in range(300):
                r.hset("ns:%d" % i, mapping={"a": "1", "b": "2"})
            r.config_set("maxmemory", used(r) + MB)
            write(r, "k", 20000)
            self.assertGreater(r.info("stats")["evicted_keys"], 1000)
            for i in range(300):                     # each map is whole or gone
                self.assertIn(r.hgetall("ns:%d" % i), ({b"a": b"1", b"b": b"2"}, {}))


@unittest.skipUnless(have("memcache"), "memcache module not built")
class Memcached(unittest.TestCase):
    def test_stores_evict_by_default_and_a_refusing_network_errors(self):
        with server() as srv:
            r = srv.client("resp")
            limit = used(r) + 3 * MB
            r.config_set("maxmemory", limit)        # the policy stays noeviction
            mc = McClient(("127.0.0.1", srv.ports["mc"]), default_noreply=False)
            for i in range(40000):
                self.assertTrue(mc.set("item%d" % i, VALUE))
            stats = mc.stats()
            self.assertGreater(stats[b"evictions"], 10000)
            self.assertEqual(stats[b"limit_maxbytes"], limit)
            self.assertEqual(mc.get("item39999"), VALUE)   # the latest stores are there
            # with every byte over the limit: RESP writes get OOM under noeviction, and so do stores
            # on the network that refuses (memcached's -M), while reads and deletes go on
            r.config_set("maxmemory", 1)
            with self.assertRaises(redis.ResponseError):
                r.set("x", "1")
            refuse = McClient(("127.0.0.1", srv.ports["mcrefuse"]), default_noreply=False)
            with self.assertRaises(MemcacheServerError) as e:
                refuse.set("other", VALUE)
            self.assertIn("out of memory storing object", str(e.exception))
            self.assertEqual(refuse.get("item39999"), VALUE)   # reads go on
            self.assertTrue(refuse.delete("item39999"))


class Accounting(unittest.TestCase):
    def test_used_memory_is_what_the_data_holds_and_within_rss(self):
        with server() as srv:
            r = srv.client("resp")
            base = used(r)
            write(r, "k", 50000)                    # 50000 * (200-byte value + key) = ~10.5 MB
            data = 50000 * (200 + len("k:49999"))
            mem = r.info("memory")
            grown = mem["used_memory"] - base
            self.assertGreaterEqual(grown, data)
            self.assertLessEqual(grown, data * 1.3)
            self.assertLessEqual(mem["used_memory"], mem["used_memory_rss"] + MB)


if __name__ == "__main__":
    unittest.main()
