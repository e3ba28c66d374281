"""test_notify.py -- keyspace notifications through real clients: notify-keyspace-events off by
default, set by CONFIG SET (Redis's letters, normalised as redis-server 7.0 shows them, Redis's
error for a bad letter) and by the JSON config; class filtering; numbered databases; RESP3
pushes; python3-redis's pubsub(); active and lazy expiry; and namespaces as boundaries: a
subscriber inside a namespace hears only its namespace's keys (named from there), one at the top
hears every key by its full path, and no key name, channel or pattern reaches another tenant.
(test_notify_compat.py compares every family's event sequences with redis-server 7.0.)
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

from keel_harness import (have_module, KeelConfigServer, KeelServer, resp_command, RespReader,
                          SharedServerTest, wait_until)

def parse(frame):
    """A raw RESP2/RESP3 reply of bulk strings, integers and simple strings as a list (one level:
    what a pub/sub message or a confirmation is)."""
    head, rest = frame.split(b"\r\n", 1)
    if head[:1] not in b"*>":
        return head
    out = []
    while rest:
        head, rest = rest.split(b"\r\n", 1)
        if head[:1] == b"$":
            n = int(head[1:])
            out.append(rest[:n])
            rest = rest[n + 2:]
        else:
            out.append(head[1:])
    return out


class Subscriber:
    """A raw connection that enters namespace names, pattern-subscribes and collects messages."""

    def __init__(self, port, names=(), patterns=("__key*__:*",), resp3=False):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.reader = RespReader(self.sock)
        if resp3:
            self.command("HELLO", "3")
        if names:
            assert self.command("NS", *names) == b"+OK\r\n"
        for p in patterns:
            self.command("PSUBSCRIBE", p)

    def command(self, *args):
        self.sock.sendall(resp_command(*args))
        return self.reader.reply()

    def heard(self):
        """Every (channel, message) pair published before this call (by commands whose replies
        came before it).  Two PINGs make the barrier: a message handed to this connection's thread
        before the first PING was sent is delivered in the loop turn that reads that PING at the
        latest, so ahead of the second PING's answer."""
        got = []
        for _ in range(2):
            self.sock.sendall(resp_command("PING"))
            while True:
                msg = parse(self.reader.reply())
                if msg == b"+PONG" or msg[0] == b"pong":
                    break
                self.last_kind = msg[0]
                got.append((msg[2].decode(), msg[3].decode()))
        return got

    def next_message(self):
        """The next (channel, message) pair (the socket's 60 s timeout bounds the wait)."""
        while True:
            msg = parse(self.reader.reply())
            if msg[0] == b"pmessage":
                return (msg[2].decode(), msg[3].decode())

    def close(self):
        self.sock.close()


class Client:
    """A raw connection for commands (in a namespace when names are given)."""

    def __init__(self, port, names=()):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.reader = RespReader(self.sock)
        if names:
            assert self.command("NS", *names) == b"+OK\r\n"

    def command(self, *args):
        self.sock.sendall(resp_command(*args))
        return self.reader.reply()


def nke(r):
    """notify-keyspace-events as CONFIG GET shows it."""
    (value,) = r.config_get("notify-keyspace-events").values()
    return value.decode() if isinstance(value, bytes) else value


def ks(key, event, db=0):
    return [("__keyspace@%d__:%s" % (db, key), event), ("__keyevent@%d__:%s" % (db, event), key)]


