"""test_eviction_compat.py -- the memory limit's replies are redis-server 7.0's.

The same commands go to keel-server and to a real redis-server: CONFIG SET/GET of maxmemory and
the eviction parameters (with their errors), OBJECT FREQ/IDLETIME under LRU and LFU policies
(errors, nil for a missing key), and the -OOM error of a write over the limit under noeviction.
"""
import unittest

import redis

from keel_harness import KeelServer, RedisServer, raw_client, reply_of

SCRIPT = [
    ["CONFIG", "GET", "maxmemory"], ["CONFIG", "GET", "maxmemory-policy"],
    ["CONFIG", "GET", "maxmemory-samples"], ["CONFIG", "GET", "lfu-log-factor"],
    ["CONFIG", "GET", "lfu-decay-time"],
    ["CONFIG", "SET", "maxmemory", "100mb"], ["CONFIG", "GET", "maxmemory"],
    ["CONFIG", "SET", "maxmemory", "1gb"], ["CONFIG", "GET", "maxmemory"],
    ["CONFIG", "SET", "maxmemory", "0"],
    ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"], ["CONFIG", "GET", "maxmemory-policy"],
    ["CONFIG", "SET", "maxmemory-policy", "VOLATILE-TTL"], ["CONFIG", "GET", "maxmemory-policy"],
    ["CONFIG", "SET", "maxmemory-samples", "10"], ["CONFIG", "GET", "maxmemory-samples"],
    ["SET", "k", "v"],
    ["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"],
    ["OBJECT", "FREQ", "k"], ["OBJECT", "FREQ", "missing"], ["OBJECT", "IDLETIME", "k"],
    ["OBJECT", "IDLETIME", "missing"],
    ["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
    ["SET", "f", "v"], ["OBJECT", "FREQ", "f"], ["OBJECT", "IDLETIME", "f"], ["OBJECT", "IDLETIME", "missing"],
    ["CONFIG", "SET", "maxmemory-policy", "noeviction"],
]


class Compat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer().start()
        cls.redis = RedisServer()

    @classmethod
    def tearDownClass(cls):
        cls.keel.stop()
        cls.redis.stop()

    def test_config_and_object_replies_match(self):
        k, r = raw_client(self.keel.client()), raw_client(self.redis.client())
        for cmd in SCRIPT:
            with self.subTest(cmd=cmd):
                self.assertEqual(reply_of(k, cmd), reply_of(r, cmd))

    def test_oom_error_text_matches(self):
        for srv in (self.keel, self.redis):
            c = srv.client()
            c.set("before", "x")
            c.config_set("maxmemory-policy", "noeviction")
            c.config_set("maxmemory", 1)               # below what any server uses
            try:
                with self.assertRaises(redis.ResponseError) as e:
                    c.set("x", "1")
                self.assertEqual(str(e.exception), "OOM command not allowed when used memory > 'maxmemory'.")
                self.assertEqual(c.get("before"), b"x")   # reads go on
                self.assertEqual(c.delete("before"), 1)   # and DEL
            finally:
                c.config_set("maxmemory", 0)


if __name__ == "__main__":
    unittest.main()
