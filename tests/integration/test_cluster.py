"""test_cluster.py -- Redis Cluster's protocol on Keel (docs/scale-out.md): one node owning every
slot (--cluster-enabled yes), and three nodes sharing the 16384 slots by the static map of their
config, used through redis-py's RedisCluster and redis-cli -c.  Keys land on the node owning
their slot, a wrong node answers MOVED, keys of several slots in one call answer CROSSSLOT, and
the CLUSTER introspection commands answer in Redis's shapes.
"""
import subprocess
import unittest

import redis
from redis.cluster import ClusterNode, RedisCluster
from redis.crc import key_slot

from keel_harness import KeelConfigServer, KeelServer, free_port


def node_config(port, nodes):
    return {"networks": [{"name": "app", "host": "127.0.0.1", "port": port, "protocol": "resp",
                          "permissions": ["read", "write", "admin", "stats"]}],
            "threads": 2,
            "cluster": {"enabled": True, "nodes": nodes}}


class EmulatedCluster(unittest.TestCase):
    """One node that owns every slot: what cluster clients need to work against one server."""

    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--cluster-enabled", "yes", threads=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_keyslot_is_redis_cluster_hash(self):
        c = self.srv.client()
        for key in [b"foo", b"user:1000", b"{user1000}.following", b"{}x", b"a{}b{c}", b"{{x}}",
                    b"\xff\x00bin", b"", b"x" * 1000]:
            self.assertEqual(c.execute_command("CLUSTER", "KEYSLOT", key), key_slot(key), key)

    def test_introspection_shapes(self):
        c = self.srv.client()
        myid = c.execute_command("CLUSTER", "MYID")
        self.assertEqual(len(myid), 40)
        slots = c.execute_command("CLUSTER", "SLOTS")
        self.assertEqual(slots, [[0, 16383, [b"127.0.0.1", self.srv.port, myid, []]]])
        nodes = c.execute_command("CLUSTER", "NODES")
        nodes = nodes.decode() if isinstance(nodes, bytes) else nodes
        self.assertIn("myself,master", str(nodes))
        self.assertIn("0-16383", str(nodes))
        info = self.srv.cli("CLUSTER", "INFO")
        self.assertIn("cluster_state:ok", info)
        self.assertIn("cluster_slots_assigned:16384", info)
        self.assertEqual(c.info("cluster")["cluster_enabled"], 1)
        for cmd in ("READONLY", "READWRITE", "ASKING"):
            self.assertEqual(self.srv.cli(cmd).strip(), "OK")
        with self.assertRaisesRegex(redis.ResponseError, "unknown subcommand 'NOPE'. Try CLUSTER HELP"):
            c.execute_command("CLUSTER", "NOPE")
        with self.assertRaisesRegex(redis.ResponseError, "Invalid slot"):
            c.execute_command("CLUSTER", "COUNTKEYSINSLOT", 16384)

    def test_crossslot_and_select(self):
        c = self.srv.client()
        with self.assertRaisesRegex(redis.ResponseError, "CROSSSLOT Keys in request don't hash to the same slot"):
            c.mset({"a": 1, "b": 2})
        self.assertTrue(c.mset({"{t}a": 1, "{t}b": 2}))
        with self.assertRaisesRegex(redis.ResponseError, "SELECT is not allowed in cluster mode"):
            c.execute_command("SELECT", 1)
        self.assertEqual(self.srv.cli("SELECT", 0).strip(), "OK")
        for cmd, err in ((["MOVE", "k", 1], "MOVE is not allowed in cluster mode"),
                         (["SWAPDB", 0, 1], "SWAPDB is not allowed in cluster mode"),
                         (["COPY", "{t}a", "{t}c", "DB", 1], "Copying to another database is not allowed")):
            with self.assertRaisesRegex(redis.ResponseError, err):
                c.execute_command(*cmd)

    def test_transactions_stay_in_one_slot(self):
        c = self.srv.client()
        p = c.pipeline(transaction=True)
        p.set("{u}x", 1).incr("{u}y")
        self.assertEqual(p.execute(), [True, 1])
        p = c.pipeline(transaction=True)
        p.set("{u}x", 1).set("{v}x", 2)
        with self.assertRaisesRegex(redis.ResponseError, "CROSSSLOT"):
            p.execute()
        self.assertEqual(c.get("{v}x"), None)   # nothing of it ran

    def test_keys_in_slot(self):
        c = self.srv.client()
        c.flushall()
        names = ["{slot}%d" % i for i in range(25)] + ["other%d" % i for i in range(25)]
        for n in names:
            c.set(n, "v")
        slot = key_slot(b"{slot}")
        self.assertEqual(c.execute_command("CLUSTER", "COUNTKEYSINSLOT", slot), 25 + sum(
            1 for i in range(25) if key_slot(("other%d" % i).encode()) == slot))
        got = c.execute_command("CLUSTER", "GETKEYSINSLOT", slot, 10)
        self.assertEqual(len(got), 10)
        self.assertTrue(all(key_slot(k) == slot for k in got))

    def test_redis_py_cluster_client(self):
        rc = RedisCluster(host="127.0.0.1", port=self.srv.port, socket_timeout=120)
        try:
            for i in range(200):
                rc.set("k%d" % i, i)
            self.assertEqual(rc.mget_nonatomic(["k%d" % i for i in range(200)]), [str(i).encode() for i in range(200)])
            self.assertEqual(rc.delete(*["k%d" % i for i in range(100)]), 100)
            self.assertEqual(rc.incr("counter"), 1)
        finally:
            rc.close()


