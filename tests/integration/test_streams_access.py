"""test_streams_access.py -- streams.so on networks with fewer rights, from a JSON config: on a
read-only network every stream write (XADD XDEL XTRIM XSETID XGROUP's subcommands but HELP,
XREADGROUP, XACK, XCLAIM, XAUTOCLAIM) is refused with the error every module's writes get there
and changes nothing, while XRANGE XREVRANGE XREAD XLEN XINFO XPENDING are served; on a network
locked in a namespace, streams live inside it and the keys outside stay out of reach.
"""
import unittest

from keel_harness import KeelConfigServer, error_of, have_module, raw_client, wait_blocked


WRITES = [
    ("XADD", "s", "*", "f", "v"),
    ("XADD", "s", "NOMKSTREAM", "MAXLEN", "1", "*", "f", "v"),
    ("XDEL", "s", "1-0"),
    ("XTRIM", "s", "MAXLEN", "0"),
    ("XSETID", "s", "99-0"),
    ("XGROUP", "CREATE", "s", "g2", "$"),
    ("XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"),
    ("XGROUP", "SETID", "s", "g", "0"),
    ("XGROUP", "DESTROY", "s", "g"),
    ("XGROUP", "CREATECONSUMER", "s", "g", "eve"),
    ("XGROUP", "DELCONSUMER", "s", "g", "alice"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"),
    ("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0"),   # history only: still a write, as in Redis
    ("XACK", "s", "g", "1-0"),
    ("XCLAIM", "s", "g", "bob", "0", "1-0"),
    ("XAUTOCLAIM", "s", "g", "bob", "0", "0"),
]


@unittest.skipUnless(have_module("streams") and have_module("maps"), "streams.so or maps.so missing")
class StreamsAccess(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        nets = [{"name": "rw", "port": 0, "permissions": ["read", "write", "admin"]},
                {"name": "ro", "port": 0, "permissions": ["read"]},
                {"name": "tenant", "port": 0, "permissions": ["read", "write"],
                 "namespace": "ns tenant", "namespace_locked": True},
                {"name": "tenant-ro", "port": 0, "permissions": ["read"],
                 "namespace": "ns tenant", "namespace_locked": True}]
        cls.srv = KeelConfigServer({"modules": ["resp", "strings", "maps", "streams"], "threads": 2,
                                    "networks": nets}).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def client(self, net):
        return raw_client(self.srv.client(net, single_connection_client=True))

    def setUp(self):
        self.rw = self.client("rw")
        self.rw.flushall()

    def state(self, r, key="s"):
        """Everything a write could change, as read back."""
        return (r.execute_command("XRANGE", key, "-", "+"), r.execute_command("XINFO", "STREAM", key, "FULL"),
                r.exists("new"))

    def fill(self, r):
        r.execute_command("XADD", "s", "1-0", "f", "a")
        r.execute_command("XADD", "s", "2-0", "f", "b")
        r.execute_command("XGROUP", "CREATE", "s", "g", "0")
        r.execute_command("XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "s", ">")
        r.execute_command("XGROUP", "CREATECONSUMER", "s", "g", "bob")

    def assert_writes_refused(self, ro, rw):
        set_error = error_of(ro, "SET", "k", "v")
        self.assertIn("it needs the write permission", set_error)
        before = self.state(rw)
        for cmd in WRITES:
            want = set_error.replace("'set'", "'%s'" % cmd[0].lower())
            self.assertEqual(error_of(ro, *cmd), want, cmd)
        self.assertEqual(self.state(rw), before)

    def assert_reads_served(self, ro):
        self.assertEqual(ro.execute_command("XLEN", "s"), 2)
        self.assertEqual([e[0] for e in ro.execute_command("XRANGE", "s", "-", "+")], [b"1-0", b"2-0"])
        self.assertEqual([e[0] for e in ro.execute_command("XREVRANGE", "s", "+", "-")], [b"2-0", b"1-0"])
        self.assertEqual(ro.execute_command("XREAD", "COUNT", "1", "STREAMS", "s", "0")[0][1][0][0], b"1-0")
        self.assertEqual(ro.execute_command("XPENDING", "s", "g")[:3], [1, b"1-0", b"1-0"])
        self.assertEqual(len(ro.execute_command("XPENDING", "s", "g", "-", "+", "10")), 1)
        info = ro.execute_command("XINFO", "STREAM", "s")
        self.assertEqual(info[info.index(b"length") + 1], 2)
        self.assertEqual(len(ro.execute_command("XINFO", "GROUPS", "s")), 1)
        self.assertEqual(len(ro.execute_command("XINFO", "CONSUMERS", "s", "g")), 2)
        self.assertIn(b"groups", ro.execute_command("XINFO", "STREAM", "s", "FULL"))
        self.assertTrue(ro.execute_command("XINFO", "HELP"))
        self.assertTrue(ro.execute_command("XGROUP", "HELP"))   # HELP writes nothing (its access callback)

    def test_streams_writes_are_refused_on_a_read_only_network(self):
        self.fill(self.rw)
        self.assert_writes_refused(self.client("ro"), self.rw)

    def test_streams_reads_are_served_on_a_read_only_network(self):
        self.fill(self.rw)
        self.assert_reads_served(self.client("ro"))

    def test_streams_xread_block_on_a_read_only_network_is_woken_by_a_write_elsewhere(self):
        self.fill(self.rw)
        ro = self.client("ro")
        ro.connection.send_command("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
        wait_blocked(self.srv.client("rw"), 1)
        self.rw.execute_command("XADD", "s", "3-0", "f", "c")
        self.assertEqual(ro.parse_response(ro.connection, "XREAD")[0][1][0][0], b"3-0")

    def test_streams_live_inside_a_locked_namespace(self):
        self.fill(self.rw)   # a stream "s" outside the tenant's namespace
        tenant = self.client("tenant")
        self.assertEqual(tenant.execute_command("XLEN", "s"), 0)
        self.assertEqual(error_of(tenant, "XINFO", "STREAM", "s"), "no such key")
        self.assertEqual(error_of(tenant, "XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"),
                         "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option")
        self.fill(tenant)   # the tenant's own "s", with its own group
        tenant.execute_command("XADD", "s", "5-0", "f", "t")
        self.assertEqual([e[0] for e in tenant.execute_command("XRANGE", "s", "-", "+")], [b"1-0", b"2-0", b"5-0"])
        self.assertEqual(self.rw.execute_command("XLEN", "s"), 2)   # the outer one is untouched
        self.assertIn(b"tenant", self.rw.keys("*"))
        inside = self.client("rw")
        inside.execute_command("NS", "tenant")
        self.assertEqual(inside.execute_command("XLEN", "s"), 3)
        self.assertEqual(inside.execute_command("XPENDING", "s", "g")[0], 1)
        # a read-only network locked in the same namespace reads the tenant's stream and writes nothing
        tro = self.client("tenant-ro")
        self.assertEqual(tro.execute_command("XLEN", "s"), 3)
        before = self.state(inside)
        self.assertIn("it needs the write permission", error_of(tro, "XADD", "s", "*", "f", "v"))
        self.assertIn("it needs the write permission", error_of(tro, "XAUTOCLAIM", "s", "g", "bob", "0", "0"))
        self.assertEqual(self.state(inside), before)


if __name__ == "__main__":
    unittest.main()
