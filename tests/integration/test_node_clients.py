"""test_node_clients.py -- Keel driven by the Node.js libraries applications use (tests/node,
installed by scripts/deps.sh with npm ci): a bullmq job queue on one server and on a cluster-mode
node, and ioredis's Cluster client over three nodes sharing the slots.
"""
import json
import os
import shutil
import subprocess
import unittest

from redis.crc import key_slot

from keel_harness import KeelConfigServer, KeelServer, free_port

SRCDIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NODE_DIR = os.path.join(SRCDIR, "tests", "node")
NODE = shutil.which("node")
READY = NODE and os.path.isdir(os.path.join(NODE_DIR, "node_modules", "bullmq"))


def run_node(script, *args):
    out = subprocess.run([NODE, os.path.join(NODE_DIR, script)] + [str(a) for a in args],
                         capture_output=True, text=True, timeout=300, cwd=NODE_DIR)
    if out.returncode != 0:
        raise AssertionError("%s failed:\n%s\n%s" % (script, out.stdout[-4000:], out.stderr[-4000:]))
    return json.loads(out.stdout.strip().splitlines()[-1])


@unittest.skipUnless(READY, "node or tests/node/node_modules is missing (scripts/deps.sh runs npm ci)")
class Bullmq(unittest.TestCase):
    def check_queue(self, got):
        self.assertTrue(got["ok"])
        self.assertEqual(got["results"], [2 * i for i in range(30)])
        self.assertEqual(got["delayedResult"], 100)
        self.assertGreaterEqual(got["waited"], 200)    # a delayed job never runs early
        self.assertEqual(got["failure"], "always fails")
        self.assertEqual(got["state"], "failed")
        self.assertEqual(got["attempts"], 3)
        counts = got["counts"]
        self.assertEqual((counts["completed"], counts["failed"], counts["waiting"], counts["active"],
                          counts["delayed"]), (31, 1, 0, 0, 0))

    def test_job_queue_on_one_server(self):
        with KeelServer(threads=2) as srv:
            self.check_queue(run_node("bullmq_jobs.js", srv.port))
            self.assertGreater(len(srv.client().keys("bull:jobs:*")), 0)

    def test_job_queue_on_a_cluster_node(self):
        with KeelServer("--cluster-enabled", "yes", threads=2) as srv:
            self.check_queue(run_node("bullmq_jobs.js", srv.port, "cluster"))


@unittest.skipUnless(READY, "node or tests/node/node_modules is missing (scripts/deps.sh runs npm ci)")
class IoredisCluster(unittest.TestCase):
    def test_keys_land_on_the_node_owning_their_slot(self):
        ports = [free_port() for _ in range(3)]
        ranges = [(0, 5460), (5461, 10922), (10923, 16383)]
        nodes_map = [{"host": "127.0.0.1", "port": p, "slots": "%d-%d" % r} for p, r in zip(ports, ranges)]
        nodes = []
        try:
            for p in ports:
                nodes.append(KeelConfigServer({
                    "networks": [{"name": "app", "host": "127.0.0.1", "port": p, "protocol": "resp",
                                  "permissions": ["read", "write", "admin", "stats"]}],
                    "threads": 2, "cluster": {"enabled": True, "nodes": nodes_map}}).start())
            got = run_node("ioredis_cluster.js", ports[1])
            self.assertTrue(got["ok"])
            self.assertEqual(len(got["keys"]), 200)
            held = [set(k.decode() for k in n.client().keys("io:*")) for n in nodes]
            for k in got["keys"]:
                slot = key_slot(k.encode())
                owner = next(i for i, (lo, hi) in enumerate(ranges) if lo <= slot <= hi)
                self.assertEqual([i for i in range(3) if k in held[i]], [owner], k)
            self.assertTrue(all(held))
        finally:
            for n in nodes:
                n.stop()


if __name__ == "__main__":
    unittest.main()
