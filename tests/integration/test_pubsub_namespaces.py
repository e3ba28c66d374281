"""test_pubsub_namespaces.py -- channels live in namespaces, and a namespace is a boundary for them
as for keys.  A client of a network locked to namespace tenant1 (or one that entered a namespace
with NS) publishes and subscribes only to channels of its namespace: it reaches no channel of the
top or of a sibling whatever it names (names that look like paths, separators, the encodings of
other namespaces, bytes of every kind), its patterns ("*", "__keyspace*", ...) match only its own
channels, and PUBSUB shows it its own channels by their names in the namespace.  The top does not
see the tenants' channels either.
"""
import unittest

import redis

from keel_harness import KeelConfigServer, have_module, wait_until

MODULES = ["resp", "strings", "pubsub"] + (["maps"] if have_module("maps") else [])

# Names that would reach another namespace's channels if any meant anything but itself.
TRICKY = ["news", "..", ".", "", "/", "\x00", "../news", "/news", "tenant1", "tenant2", "tenant1/news",
          "tenant1:news", "tenant1.news", "*", "__keyspace@0__:k", "\x01\x00\x07tenant1news",
          "c\x01\x00\x07tenant1news", "\x00\x01\x00\x07tenant2news", "x" * 600]
PATTERNS = ["*", "?*", "__keyspace*", "__keyevent*", "tenant*", "*news*", "[\x00-\xff]*", "\\*"]


def messages(p, n):
    """The next n messages (data messages of any kind) on pubsub p, as (type, pattern, channel, data)."""
    out = []
    while len(out) < n:
        m = p.get_message(timeout=60)
        if m is None:
            raise AssertionError("only %d of %d messages came: %r" % (len(out), n, out))
        if m["type"] in ("message", "pmessage", "smessage"):
            out.append((m["type"], m["pattern"], m["channel"], m["data"]))
    return out


def nothing_more(test, p, pub, canary):
    """Checks that p got nothing but the canary: published on a channel only p hears, it comes after
    anything published before it (one publisher, one subscriber: in order)."""
    pub.publish(canary, "canary")
    test.assertEqual(messages(p, 1), [("message", None, canary.encode(), b"canary")])


