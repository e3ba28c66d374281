"""test_memcache_tools.py -- Debian's libmemcached-tools against a real keel-server: memccp and
memccat (text and binary files, flags, expiry), memcexist, memctouch, memcrm, memcflush, memcstat,
memcping, memccapable's ASCII conformance tests, and memcslap's set/get/mget loads finishing
without failures.  Skips when the tools are not installed.
"""
import os
import shutil
import subprocess
import tempfile
import unittest

from keel_harness import MODULE_DIR, KeelServer, free_port


def require_memcache_module():
    """Skips the tests when memcache.so or mcitems.so was not built (--disable-module-...)."""
    for so in ("memcache.so", "mcitems.so"):
        if MODULE_DIR and not os.path.exists(os.path.join(MODULE_DIR, so)):
            raise unittest.SkipTest(so + " is not built")

TOOLS = ["memccp", "memccat", "memcexist", "memctouch", "memcrm", "memcflush", "memcstat",
         "memcping", "memccapable", "memcslap"]


class Tools(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        require_memcache_module()
        missing = [t for t in TOOLS if not shutil.which(t)]
        if missing:
            raise unittest.SkipTest("libmemcached-tools missing: %s" % " ".join(missing))
        cls.port = free_port()
        cls.srv = KeelServer("--memcache-port", str(cls.port), threads=2).start()
        cls.servers = "--servers=127.0.0.1:%d" % cls.port
        cls.dir = tempfile.mkdtemp(prefix="keel-mctools-")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def run_tool(self, *args, check=True):
        out = subprocess.run(list(args), capture_output=True, timeout=60, cwd=self.dir)
        if check and out.returncode != 0:
            raise AssertionError("%s failed (%d): %s %s" % (args, out.returncode, out.stdout, out.stderr))
        return out

    def write(self, name, data):
        with open(os.path.join(self.dir, name), "wb") as f:
            f.write(data)

    def test_memcache_tools_copy_and_cat(self):
        text, blob = b"hello keel\n", os.urandom(100000)
        self.write("a.txt", text)
        self.write("b.bin", blob)
        self.run_tool("memccp", self.servers, "a.txt", "b.bin")
        # memccat ends what it prints with a newline
        self.assertEqual(self.run_tool("memccat", self.servers, "a.txt").stdout, text + b"\n")
        self.assertEqual(self.run_tool("memccat", self.servers, "b.bin").stdout, blob + b"\n")
        self.assertEqual(self.srv.client().get("b.bin"), blob)
        self.run_tool("memccp", self.servers, "--flag=5", "--expire=100", "a.txt")
        self.assertEqual(self.run_tool("memccat", self.servers, "--flag", "a.txt").stdout,
                         b"5\n" + text + b"\n")
        self.assertTrue(90 <= self.srv.client().ttl("a.txt") <= 100)
        self.run_tool("memccp", self.servers, "--add", "a.txt", check=False)
        self.assertEqual(self.run_tool("memccat", self.servers, "--flag", "a.txt").stdout,
                         b"5\n" + text + b"\n")

    def test_memcache_tools_exist_touch_rm_flush(self):
        self.write("c.txt", b"c")
        self.run_tool("memccp", self.servers, "c.txt")
        self.assertEqual(self.run_tool("memcexist", self.servers, "c.txt", check=False).returncode, 0)
        self.assertNotEqual(self.run_tool("memcexist", self.servers, "nope", check=False).returncode, 0)
        self.run_tool("memctouch", self.servers, "--expire=200", "c.txt")
        self.assertTrue(190 <= self.srv.client().ttl("c.txt") <= 200)
        self.run_tool("memcrm", self.servers, "c.txt")
        self.assertNotEqual(self.run_tool("memccat", self.servers, "c.txt", check=False).returncode, 0)
        self.run_tool("memccp", self.servers, "c.txt")
        self.run_tool("memcflush", self.servers)
        self.assertNotEqual(self.run_tool("memcexist", self.servers, "c.txt", check=False).returncode, 0)

    def test_memcache_tools_stat_and_ping(self):
        out = self.run_tool("memcstat", self.servers).stdout
        self.assertIn(b"version: 1.6.18-keel-", out)
        self.assertIn(b"curr_items:", out)
        self.run_tool("memcping", self.servers)

    def test_memcache_tools_memccapable_ascii(self):
        out = self.run_tool("memccapable", "-h", "127.0.0.1", "-p", str(self.port), "-a")
        self.assertIn(b"All tests passed", out.stdout)
        self.assertNotIn(b"FAIL", out.stdout)

    def test_memcache_tools_memcslap_loads(self):
        for test in ("set", "get", "mget"):
            out = self.run_tool("memcslap", self.servers, "--concurrency=4", "--execute-number=1000",
                                "--test=" + test)
            text = (out.stdout + out.stderr).lower()
            self.assertIn(b"time total", text)
            for word in (b"fail", b"error"):
                self.assertNotIn(word, text, test)


if __name__ == "__main__":
    unittest.main()
