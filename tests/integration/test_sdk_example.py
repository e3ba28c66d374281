"""test_sdk_example.py -- the SDK's example and template modules, loaded into a real server:
SUMKEYS walks keys on every shard, MAXREG.ADD keeps a module-defined type that GET and TYPE
show through its ops, HELLO.WORLD is the template."""
import os
import shutil
import tempfile
import unittest

import redis
from keel_harness import KeelServer, MODULE_DIR

BUILD = os.environ.get("KEEL_BUILDDIR", ".")


def module_dir_with_examples():
    d = tempfile.mkdtemp(prefix="keel-sdk-modules-")
    for name in ("resp", "strings"):
        os.symlink(os.path.join(MODULE_DIR, name + ".so"), os.path.join(d, name + ".so"))
    os.symlink(os.path.join(BUILD, "sdk/examples/.libs/sumkeys.so"), os.path.join(d, "sumkeys.so"))
    os.symlink(os.path.join(BUILD, "sdk/template/.libs/hello.so"), os.path.join(d, "hello.so"))
    return d


class SdkExampleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = module_dir_with_examples()
        cls.srv = KeelServer("--module-dir", cls.dir, threads=2).start()
        cls.r = cls.srv.client()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.dir)

    def setUp(self):
        self.r.flushall()

    def test_sumkeys_adds_integer_keys_on_every_shard(self):
        keys = ["n:%d" % i for i in range(200)]
        self.r.mset({k: i for i, k in enumerate(keys)})
        self.r.set("text", "not a number")
        sum_, counted = self.r.execute_command("SUMKEYS", *keys, "text", "missing")
        self.assertEqual(sum_, sum(range(200)))
        self.assertEqual(counted, 200)
        explain = self.srv.cli("DEBUG", "ZVM", "EXPLAIN", "SUMKEYS", *keys[:20])
        self.assertIn("sumkeys.sum", explain)
        shards = {line.split(" shard ")[1].split()[0] for line in explain.splitlines() if line.startswith("key ")}
        self.assertGreater(len(shards), 1, "the keys should span several shards")

    def test_maxreg_type_through_its_ops(self):
        self.assertEqual(self.r.execute_command("MAXREG.ADD", "m", 5), 5)
        self.assertEqual(self.r.execute_command("MAXREG.ADD", "m", 3), 5)
        self.assertEqual(self.r.execute_command("MAXREG.ADD", "m", 9), 9)
        self.assertEqual(self.r.type("m"), b"maxreg")
        self.assertEqual(self.r.execute_command("SUMKEYS", "m"), [9, 1])
        self.assertEqual(self.r.rename("m", "m2"), True)
        self.assertEqual(self.r.execute_command("MAXREG.ADD", "m2", 1), 9)
        self.r.set("s", "x")
        with self.assertRaisesRegex(redis.ResponseError, "WRONGTYPE"):
            self.r.execute_command("MAXREG.ADD", "s", 1)
        self.assertEqual(self.r.delete("m2"), 1)
        self.assertEqual(self.r.exists("m2"), 0)

    def test_template_module(self):
        self.assertEqual(self.r.execute_command("HELLO.WORLD"), b"hello, world")
        self.assertEqual(self.r.execute_command("HELLO.WORLD", "keel"), b"keel")
        modules = {m[b"name"] if isinstance(m, dict) else dict(zip(m[::2], m[1::2]))[b"name"]
                   for m in self.r.execute_command("MODULE", "LIST")}
        self.assertTrue({b"hello", b"sumkeys", b"resp", b"strings", b"core"} <= modules)


if __name__ == "__main__":
    unittest.main()
