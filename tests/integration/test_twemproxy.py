"""test_twemproxy.py -- scale-out behind Debian's twemproxy (nutcracker): three keel-servers behind
one proxy, a pool per protocol (RESP and memcached), configured by the shipped
contrib/twemproxy.yml with the test's own ports.

Checks that keys spread over the three, that the proxy's fragmented MGET / DEL / memcached
multi-get come back whole, that {tag}s keep keys together, that a killed backend is ejected and
readmitted, and that the commands the proxy forwards answer as they do when the same proxy fronts
Debian's redis-server 7.0.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

import redis
from pymemcache.client.base import Client as McClient

from keel_harness import KeelServer, free_port, raw_client, wait_until

NUTCRACKER = shutil.which("nutcracker") or (os.path.exists("/usr/sbin/nutcracker") and "/usr/sbin/nutcracker")


SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHIPPED = os.path.join(SRCDIR, "contrib", "twemproxy.yml")


def shipped_pools():
    """{pool name: its lines} of contrib/twemproxy.yml, comments left out."""
    pools, current = {}, None
    for line in open(SHIPPED):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            current = line.rstrip(":")
            pools[current] = []
        else:
            pools[current].append(line)
    return pools


def pool_yaml(template, name, listen, servers):
    """The shipped pool template with this test's ports, and a 60 s server timeout: on a loaded
    machine under the sanitizers a reply can take longer than the shipped 1 s."""
    lines = ["%s:" % name]
    for line in shipped_pools()[template]:
        key = line.strip().split(":")[0]
        if key == "listen":
            line = "  listen: 127.0.0.1:%d" % listen
        elif key == "timeout":
            line = "  timeout: 60000"
        elif line.strip().startswith("- "):
            continue
        lines.append(line)
        if key == "servers":
            lines += ["    - 127.0.0.1:%d:1" % port for port in servers]
    return "\n".join(lines) + "\n"


class Proxy:
    """One nutcracker with the pools given as (name, servers, shipped pool it follows)."""

    def __init__(self, pools):
        self.dir = tempfile.mkdtemp(prefix="keel-twemproxy-")
        self.ports = {}
        text = ""
        for name, servers, template in pools:
            self.ports[name] = free_port()
            text += pool_yaml(template, name, self.ports[name], servers)
        conf = os.path.join(self.dir, "nutcracker.yml")
        with open(conf, "w") as f:
            f.write(text)
        self.proc = subprocess.Popen(
            [NUTCRACKER, "-c", conf, "-o", os.path.join(self.dir, "nutcracker.log"),
             "-s", str(free_port()), "-a", "127.0.0.1", "-p", os.path.join(self.dir, "pid")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for port in self.ports.values():
            wait_until("nutcracker to listen", lambda p=port: self._listening(p))

    @staticmethod
    def _listening(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def start_keel(port=None, mc_port=None):
    return KeelServer("--memcache-port", str(mc_port), port=port, threads=2).start()


@unittest.skipUnless(NUTCRACKER, "nutcracker is not installed (scripts/deps.sh)")
class KeelBehindTwemproxy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mc_ports = [free_port() for _ in range(3)]
        cls.nodes = [start_keel(mc_port=p) for p in cls.mc_ports]
        cls.proxy = Proxy([("resp", [n.port for n in cls.nodes], "keel_resp"),
                           ("mc", cls.mc_ports, "keel_memcache")])
        cls.r = redis.Redis(port=cls.proxy.ports["resp"], socket_timeout=60)
        cls.mc = McClient(("127.0.0.1", cls.proxy.ports["mc"]), timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.mc.close()
        cls.proxy.stop()
        for n in cls.nodes:
            n.stop()

    def setUp(self):
        for n in self.nodes:
            n.client().flushall()

    def test_keys_spread_over_every_backend(self):
        for i in range(300):
            self.r.set("key:%d" % i, str(i))
        counts = [n.client().dbsize() for n in self.nodes]
        self.assertEqual(sum(counts), 300)
        self.assertTrue(all(c > 0 for c in counts), counts)
        # each key is where the proxy put it, and nowhere else
        for i in range(0, 300, 37):
            holders = [n for n in self.nodes if n.client().exists("key:%d" % i)]
            self.assertEqual(len(holders), 1)

    def test_fragmented_mget_and_del_come_back_whole(self):
        keys = ["m:%d" % i for i in range(100)]
        for i, k in enumerate(keys):
            self.r.set(k, "v%d" % i)
        got = self.r.mget(keys + ["m:missing"])
        self.assertEqual(got, [("v%d" % i).encode() for i in range(100)] + [None])
        self.assertEqual(self.r.delete(*keys[:60], "m:missing"), 60)
        self.assertEqual(sum(n.client().dbsize() for n in self.nodes), 40)
        self.r.mset({"x:%d" % i: i for i in range(30)})
        self.assertEqual(self.r.mget(["x:%d" % i for i in range(30)]), [str(i).encode() for i in range(30)])

    def test_hash_tags_keep_keys_together(self):
        keys = ["{user:42}:%s" % f for f in ("name", "mail", "cart", "seen", "tags")]
        for k in keys:
            self.r.set(k, "v")
        holders = [n for n in self.nodes if n.client().exists(*keys) > 0]
        self.assertEqual(len(holders), 1)
        self.assertEqual(holders[0].client().exists(*keys), len(keys))

    def test_memcached_pool_multi_get(self):
        values = {"mc%d" % i: ("value %d" % i).encode() for i in range(60)}
        self.mc.set_many(values)
        got = self.mc.get_many(list(values) + ["mc-missing"])
        self.assertEqual(got, values)
        per_node = []
        for p in self.mc_ports:
            c = McClient(("127.0.0.1", p), timeout=60)
            per_node.append(len(c.get_many(list(values))))
            c.close()
        self.assertEqual(sum(per_node), 60)
        self.assertTrue(all(n > 0 for n in per_node), per_node)
        self.assertTrue(self.mc.delete("mc0", noreply=False))
        self.assertEqual(self.mc.incr("ctr", 1), None)
        self.mc.set("ctr", b"5")
        self.assertEqual(self.mc.incr("ctr", 3), 8)


class EjectAndReadmit(unittest.TestCase):
    """A backend killed behind the proxy is ejected (its keys move to the others) and comes back."""

    @unittest.skipUnless(NUTCRACKER, "nutcracker is not installed")
    def test_killed_backend_is_ejected_and_readmitted(self):
        nodes = [start_keel(mc_port=free_port()) for _ in range(3)]
        proxy = Proxy([("resp", [n.port for n in nodes], "keel_resp")])
        try:
            r = redis.Redis(port=proxy.ports["resp"], socket_timeout=60)
            for i in range(90):
                r.set("e:%d" % i, "v")
            victim = nodes[1]
            self.assertGreater(victim.client().dbsize(), 0)
            port = victim.port
            victim.stop()

            def all_writes_succeed():
                try:
                    for i in range(90):
                        r.set("e:%d" % i, "after")
                    return True
                except redis.exceptions.RedisError:
                    return False   # the proxy answers an error until it ejects the dead node
            wait_until("the proxy to eject the killed backend", all_writes_succeed)
            survivors = nodes[0].client().dbsize() + nodes[2].client().dbsize()
            self.assertGreaterEqual(survivors, 90)

            nodes[1] = start_keel(port=port, mc_port=free_port())
            back = nodes[1].client()

            def readmitted():
                for i in range(90):
                    try:
                        r.set("e:%d" % i, "back")
                    except redis.exceptions.RedisError:
                        return False
                return back.dbsize() > 0
            wait_until("the proxy to readmit the restarted backend", readmitted)
        finally:
            proxy.stop()
            for n in nodes:
                n.stop()


# The commands the proxy forwards, sent through nutcracker to Keel and to redis-server: replies
# must be the same.  (Commands nutcracker does not forward, such as KEYS or MULTI, it refuses.)
FORWARDED = [
    ("SET", "s", "hello"), ("GET", "s"), ("APPEND", "s", " world"), ("STRLEN", "s"),
    ("GETRANGE", "s", "0", "4"), ("SETRANGE", "s", "0", "J"), ("GETSET", "s", "x"),
    ("SETNX", "s", "y"), ("SETEX", "t", "100", "v"), ("TTL", "t"), ("PERSIST", "t"), ("TTL", "t"),
    ("EXPIRE", "t", "50"), ("PEXPIRE", "t", "50000"), ("EXISTS", "t"), ("TYPE", "t"),
    ("INCR", "n"), ("INCRBY", "n", "10"), ("DECR", "n"), ("DECRBY", "n", "3"),
    ("INCRBYFLOAT", "f", "1.5"), ("MSET", "a", "1", "b", "2"), ("MGET", "a", "b", "zz"),
    ("DEL", "a", "b", "zz"), ("GET", "s", "extra"),
    ("RPUSH", "l", "a", "b", "c"), ("LPUSH", "l", "z"), ("LRANGE", "l", "0", "-1"), ("LLEN", "l"),
    ("LINDEX", "l", "1"), ("LSET", "l", "0", "q"), ("LREM", "l", "1", "b"), ("LPOP", "l"),
    ("RPOP", "l"), ("LTRIM", "l", "0", "0"),
    ("SADD", "set", "a", "b", "c"), ("SCARD", "set"), ("SISMEMBER", "set", "a"), ("SREM", "set", "a"),
    ("HSET", "h", "f", "1", "g", "2"), ("HGET", "h", "f"), ("HGETALL", "h"), ("HINCRBY", "h", "f", "5"),
    ("HDEL", "h", "g"), ("HLEN", "h"), ("HEXISTS", "h", "f"), ("HKEYS", "h"), ("HVALS", "h"),
    ("ZADD", "z", "1", "a", "2", "b"), ("ZRANGE", "z", "0", "-1", "WITHSCORES"), ("ZSCORE", "z", "b"),
    ("ZINCRBY", "z", "3", "a"), ("ZRANK", "z", "a"), ("ZCARD", "z"), ("ZREM", "z", "a"),
    ("PFADD", "hll", "a", "b"), ("PFCOUNT", "hll"),
    ("EVAL", "return redis.call('GET', KEYS[1])", "1", "n"),
    ("LPUSH", "s", "x"), ("INCR", "s"),
]


@unittest.skipUnless(NUTCRACKER, "nutcracker is not installed")
class ForwardedCommandsMatchRedis(unittest.TestCase):
    def test_replies_through_the_proxy_match_redis(self):
        from keel_harness import RedisServer
        keel = start_keel(mc_port=free_port())
        redis_srv = RedisServer()
        proxy = Proxy([("keel", [keel.port], "keel_resp"), ("redis", [redis_srv.port], "keel_resp")])
        try:
            via_keel = raw_client(redis.Redis(port=proxy.ports["keel"], socket_timeout=60))
            via_redis = raw_client(redis.Redis(port=proxy.ports["redis"], socket_timeout=60))

            def reply(c, cmd):
                try:
                    return c.execute_command(*cmd)
                except redis.exceptions.ResponseError as e:
                    return ("error", str(e).split(" ")[0])
                except redis.exceptions.ConnectionError:
                    return ("closed by the proxy",)   # a request it cannot parse or forward
            closed = []
            for cmd in FORWARDED:
                got = reply(via_keel, cmd)
                self.assertEqual(got, reply(via_redis, cmd), cmd)
                if got == ("closed by the proxy",):
                    closed.append(cmd[0])
            self.assertEqual(closed, ["GET"])   # only GET with two keys, which nutcracker refuses
        finally:
            proxy.stop()
            redis_srv.stop()
            keel.stop()


if __name__ == "__main__":
    unittest.main()