@unittest.skipUnless(have_module("pubsub") and have_module("strings"), "pubsub.so or strings.so missing")
class NotifyConfig(SharedServerTest):
    def setUp(self):
        self.r = self.srv.client()
        self.r.config_set("notify-keyspace-events", "")

    def test_notify_off_by_default_sends_nothing(self):
        with KeelServer(threads=2) as fresh:
            r = fresh.client()
            self.assertEqual(nke(r), "")
            sub = Subscriber(fresh.port)
            c = Client(fresh.port)
            c.command("SET", "k", "v")
            c.command("DEL", "k")
            c.command("SET", "e", "v", "PX", "1")
            wait_until("the key expired", lambda: c.command("EXISTS", "e") == b":0\r\n")
            self.assertEqual(sub.heard(), [])

    def test_notify_config_set_normalises_like_redis(self):
        # what redis-server 7.0 answers CONFIG GET after CONFIG SET of each value
        cases = {"": "", "K": "K", "E": "E", "A": "A", "KA": "AK", "KEA": "AKE", "gx": "gx",
                 "Kg$lshzxetd": "AK", "Km": "Km", "Kn": "nK", "Ag": "A", "AE": "AE", "EA": "AE",
                 "Kt": "tK", "Ktm": "tKm", "Kd": "dK", "An": "A", "Anm": "Am", "AKEnm": "AKEm",
                 "Emg": "gEm", "ndtexzhsl$": "$lshzxetdn", "ndt": "tdn", "gg": "g", "x": "x"}
        for value, shown in cases.items():
            with self.subTest(value=value):
                self.assertTrue(self.r.config_set("notify-keyspace-events", value))
                self.assertEqual(nke(self.r), shown)

    def test_notify_config_set_refuses_bad_letters(self):
        self.r.config_set("notify-keyspace-events", "KEA")
        for value in ("q", "K E", "kK", "KEA?", "é"):
            with self.subTest(value=value):
                c = Client(self.srv.port)
                reply = c.command("CONFIG", "SET", "notify-keyspace-events", value)
                self.assertEqual(reply, b"-ERR CONFIG SET failed (possibly related to argument "
                                        b"'notify-keyspace-events') - Invalid event class character. "
                                        b"Use 'Ag$lshzxeKEtmdn'.\r\n")
        self.assertEqual(nke(self.r), "AKE")
        self.assertTrue(self.r.ping())

    def test_notify_class_filtering(self):
        sub = Subscriber(self.srv.port)
        c = Client(self.srv.port)
        steps = [
            ("Kl", [["SET", "s", "1"], ["RPUSH", "l", "a"], ["LPOP", "l"], ["DEL", "s"]],
             [("__keyspace@0__:l", "rpush"), ("__keyspace@0__:l", "lpop")]),
            ("El", [["RPUSH", "l", "a"], ["SET", "s", "1"]], [("__keyevent@0__:rpush", "l")]),
            ("Eg", [["LPOP", "l"], ["SET", "s", "1"], ["EXPIRE", "s", "100"]],
             [("__keyevent@0__:del", "l"), ("__keyevent@0__:expire", "s")]),
            ("K$", [["SET", "s", "2"], ["INCR", "n"], ["DEL", "n"]],
             [("__keyspace@0__:s", "set"), ("__keyspace@0__:n", "incrby")]),
            ("gl", [["RPUSH", "l", "a"], ["DEL", "l"]], []),   # neither K nor E: nothing
            ("Kn", [["SET", "fresh", "1"], ["SET", "fresh", "2"]], [("__keyspace@0__:fresh", "new")]),
            ("Em", [["GET", "nokey"], ["SET", "nokey", "1"], ["GET", "nokey"]],
             [("__keyevent@0__:keymiss", "nokey")]),
            ("A", [["GET", "none"], ["SET", "brandnew", "1"]], []),   # A: neither K nor E
        ]
        for i, (flags, commands, want) in enumerate(steps):
            with self.subTest(flags=flags):
                c.command("CONFIG", "SET", "notify-keyspace-events", flags)
                for args in commands:
                    c.command(*args)
                self.assertEqual(sub.heard(), want)

    def test_notify_numbered_databases(self):
        self.r.config_set("notify-keyspace-events", "KEA")
        sub = Subscriber(self.srv.port)
        c = Client(self.srv.port)
        c.command("SELECT", "3")
        c.command("SET", "k", "v")
        c.command("MOVE", "k", "7")
        self.assertEqual(sub.heard(),
                         ks("k", "set", 3) + ks("k", "move_from", 3) + ks("k", "move_to", 7))
        sub3 = Subscriber(self.srv.port, patterns=("__keyspace@3__:*",))
        c.command("SET", "k", "v")
        c.command("SELECT", "4")
        c.command("SET", "k", "v")
        self.assertEqual(sub3.heard(), [("__keyspace@3__:k", "set")])

    def test_notify_resp3_pushes(self):
        self.r.config_set("notify-keyspace-events", "KEA")
        sub = Subscriber(self.srv.port, resp3=True)
        c = Client(self.srv.port)
        c.command("SET", "r3", "v")
        self.assertEqual(sub.heard(), ks("r3", "set"))
        self.assertEqual(sub.last_kind, b"pmessage")
        raw = Subscriber(self.srv.port, resp3=True)
        c.command("DEL", "r3")
        frame = raw.reader.reply()
        self.assertTrue(frame.startswith(b">4\r\n$8\r\npmessage\r\n"), frame)
        self.assertIn(b"__keyspace@0__:r3\r\n$3\r\ndel\r\n", frame)

    def test_notify_python_redis_pubsub(self):
        self.r.config_set("notify-keyspace-events", "Ex")
        ps = self.r.pubsub()
        ps.psubscribe("__keyevent@*__:expired")
        wait_until("the subscription", lambda: ps.get_message(timeout=1.0))
        self.r.set("soon", "v", px=20)   # nobody touches it: active expiry sends the event
        msg = wait_until("the expired event", lambda: ps.get_message(timeout=1.0))
        self.assertEqual((msg["type"], msg["channel"], msg["data"]),
                         ("pmessage", b"__keyevent@0__:expired", b"soon"))
        ps.close()

    def test_notify_expiry_once_and_expire_in_the_past(self):
        self.r.config_set("notify-keyspace-events", "Egx")
        sub = Subscriber(self.srv.port)
        c = Client(self.srv.port)
        c.command("SET", "lazy", "v", "PX", "1")   # read (lazy) or reaped (active): one event
        wait_until("the key's time", lambda: int(c.command("PTTL", "lazy")[1:-2]) == -2)
        c.command("SET", "past", "v")
        c.command("EXPIRE", "past", "-5")
        c.command("SET", "gone", "v", "PXAT", "1")
        self.assertEqual(sub.heard(),
                         [("__keyevent@0__:expire", "lazy"), ("__keyevent@0__:expired", "lazy"),
                          ("__keyevent@0__:del", "past"),
                          ("__keyevent@0__:expire", "gone"), ("__keyevent@0__:expired", "gone")])


