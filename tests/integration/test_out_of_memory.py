"""test_out_of_memory.py -- a server that runs out of memory answers errors and keeps serving.

The server's address space is capped (RLIMIT_AS, set on the running process) a little above what
it uses after start.  Requests that cannot get memory -- storing a value, building a reply,
sending it -- answer "ERR out of memory"; the server never aborts, and once memory is freed the
same requests work again.  (Not under AddressSanitizer, whose shadow memory needs the address
space the cap takes away.)
"""
import resource
import unittest

import redis

from keel_harness import KeelServer

MB = 1024 * 1024


def sanitized(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


def vm_size(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize")


class OutOfMemory(unittest.TestCase):
    def test_oom_requests_fail_with_errors_and_the_server_goes_on(self):
        with KeelServer(threads=2) as srv:
            pid = srv.proc.pid
            if sanitized(pid):
                self.skipTest("AddressSanitizer needs the address space this test takes away")
            r = srv.client()
            r.rpush("list", *range(100000))   # a reply of 100,000 nodes to build later
            cap = vm_size(pid) + 192 * MB
            resource.prlimit(pid, resource.RLIMIT_AS, (cap, cap))
            stored, refused = [], 0
            for i in range(1000):
                try:
                    r.set("v:%d" % i, b"x" * MB)
                    stored.append("v:%d" % i)
                except redis.ResponseError as e:
                    self.assertEqual(str(e), "out of memory")
                    refused += 1
                    if refused >= 5:
                        break
            self.assertEqual(refused, 5, "the cap was never reached")
            self.assertGreater(len(stored), 10)
            # reads under pressure: the value or an error, never a dead server
            got = errors = 0
            for key in stored:
                try:
                    self.assertEqual(len(r.get(key)), MB)
                    got += 1
                except redis.ResponseError as e:
                    self.assertEqual(str(e), "out of memory")
                    errors += 1
            self.assertEqual(got + errors, len(stored))
            for _ in range(3):
                try:
                    self.assertEqual(len(r.lrange("list", 0, -1)), 100000)
                except redis.ResponseError as e:
                    self.assertEqual(str(e), "out of memory")
            self.assertTrue(r.ping())
            self.assertIn("used_memory", r.info("memory"))
            # memory comes back: the same requests work again
            r.delete(*stored[: len(stored) // 2])
            self.assertEqual(len(r.get(stored[-1])), MB)
            self.assertEqual(len(r.lrange("list", 0, -1)), 100000)
            r.set("after", b"y" * MB)
            self.assertEqual(r.strlen("after"), MB)
            log = srv.read_log()
            self.assertNotIn("emergency reserve is spent", log)
        # KeelServer's exit checks the server stopped cleanly (status 0: it never aborted)


if __name__ == "__main__":
    unittest.main()
