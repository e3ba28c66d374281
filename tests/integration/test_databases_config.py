"""test_databases_config.py -- the "databases" config field and a network's "database": their
--check-config errors, RESP networks whose clients start in another database, and memcached
networks, which use database 0 unless their network names another (flush_all included, delayed
ones too).
"""
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from pymemcache.client.base import Client

from keel_harness import SERVER, MODULE_DIR, KeelConfigServer


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def module_args():
    return ["--module-dir", MODULE_DIR] if MODULE_DIR else []


class DatabaseConfigChecks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="keel-dbconf-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def check(self, config, *extra):
        path = os.path.join(self.dir, "c.json")
        with open(path, "w") as f:
            json.dump(config, f)
        out = subprocess.run([SERVER, "--check-config", path] + module_args() + list(extra),
                             capture_output=True, text=True, timeout=60)
        return out.returncode, out.stdout, [l for l in out.stderr.splitlines() if l.startswith("$")]

    def test_databases_field_range_is_checked(self):
        for bad in (0, 1025, -3, "16", 2.5):
            rc, out, errs = self.check({"databases": bad, "modules": ["resp"]})
            self.assertEqual(rc, 1, bad)
            self.assertEqual(errs, ["$.databases: expected an integer from 1 to 1024"], bad)
        for good in (1, 16, 1024):
            rc, out, errs = self.check({"databases": good, "modules": ["resp"]})
            self.assertEqual((rc, errs), (0, []), good)

    def test_network_database_must_exist(self):
        nets = [{"name": "a", "port": 0, "database": 15}, {"name": "b", "port": 0, "database": 16},
                {"name": "c", "port": 0, "database": -1}, {"name": "d", "port": 0, "database": "2"}]
        rc, out, errs = self.check({"modules": ["resp"], "networks": nets})
        self.assertEqual(rc, 1)
        self.assertEqual(errs, ["$.networks[2].database: expected an integer from 0 to 1023",
                                "$.networks[3].database: expected an integer from 0 to 1023",
                                "$.networks[1].database: database 16 does not exist (databases is 16: 0 to 15)"])
        rc, out, errs = self.check({"modules": ["resp"], "databases": 4,
                                    "networks": [{"name": "a", "port": 0, "database": 4}]})
        self.assertEqual(errs, ["$.networks[0].database: database 4 does not exist (databases is 4: 0 to 3)"])
        rc, out, errs = self.check({"modules": ["resp"], "databases": 4,
                                    "networks": [{"name": "a", "port": 0, "database": 3}]})
        self.assertEqual((rc, errs), (0, []))

    def test_databases_flag_errors(self):
        for bad in ("0", "1025", "x", ""):
            out = subprocess.run([SERVER, "--databases", bad, "--port", "0"] + module_args(),
                                 capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 1, bad)
            self.assertIn("--databases: expected 1..1024", out.stderr)


@unittest.skipUnless(have_module("strings"), "strings module not built")
class NetworkDatabase(unittest.TestCase):
    def test_resp_network_clients_start_in_its_database(self):
        cfg = {"modules": ["resp", "strings"], "threads": 2, "networks": [
            {"name": "main", "port": 0},
            {"name": "three", "port": 0, "database": 3}]}
        with KeelConfigServer(cfg) as srv:
            c = srv.client("three", single_connection_client=True)
            c.set("k", "from three")
            self.assertIn(" db=3 ", c.execute_command("CLIENT", "INFO").decode())
            self.assertEqual(json.loads(c.execute_command("SELF", "STATS"))["database"], 3)
            nets = json.loads(srv.client("main").execute_command("STATS", "network"))["network"]
            self.assertEqual((nets["three"]["database"], nets["main"]["database"]), (3, 0))
            main = srv.client("main")
            self.assertIsNone(main.get("k"))
            self.assertEqual(srv.client("main", db=3).get("k"), b"from three")
            self.assertIs(c.select(0), True)
            self.assertIsNone(c.get("k"))
            self.assertEqual(json.loads(c.execute_command("SELF", "STATS"))["database"], 0)
            self.assertEqual(srv.cli("three", "GET", "k").strip(), "from three")

    @unittest.skipUnless(have_module("memcache"), "memcache module not built")
    def test_memcache_networks_use_database_zero_unless_told(self):
        cfg = {"modules": ["resp", "memcache", "mcitems", "strings"], "threads": 2, "networks": [
            {"name": "resp", "port": 0},
            {"name": "mc0", "port": 0, "protocol": "memcache"},
            {"name": "mc5", "port": 0, "protocol": "memcache", "database": 5}]}
        with KeelConfigServer(cfg) as srv:
            mc0 = Client((srv.hosts["mc0"], srv.ports["mc0"]), timeout=10, connect_timeout=10)
            mc5 = Client((srv.hosts["mc5"], srv.ports["mc5"]), timeout=10, connect_timeout=10)
            mc0.set("k", "zero")
            mc5.set("k", "five")
            mc5.set("only5", "x")
            self.assertEqual(mc0.get("k"), b"zero")
            self.assertEqual(mc5.get("k"), b"five")
            self.assertIsNone(mc0.get("only5"))
            self.assertEqual(srv.client("resp").get("k"), b"zero")
            self.assertEqual(srv.client("resp", db=5).get("k"), b"five")
            self.assertEqual(srv.client("resp").dbsize(), 1)
            # flush_all empties the network's own database
            self.assertIs(mc5.flush_all(), True)
            self.assertIsNone(mc5.get("k"))
            self.assertEqual(mc0.get("k"), b"zero")
            self.assertEqual(srv.client("resp", db=5).dbsize(), 0)
            mc5.set("k", "five again")
            # a delayed flush_all of database 0 is carried out on database 0's networks only
            self.assertIs(mc0.flush_all(delay=1), True)
            due = time.time() + 2
            while time.time() < due:   # only database 5's network sends anything meanwhile
                self.assertEqual(mc5.get("k"), b"five again")
                time.sleep(0.05)
            self.assertEqual(mc5.get("k"), b"five again", "database 0's flush never runs on database 5")
            self.assertEqual(srv.client("resp").get("k"), b"zero")
            self.assertIsNone(mc0.get("k"), "the next request on database 0's network carries it out")
            self.assertEqual(mc5.get("k"), b"five again")
            self.assertEqual(srv.client("resp", db=5).get("k"), b"five again")
            mc0.close()
            mc5.close()


if __name__ == "__main__":
    unittest.main()