@unittest.skipUnless(have_module("pubsub") and have_module("strings") and have_module("maps"),
                     "pubsub.so, strings.so or maps.so missing")
class NotifyNamespaces(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2).start()
        cls.srv.client().config_set("notify-keyspace-events", "KEA")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def heard(self, *subs):
        return [s.heard() for s in subs]

    def test_notify_namespace_sees_its_keys_top_sees_full_path(self):
        port = self.srv.port
        top, sa, sb, sab = (Subscriber(port), Subscriber(port, ["ta"]), Subscriber(port, ["tb"]),
                            Subscriber(port, ["ta", "app"]))
        ca, cab = Client(port, ["ta"]), Client(port, ["ta", "app"])
        ca.command("SET", "k", "1")
        cab.command("SET", "k", "2")
        cab.command("HSET", "m", "f", "v")
        got_top, got_a, got_b, got_ab = self.heard(top, sa, sb, sab)
        self.assertEqual(got_a, ks("k", "set") + ks("app/k", "set") + ks("app/m", "hset"))
        self.assertEqual(got_ab, ks("k", "set") + ks("m", "hset"))
        self.assertEqual(got_top, ks("ta/k", "set") + ks("ta/app/k", "set") + ks("ta/app/m", "hset"))
        self.assertEqual(got_b, [])

    def test_notify_namespace_escape_attempts(self):
        port = self.srv.port
        sb, top = Subscriber(port, ["victim"]), Subscriber(port)
        spy = Subscriber(port, ["attacker"], patterns=("*", "__keyspace@0__:victim/*",
                                                         "__keyspace@0__:../victim/*", "*victim*"))
        cv, cattacker = Client(port, ["victim"]), Client(port, ["attacker"])
        cv.command("SET", "secret", "1")
        for name in ("../victim/secret", "/victim/secret", "victim/secret", "..", "\x00victim"):
            cattacker.command("SET", name, "x")
        cattacker.command("PUBLISH", "__keyspace@0__:victim/secret", "forged")
        got_victim, got_spy, got_top = self.heard(sb, spy, top)
        self.assertEqual(got_victim, ks("secret", "set"))   # nothing of the attacker's
        attacker_keys = [("__keyspace@0__:" + n, "set") for n in
                         ("../victim/secret", "/victim/secret", "victim/secret", "..", "\x00victim")]
        keyspace = [m for m in got_spy if m[0].startswith("__keyspace@0__:")]
        self.assertNotIn(("__keyspace@0__:secret", "set"), got_spy)
        for m in attacker_keys:
            self.assertIn(m, keyspace)
        self.assertTrue(all("secret" not in m[0] or m[0] != "__keyspace@0__:secret" for m in got_spy))
        self.assertIn(("__keyspace@0__:victim/secret", "set"), got_top)
        self.assertNotIn(("__keyspace@0__:victim/secret", "forged"), got_top)

    def test_notify_namespace_expiry_and_databases(self):
        port = self.srv.port
        sa, top = Subscriber(port, ["exp"]), Subscriber(port)
        c = Client(port, ["exp", "deep"])
        c.command("SELECT", "2")
        c.command("SET", "k", "v", "PX", "1")
        wait_until("the key expired", lambda: c.command("EXISTS", "k") == b":0\r\n")
        c.command("DEL", "nothing")
        got_a, got_top = self.heard(sa, top)
        want = ks("deep/k", "set", 2) + ks("deep/k", "expire", 2) + ks("deep/k", "expired", 2)
        self.assertEqual(got_a, want)
        self.assertEqual(got_top, [(ch.replace("deep/k", "exp/deep/k"), m.replace("deep/k", "exp/deep/k"))
                                   for ch, m in want])


    def test_notify_namespace_active_expiry_full_path(self):
        # keys nobody touches, at several depths and in a renamed namespace: active expiry
        # names each by its path, in its database
        port = self.srv.port
        top = Subscriber(port, patterns=("__keyevent@*__:expired",))
        mid = Subscriber(port, ["act"], patterns=("__keyevent@*__:expired",))
        c, ctop = Client(port, ["act", "one", "two"]), Client(port)
        c.command("SELECT", "4")
        ctop.command("SELECT", "4")
        c.command("SET", "k", "v", "PX", "30")
        self.assertEqual(top.next_message(), ("__keyevent@4__:expired", "act/one/two/k"))
        self.assertEqual(mid.next_message(), ("__keyevent@4__:expired", "one/two/k"))
        c.command("SET", "keep", "v")
        c.command("SET", "k2", "v", "PX", "300")
        ctop.command("RENAME", "act", "moved")
        self.assertEqual(top.next_message(), ("__keyevent@4__:expired", "moved/one/two/k2"))
        ctop.command("MOVE", "moved", "5")
        c5 = Client(port, ["moved", "one"])
        c5.command("SELECT", "5")
        c5.command("SET", "k3", "v", "PX", "30")
        self.assertEqual(top.next_message(), ("__keyevent@5__:expired", "moved/one/k3"))
        ctop.command("FLUSHALL")


