"""test_config_compat.py -- Redis's tuning parameters that Keel accepts and stores without using
them (listpack/intset thresholds, hz, lazyfree switches; core/config_advisory.c): the same CONFIG
SET and CONFIG GET cases against Debian's redis-server 7.0 and Keel, replies compared exactly.
"""
import shutil
import unittest

from keel_harness import KeelServer, RedisServer, raw_client, reply_of

CASES = [
    ("CONFIG", "GET", "hash-max-listpack-entries"),
    ("CONFIG", "SET", "hash-max-listpack-entries", "256"),
    ("CONFIG", "GET", "hash-max-listpack-entries"),
    ("CONFIG", "GET", "hash-max-ziplist-entries"),        # the old name shares the value
    ("CONFIG", "SET", "hash-max-ziplist-value", "32"),
    ("CONFIG", "GET", "hash-max-listpack-value"),
    ("CONFIG", "SET", "hash-max-listpack-entries", "abc"),
    ("CONFIG", "SET", "hash-max-listpack-entries", "-5"),
    ("CONFIG", "SET", "hash-max-listpack-entries", ""),
    ("CONFIG", "SET", "list-max-listpack-size", "-3"),
    ("CONFIG", "GET", "list-max-ziplist-size"),
    ("CONFIG", "SET", "list-compress-depth", "-1"),
    ("CONFIG", "SET", "list-compress-depth", "2"),
    ("CONFIG", "GET", "list-compress-depth"),
    ("CONFIG", "SET", "set-max-intset-entries", "1024"),
    ("CONFIG", "GET", "set-max-intset-entries"),
    ("CONFIG", "SET", "zset-max-ziplist-entries", "7"),
    ("CONFIG", "GET", "zset-max-listpack-entries"),
    ("CONFIG", "GET", "zset-max-listpack-value"),
    ("CONFIG", "SET", "stream-node-max-entries", "50"),
    ("CONFIG", "GET", "stream-node-max-*"),
    ("CONFIG", "GET", "hll-sparse-max-bytes"),
    ("CONFIG", "SET", "hz", "0"),                          # clamped to 1
    ("CONFIG", "GET", "hz"),
    ("CONFIG", "SET", "hz", "100000"),                     # clamped to 500
    ("CONFIG", "GET", "hz"),
    ("CONFIG", "SET", "hz", "20"),
    ("CONFIG", "GET", "hz"),
    ("CONFIG", "SET", "activerehashing", "maybe"),
    ("CONFIG", "SET", "activerehashing", "NO"),
    ("CONFIG", "GET", "activerehashing"),
    ("CONFIG", "SET", "lazyfree-lazy-user-del", "yes"),
    ("CONFIG", "GET", "lazyfree-lazy-user-del"),
    ("CONFIG", "SET", "active-expire-effort", "11"),
    ("CONFIG", "SET", "no-such-parameter", "1"),
]


def normalized(cmd, reply):
    """CONFIG GET with a pattern: Redis's map order is its own; compare as pairs."""
    kind, value = reply
    if kind == "ok" and cmd[1] == "GET" and isinstance(value, list):
        return kind, sorted(zip(value[0::2], value[1::2]))
    return reply


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class AdvisoryConfigLikeRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer(threads=2, modules=["resp"]).start()
        try:
            cls.redis = RedisServer()
        except Exception:
            cls.keel.stop()
            raise
        cls.k = raw_client(cls.keel.client())
        cls.r = raw_client(cls.redis.client())

    @classmethod
    def tearDownClass(cls):
        cls.redis.stop()
        cls.keel.stop()

    def test_config_compat_advisory_parameters(self):
        for cmd in CASES:
            want = normalized(cmd, reply_of(self.r, cmd))
            got = normalized(cmd, reply_of(self.k, cmd))
            self.assertEqual(got, want, repr(cmd))


if __name__ == "__main__":
    unittest.main()