@unittest.skipUnless(have_module("pubsub"), "pubsub.so is not built")
class ChannelNamespaces(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        nets = [{"name": "top", "port": 0},
                {"name": "tenant1", "port": 0, "permissions": ["read", "write"], "namespace": "ns tenant1",
                 "namespace_locked": True},
                {"name": "tenant2", "port": 0, "permissions": ["read", "write"], "namespace": "ns tenant2",
                 "namespace_locked": True}]
        cls.srv = KeelConfigServer({"modules": MODULES, "threads": 2, "networks": nets}).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def subscriber(self, net, channels=(), patterns=(), shard=()):
        p = self.srv.client(net).pubsub()
        if channels:
            p.subscribe(*channels)
        if patterns:
            p.psubscribe(*patterns)
        if shard:
            p.execute_command("SSUBSCRIBE", *shard)
        for _ in range(len(channels) + len(patterns) + len(shard)):
            self.assertIn(p.get_message(timeout=60)["type"], ("subscribe", "psubscribe", "ssubscribe"))
        return p

    def test_pubsub_namespace_tenant_publishes_reach_only_its_own_subscribers(self):
        top = self.subscriber("top", channels=TRICKY + ["canary:top"], patterns=PATTERNS)
        t2 = self.subscriber("tenant2", channels=TRICKY + ["canary:t2"], patterns=PATTERNS)
        t1 = self.subscriber("tenant1", channels=["news"])
        pub1 = self.srv.client("tenant1")
        for name in TRICKY:
            expect = 1 if name == "news" else 0
            self.assertEqual(pub1.publish(name, "from t1"), expect, repr(name))
            self.assertEqual(pub1.execute_command("SPUBLISH", name, "from t1"), 0, repr(name))
        self.assertEqual(messages(t1, 1), [("message", None, b"news", b"from t1")])
        nothing_more(self, top, self.srv.client("top"), "canary:top")
        nothing_more(self, t2, self.srv.client("tenant2"), "canary:t2")
        for p in (top, t2, t1):
            p.close()

    def test_pubsub_namespace_tenant_hears_only_its_own_channels(self):
        t1 = self.subscriber("tenant1", channels=TRICKY + ["canary:t1"], patterns=PATTERNS, shard=TRICKY[:5])
        for net in ("top", "tenant2"):
            pub = self.srv.client(net)
            for name in TRICKY:
                pub.publish(name, "from " + net)
                pub.execute_command("SPUBLISH", name, "from " + net)
        nothing_more(self, t1, self.srv.client("tenant1"), "canary:t1")
        t1.close()

    def test_pubsub_namespace_tenant_patterns_match_inside_only(self):
        t1 = self.subscriber("tenant1", patterns=["*", "__keyspace*"])
        self.assertEqual(self.srv.client("top").publish("__keyspace@0__:k", "set"), 0)
        self.assertEqual(self.srv.client("tenant2").publish("__keyspace@0__:k", "set"), 0)
        pub1 = self.srv.client("tenant1")
        self.assertEqual(pub1.publish("__keyspace@0__:k", "set"), 2)
        self.assertEqual(messages(t1, 2), [("pmessage", b"*", b"__keyspace@0__:k", b"set"),
                                           ("pmessage", b"__keyspace*", b"__keyspace@0__:k", b"set")])
        t1.close()

    def test_pubsub_namespace_top_does_not_hear_tenants(self):
        top = self.subscriber("top", channels=["news", "canary:top2"], patterns=["*"])
        for net in ("tenant1", "tenant2"):
            self.assertEqual(self.srv.client(net).publish("news", "x"), 0)
        nothing_more(self, top, self.srv.client("top"), "canary:top2")
        top.close()

    def test_pubsub_namespace_pubsub_shows_each_its_own(self):
        t1 = self.subscriber("tenant1", channels=["t1only", "shared"], patterns=["p1*"], shard=["s1"])
        t2 = self.subscriber("tenant2", channels=["shared"], patterns=["p2*", "p3*"])
        top = self.subscriber("top", channels=["toponly"])
        c1, c2, ct = (self.srv.client(n) for n in ("tenant1", "tenant2", "top"))
        self.assertEqual(sorted(c1.pubsub_channels()), [b"shared", b"t1only"])
        self.assertEqual(sorted(c2.pubsub_channels()), [b"shared"])
        self.assertEqual(sorted(ct.pubsub_channels()), [b"toponly"])
        self.assertEqual(c1.pubsub_channels("t1*"), [b"t1only"])
        self.assertEqual(c1.pubsub_numsub("shared", "toponly"), [(b"shared", 1), (b"toponly", 0)])
        self.assertEqual(ct.pubsub_numsub("shared", "tenant1"), [(b"shared", 0), (b"tenant1", 0)])
        self.assertEqual((c1.pubsub_numpat(), c2.pubsub_numpat(), ct.pubsub_numpat()), (1, 2, 0))
        self.assertEqual(c1.execute_command("PUBSUB", "SHARDCHANNELS"), [b"s1"])
        self.assertEqual(c2.execute_command("PUBSUB", "SHARDCHANNELS"), [])
        self.assertEqual(c2.execute_command("PUBSUB", "SHARDNUMSUB", "s1"), [b"s1", 0])
        for p in (t1, t2, top):
            p.close()

    @unittest.skipUnless(have_module("maps"), "maps.so is not built")
    def test_pubsub_namespace_deeper_and_entered_namespaces(self):
        # a tenant going deeper publishes in tenant1/deep; an admin entering tenant1 is in tenant1
        t1 = self.subscriber("tenant1", channels=["news", "canary:t1b"])
        deep = self.srv.client("tenant1", single_connection_client=True)
        deep.execute_command("NS", "deep")
        self.assertEqual(deep.publish("news", "from deep"), 0)
        with self.assertRaises(redis.ResponseError):   # no way up without admin
            deep.execute_command("NSRESET")
        admin = self.srv.client("top", single_connection_client=True)
        admin.execute_command("NS", "tenant1")
        self.assertEqual(admin.publish("news", "from admin inside"), 1)
        self.assertEqual(messages(t1, 1), [("message", None, b"news", b"from admin inside")])
        admin.execute_command("NSRESET")
        self.assertEqual(admin.publish("news", "from the top"), 0)
        nothing_more(self, t1, self.srv.client("tenant1"), "canary:t1b")
        # RESET returns a locked tenant to its namespace, never above it
        deep.execute_command("RESET")
        self.assertEqual(deep.publish("news", "after reset"), 1)
        self.assertEqual(messages(t1, 1), [("message", None, b"news", b"after reset")])
        t1.close()

    def test_pubsub_namespace_subscriptions_go_with_their_client(self):
        t1 = self.subscriber("tenant1", channels=["gone"])
        t1.close()
        wait_until("the tenant's subscription to go", lambda: self.srv.client("tenant1").publish("gone", "x") == 0)
        self.assertEqual(self.srv.client("top").publish("gone", "x"), 0)


if __name__ == "__main__":
    unittest.main()