# Key names that would reach another tenant's channels if any meant anything but itself.
TRICKY = ["k", "..", "../tenant2/k", "/k", "tenant2/k", "tenant2", "\x00", "*", "__keyspace@0__:k"]


@unittest.skipUnless(have_module("pubsub") and have_module("strings") and have_module("maps"),
                     "pubsub.so, strings.so or maps.so missing")
class NotifyLockedTenants(unittest.TestCase):
    """Tenants of namespace-locked networks (no admin): whatever keys they write and whatever
    they subscribe to, one hears nothing of the other, and the top hears both by full path."""

    @classmethod
    def setUpClass(cls):
        nets = [{"name": "top", "port": 0}]
        for t in ("tenant1", "tenant2"):
            nets.append({"name": t, "port": 0, "permissions": ["read", "write"], "namespace": "ns " + t,
                         "namespace_locked": True})
        cls.srv = KeelConfigServer({"modules": ["resp", "strings", "maps", "pubsub"], "threads": 2,
                                    "networks": nets, "notify_keyspace_events": "KEA"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_notify_locked_tenants_hear_only_their_own_keys(self):
        ports = self.srv.ports
        pats = ("*", "__key*__:*", "__keyspace@*__:*tenant1*", "*k*")
        s1, s2 = Subscriber(ports["tenant1"], patterns=pats), Subscriber(ports["tenant2"], patterns=pats)
        top = Subscriber(ports["top"], patterns=("__keyspace@*__:*",))
        c1, c2 = Client(ports["tenant1"]), Client(ports["tenant2"])
        self.assertTrue(c1.command("NSRESET").startswith(b"-NOPERM"))   # no way up
        self.assertTrue(c1.command("CONFIG", "SET", "notify-keyspace-events", "").startswith(b"-NOPERM"))
        for name in TRICKY:
            c1.command("SET", name, "v")
        c1.command("HSET", "m", "f", "v")
        c1.command("SELECT", "3")
        c1.command("SET", "k", "v", "PX", "20")   # expires untouched, in database 3
        c1.command("SELECT", "0")
        got1, got2 = s1.heard(), s2.heard()
        self.assertEqual(got2, [])
        for name in TRICKY:
            self.assertIn(("__keyspace@0__:" + name, "set"), got1)
            self.assertIn(("__keyevent@0__:set", name), got1)
        self.assertIn(("__keyspace@0__:m", "hset"), got1)
        wait_until("the expiry in database 3 at the top",
                   lambda: ("__keyspace@3__:tenant1/k", "expired") in self.collect(top),
                   timeout=60, interval=0.05)
        for ch, _ in self.top_heard:
            self.assertTrue(ch.split(":", 1)[1].startswith("tenant1/"), ch)
        self.assertIn(("__keyspace@0__:tenant1/../tenant2/k", "set"), self.top_heard)
        self.assertIn(("__keyspace@0__:tenant1/m", "hset"), self.top_heard)
        c2.command("SET", "own", "v")
        got1 += s1.heard()
        self.assertEqual(set(s2.heard()), set(ks("own", "set")))   # (several patterns match)
        self.assertIn(("__keyspace@3__:k", "expired"), got1)   # its own expiry, by its own name
        own = set(TRICKY) | {"m"}
        for ch, msg in got1:
            self.assertIn(ch.split(":", 1)[1] if ch.startswith("__keyspace") else msg, own)

    top_heard = []

    def collect(self, top):
        """Everything the top subscriber heard so far (kept across calls)."""
        self.top_heard += top.heard()
        return self.top_heard


@unittest.skipUnless(have_module("pubsub") and have_module("strings"), "pubsub.so or strings.so missing")
class NotifyJsonConfig(unittest.TestCase):
    def test_notify_json_config_sets_the_classes(self):
        d = tempfile.mkdtemp(prefix="keel-notify-")
        try:
            path = os.path.join(d, "keel.json")
            with open(path, "w") as f:
                json.dump({"notify_keyspace_events": "Eg$"}, f)
            with KeelServer("--memcache-port", "0", threads=2, config=path) as srv:
                r = srv.client()
                self.assertEqual(nke(r), "g$E")
                sub = Subscriber(srv.port)
                c = Client(srv.port)
                c.command("SET", "j", "1")
                self.assertEqual(sub.heard(), [("__keyevent@0__:set", "j")])
            with open(path, "w") as f:
                json.dump({"notify_keyspace_events": "KEq"}, f)
            out = subprocess.run([os.environ.get("KEEL_SERVER", "keel-server"), "--check-config", path],
                                 capture_output=True, text=True)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("$.notify_keyspace_events: expected a string of the event class letters",
                          out.stdout + out.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