class CrossSlotDisabled(unittest.TestCase):
    def test_cluster_commands_without_cluster_mode(self):
        with KeelServer(threads=1) as srv:
            c = srv.client()
            for cmd in (["CLUSTER", "INFO"], ["CLUSTER", "SLOTS"], ["READONLY"], ["ASKING"]):
                with self.assertRaisesRegex(redis.ResponseError, "This instance has cluster support disabled"):
                    c.execute_command(*cmd)
            self.assertTrue(c.mset({"a": 1, "b": 2}))   # no CROSSSLOT outside cluster mode
            self.assertEqual(c.info("cluster")["cluster_enabled"], 0)


class ThreeNodes(unittest.TestCase):
    """Three servers sharing the slots by the same static map."""

    @classmethod
    def setUpClass(cls):
        cls.ports = [free_port() for _ in range(3)]
        cls.map = [{"host": "127.0.0.1", "port": cls.ports[0], "slots": "0-5460"},
                   {"host": "127.0.0.1", "port": cls.ports[1], "slots": ["5461-10922"]},
                   {"host": "127.0.0.1", "port": cls.ports[2], "slots": "10923-16383"}]
        cls.nodes = [KeelConfigServer(node_config(p, cls.map)).start() for p in cls.ports]

    @classmethod
    def tearDownClass(cls):
        for n in cls.nodes:
            n.stop()

    def owner(self, key):
        slot = key_slot(key.encode())
        return 0 if slot <= 5460 else 1 if slot <= 10922 else 2

    def test_keys_land_on_their_node_through_redis_py(self):
        rc = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", self.ports[0])], socket_timeout=120)
        try:
            keys = ["user:%d" % i for i in range(300)]
            for k in keys:
                rc.set(k, k)
            for k in keys[::7]:   # KEYS has no key argument: any node answers it for its own keys
                holders = [i for i, n in enumerate(self.nodes) if n.client().keys(k)]
                self.assertEqual(holders, [self.owner(k)], k)
            self.assertEqual(sum(n.client().dbsize() for n in self.nodes), 300)
            self.assertTrue(all(n.client().dbsize() > 0 for n in self.nodes))
            self.assertEqual(rc.mget_nonatomic(keys), [k.encode() for k in keys])
        finally:
            rc.close()

    def test_wrong_node_answers_moved(self):
        key = next("m%d" % i for i in range(1000) if self.owner("m%d" % i) == 2)
        slot = key_slot(key.encode())
        c = self.nodes[0].client()
        with self.assertRaisesRegex(redis.ResponseError, "MOVED %d 127.0.0.1:%d" % (slot, self.ports[2])):
            c.set(key, "v")
        with self.assertRaisesRegex(redis.ResponseError, "MOVED"):
            c.get(key)
        self.assertEqual(self.nodes[0].client().keys(key), [])   # nothing written on the wrong node

    def test_redis_cli_follows_redirections(self):
        key = next("c%d" % i for i in range(1000) if self.owner("c%d" % i) == 1)
        out = subprocess.run(["redis-cli", "-c", "-p", str(self.ports[0]), "SET", key, "via-cli"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.stdout.strip(), "OK")
        self.assertEqual(self.nodes[1].client().get(key), b"via-cli")

    def test_crossslot_across_nodes(self):
        a = next("x%d" % i for i in range(1000) if self.owner("x%d" % i) == 0)
        b = next("x%d" % i for i in range(1000) if self.owner("x%d" % i) == 0 and
                 key_slot(("x%d" % i).encode()) != key_slot(a.encode()))
        with self.assertRaisesRegex(redis.ResponseError, "CROSSSLOT"):
            self.nodes[0].client().mset({a: 1, b: 2})

    def test_every_node_tells_the_same_map(self):
        maps = [n.client().execute_command("CLUSTER", "SLOTS") for n in self.nodes]
        self.assertEqual(maps[0], maps[1])
        self.assertEqual(maps[1], maps[2])
        self.assertEqual([(m[0], m[1], m[2][1]) for m in maps[0]],
                         [(0, 5460, self.ports[0]), (5461, 10922, self.ports[1]), (10923, 16383, self.ports[2])])
        ids = [n.client().execute_command("CLUSTER", "MYID") for n in self.nodes]
        self.assertEqual([m[2][2] for m in maps[0]], ids)
        shards = self.nodes[1].client().execute_command("CLUSTER", "SHARDS")
        self.assertEqual(len(shards), 3)


class BadMaps(unittest.TestCase):
    def start_fails(self, cluster, port=None):
        port = port or free_port()
        cfg = node_config(port, [])
        cfg["cluster"] = cluster
        srv = KeelConfigServer(cfg)
        with self.assertRaises(RuntimeError) as ctx:
            srv.start(timeout=60)
        srv.proc.wait(30)
        return str(ctx.exception)

    def test_maps_that_cannot_work_stop_the_start(self):
        port = free_port()
        self.assertIn("slot 100 is given to two nodes", self.start_fails(
            {"enabled": True, "nodes": [{"host": "127.0.0.1", "port": port, "slots": "0-16383"},
                                        {"host": "127.0.0.1", "port": port + 1, "slots": "100"}]}, port))
        self.assertIn("slot 16000 belongs to no node", self.start_fails(
            {"enabled": True, "nodes": [{"host": "127.0.0.1", "port": port, "slots": "0-15999"}]}, port))
        self.assertIn("has this server's RESP port", self.start_fails(
            {"enabled": True, "nodes": [{"host": "127.0.0.1", "port": 1, "slots": "0-16383"}]}, port))
        self.assertIn("$.cluster.nodes[0].slots", self.start_fails(
            {"enabled": True, "nodes": [{"host": "127.0.0.1", "port": port, "slots": "0-99999"}]}, port))
        self.assertIn("$.cluster.colour: unknown field", self.start_fails({"colour": 1}, port))


if __name__ == "__main__":
    unittest.main()
