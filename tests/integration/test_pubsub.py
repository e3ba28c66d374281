"""test_pubsub.py -- pub/sub through real clients: python3-redis (pubsub(), subscribe, psubscribe,
get_message, listen in a thread), redis-cli, and raw RESP2/RESP3 sockets.

Subscribers on both worker threads receive every message in publish order; PUBLISH counts the
subscriptions of the channel and of the patterns matching it; a subscriber that stops reading is
disconnected once its output passes client-output-buffer-limit pubsub while the publisher and the
other subscribers go on; CLIENT LIST and CLIENT KILL see pub/sub clients; RESET leaves subscribed
mode; RESP3 clients run any command while subscribed and get their messages even while a blocking
command of theirs waits; a server without pubsub.so answers "unknown command".  Byte-exact replies
are compared with redis-server in test_pubsub_compat.py; namespaces in test_pubsub_namespaces.py.
"""
import json
import socket
import subprocess
import threading
import unittest

import redis

from keel_harness import (KeelConfigServer, KeelServer, RespReader, have_module, resp_command,
                          wait_until)

MODULES = ["resp", "strings", "pubsub"] + (["lists"] if have_module("lists") else [])


def raw(srv, resp3=False):
    """A raw socket to srv and its reader (after HELLO 3 when resp3)."""
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=120)
    r = RespReader(s)
    if resp3:
        s.sendall(resp_command("HELLO", "3"))
        r.reply()
    return s, r


def thread_of(s, r):
    """The worker thread a raw connection lives on (SELF STATS)."""
    return self_stats(s, r)["thread"]


def self_stats(s, r):
    """SELF STATS of a raw connection (a bulk string in RESP2, a verbatim one in RESP3)."""
    s.sendall(resp_command("SELF", "STATS"))
    reply = r.reply()
    body = reply[reply.index(b"\r\n") + 2:-2]
    return json.loads(body[4:] if reply.startswith(b"=") else body)


def numsub(client, channel):
    return dict(client.pubsub_numsub(channel)).get(channel.encode(), 0)


@unittest.skipUnless(have_module("pubsub"), "pubsub.so is not built")
class PubsubClients(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=MODULES).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r = self.srv.client()

    def test_pubsub_python_subscribe_psubscribe_get_message(self):
        p = self.r.pubsub()
        p.subscribe("py:news")
        p.psubscribe("py:*")
        self.assertEqual(p.get_message(timeout=60),
                         {"type": "subscribe", "pattern": None, "channel": b"py:news", "data": 1})
        self.assertEqual(p.get_message(timeout=60),
                         {"type": "psubscribe", "pattern": None, "channel": b"py:*", "data": 2})
        self.assertEqual(self.r.publish("py:news", "hello"), 2)
        self.assertEqual(self.r.publish("py:other", "x"), 1)
        self.assertEqual(self.r.publish("elsewhere", "x"), 0)
        got = [p.get_message(timeout=60) for _ in range(3)]
        self.assertEqual(got, [
            {"type": "message", "pattern": None, "channel": b"py:news", "data": b"hello"},
            {"type": "pmessage", "pattern": b"py:*", "channel": b"py:news", "data": b"hello"},
            {"type": "pmessage", "pattern": b"py:*", "channel": b"py:other", "data": b"x"}])
        p.unsubscribe("py:news")
        self.assertEqual(p.get_message(timeout=60)["type"], "unsubscribe")
        self.assertEqual(self.r.publish("py:news", "again"), 1)
        self.assertEqual(p.get_message(timeout=60)["type"], "pmessage")
        p.close()

    def test_pubsub_python_listen_in_a_thread(self):
        p = self.r.pubsub()
        p.subscribe("listen:ch")
        p.get_message(timeout=60)
        received = []

        def listener():
            for m in p.listen():
                if m["type"] == "message":
                    if m["data"] == b"stop":
                        return
                    received.append(m["data"])

        t = threading.Thread(target=listener)
        t.start()
        for i in range(500):
            self.assertEqual(self.r.publish("listen:ch", "m%d" % i), 1)
        self.r.publish("listen:ch", "stop")
        t.join(120)
        self.assertFalse(t.is_alive())
        self.assertEqual(received, [b"m%d" % i for i in range(500)])
        p.close()

    def test_pubsub_subscribers_on_both_threads_get_every_message_in_order(self):
        subs = []
        while len({t for t, _, _ in subs}) < 2 or len(subs) < 4:   # connections go round-robin
            s, r = raw(self.srv, resp3=len(subs) % 2 == 1)
            subs.append((thread_of(s, r), s, r))
        for _, s, r in subs:
            s.sendall(resp_command("SUBSCRIBE", "order:ch"))
            r.reply()
        pubs = [self.srv.client() for _ in range(2)]   # two publishers, each with its own order
        n = 1000
        for i in range(n):
            for k, pub in enumerate(pubs):
                self.assertEqual(pub.publish("order:ch", "p%d:%d" % (k, i)), len(subs))
        for thread, s, r in subs:
            seen = {0: [], 1: []}
            for _ in range(2 * n):
                frame = r.reply()
                payload = frame.split(b"\r\n")[-2].decode()
                k, i = payload[1:].split(":")
                seen[int(k)].append(int(i))
            self.assertEqual(seen[0], list(range(n)), "subscriber on thread %d" % thread)
            self.assertEqual(seen[1], list(range(n)), "subscriber on thread %d" % thread)
            s.close()

    def test_pubsub_publish_counts_channel_and_pattern_subscriptions(self):
        clients = []
        for args in (("SUBSCRIBE", "cnt:a"), ("SUBSCRIBE", "cnt:a", "cnt:b"), ("PSUBSCRIBE", "cnt:*"),
                     ("PSUBSCRIBE", "cnt:?", "*")):
            s, r = raw(self.srv)
            s.sendall(resp_command(*args))
            for _ in args[1:]:
                r.reply()
            clients.append((s, r))
        self.assertEqual(self.r.publish("cnt:a", "x"), 5)   # 2 channels + 3 patterns (one each)
        self.assertEqual(self.r.publish("cnt:b", "x"), 4)
        self.assertEqual(self.r.publish("cnt:long", "x"), 2)
        self.assertEqual(self.r.publish("other", "x"), 1)
        self.assertEqual(self.r.pubsub_numpat(), 3)
        self.assertEqual(dict(self.r.pubsub_numsub("cnt:a", "cnt:b", "cnt:c")),
                         {b"cnt:a": 2, b"cnt:b": 1, b"cnt:c": 0})
        self.assertEqual(sorted(self.r.pubsub_channels("cnt:*")), [b"cnt:a", b"cnt:b"])
        for s, _ in clients:
            s.close()
        # a client that leaves takes its subscriptions along
        wait_until("the subscribers to be gone", lambda: self.r.publish("cnt:a", "x") == 0)
        self.assertEqual(self.r.pubsub_numpat(), 0)

    def test_pubsub_unsubscribe_without_names_goes_in_the_order_made(self):
        s, r = raw(self.srv)
        s.sendall(resp_command("SUBSCRIBE", "z", "a", "m"))
        [r.reply() for _ in range(3)]
        s.sendall(resp_command("UNSUBSCRIBE"))
        self.assertEqual([r.reply().split(b"\r\n")[4] for _ in range(3)], [b"z", b"a", b"m"])
        s.close()

    def test_pubsub_redis_cli_subscribe(self):
        cli = subprocess.Popen(["redis-cli", "-h", "127.0.0.1", "-p", str(self.srv.port), "SUBSCRIBE", "cli:ch"],
                               stdout=subprocess.PIPE, text=True)
        try:
            wait_until("redis-cli to subscribe", lambda: numsub(self.r, "cli:ch") == 1)
            self.assertEqual(self.r.publish("cli:ch", "hello from python"), 1)
            lines = [cli.stdout.readline().strip() for _ in range(6)]
            self.assertEqual(lines, ["subscribe", "cli:ch", "1", "message", "cli:ch", "hello from python"])
        finally:
            cli.terminate()
            cli.wait(60)
        wait_until("redis-cli's subscription to go", lambda: numsub(self.r, "cli:ch") == 0)

    def test_pubsub_client_list_and_kill_type_pubsub(self):
        with KeelServer(threads=2, modules=MODULES) as srv:   # no other test's clients around
            c = srv.client()
            s, r = raw(srv)
            s.sendall(resp_command("CLIENT", "SETNAME", "watcher"))
            r.reply()
            s.sendall(resp_command("SUBSCRIBE", "kl:a", "kl:b") + resp_command("PSUBSCRIBE", "kl:*") +
                      resp_command("SSUBSCRIBE", "kl:s"))
            [r.reply() for _ in range(4)]
            me = listed(c, "watcher")
            self.assertEqual((me["flags"], me["sub"], me["psub"], me["ssub"]), ("P", "2", "1", "1"))
            mine = c.execute_command("CLIENT", "INFO").decode()
            self.assertIn("flags=N", mine)
            self.assertIn("sub=0 psub=0 ssub=0", mine)
            self.assertEqual([x["name"] for x in c.client_list(_type="pubsub")], ["watcher"])
            self.assertEqual(c.execute_command("CLIENT", "KILL", "TYPE", "pubsub"), 1)
            with self.assertRaises((ConnectionError, OSError)):
                while True:   # closed by the server: reads end
                    r.reply()
            wait_until("no pub/sub client left", lambda: not c.client_list(_type="pubsub"))
            self.assertEqual(c.publish("kl:a", "x"), 0)
            self.assertEqual(c.execute_command("CLIENT", "KILL", "TYPE", "pubsub"), 0)
            s.close()

    def test_client_kill_filters(self):
        def victim():
            s, r = raw(self.srv)
            s.sendall(resp_command("CLIENT", "ID"))
            return s, r, int(r.reply()[1:-2])

        def closed(r):
            try:
                r.reply()
            except (ConnectionError, OSError):
                return True
            return False

        s, r, vid = victim()
        self.assertEqual(self.r.execute_command("CLIENT", "KILL", "ID", vid, "TYPE", "pubsub"), 0)
        self.assertEqual(self.r.execute_command("CLIENT", "KILL", "ID", vid, "TYPE", "normal"), 1)
        self.assertTrue(closed(r))
        s.close()
        s, r, vid = victim()
        addr = [c["addr"] for c in self.r.client_list() if int(c["id"]) == vid][0]
        self.assertEqual(self.r.execute_command("CLIENT", "KILL", addr), b"OK")   # the old form
        self.assertTrue(closed(r))
        s.close()
        with self.assertRaisesRegex(redis.ResponseError, "No such client"):
            self.r.execute_command("CLIENT", "KILL", addr)
        # SKIPME no: the caller goes too, once its reply is out
        me = self.srv.client(single_connection_client=True)
        my_id = me.client_id()
        self.assertEqual(me.execute_command("CLIENT", "KILL", "ID", my_id), 0)   # SKIPME yes by default
        self.assertEqual(me.execute_command("CLIENT", "KILL", "ID", my_id, "SKIPME", "no"), 1)
        wait_until("the caller to be gone", lambda: my_id not in [int(c["id"]) for c in self.r.client_list()])

    def test_pubsub_subscribed_mode_and_reset(self):
        s, r = raw(self.srv)
        s.sendall(resp_command("CLIENT", "SETNAME", "before") + resp_command("SELECT", "3"))
        r.reply(), r.reply()
        s.sendall(resp_command("SUBSCRIBE", "rs:ch"))
        r.reply()
        s.sendall(resp_command("SET", "k", "v"))
        self.assertEqual(r.reply(), b"-ERR Can't execute 'set': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
                                    b"QUIT / RESET are allowed in this context\r\n")
        s.sendall(resp_command("RESET"))
        self.assertEqual(r.reply(), b"+RESET\r\n")
        self.assertEqual(self.r.publish("rs:ch", "x"), 0)   # RESET unsubscribed (no confirmations)
        stats = self_stats(s, r)
        self.assertEqual((stats["name"], stats["database"]), (None, 0))
        s.sendall(resp_command("PING"))
        self.assertEqual(r.reply(), b"+PONG\r\n")
        s.close()

    def test_pubsub_resp3_subscriber_runs_any_command(self):
        s, r = raw(self.srv, resp3=True)
        s.sendall(resp_command("SUBSCRIBE", "r3:ch"))
        self.assertEqual(r.reply(), b">3\r\n$9\r\nsubscribe\r\n$5\r\nr3:ch\r\n:1\r\n")
        s.sendall(resp_command("SET", "r3:k", "v") + resp_command("GET", "r3:k") + resp_command("PING"))
        self.assertEqual([r.reply() for _ in range(3)], [b"+OK\r\n", b"$1\r\nv\r\n", b"+PONG\r\n"])
        self.assertEqual(self.r.publish("r3:ch", "pushed"), 1)
        self.assertEqual(r.reply(), b">3\r\n$7\r\nmessage\r\n$5\r\nr3:ch\r\n$6\r\npushed\r\n")
        # HELLO 2 brings subscribed mode back
        s.sendall(resp_command("HELLO", "2"))
        r.reply()
        s.sendall(resp_command("GET", "r3:k"))
        self.assertTrue(r.reply().startswith(b"-ERR Can't execute 'get'"))
        s.close()

    @unittest.skipUnless(have_module("lists"), "lists.so is not built")
    def test_pubsub_resp3_messages_pass_a_waiting_blpop(self):
        s, r = raw(self.srv, resp3=True)
        s.sendall(resp_command("SUBSCRIBE", "bl:ch"))
        r.reply()
        s.sendall(resp_command("BLPOP", "bl:list", "0"))
        wait_until("BLPOP to wait", lambda: int(self.r.info("clients")["blocked_clients"]) == 1)
        for i in range(3):
            self.assertEqual(self.r.publish("bl:ch", "m%d" % i), 1)
        for i in range(3):   # while the BLPOP still waits
            self.assertEqual(r.reply(), b">3\r\n$7\r\nmessage\r\n$5\r\nbl:ch\r\n$2\r\nm%d\r\n" % i)
        self.r.rpush("bl:list", "item")
        self.assertEqual(r.reply(), b"*2\r\n$7\r\nbl:list\r\n$4\r\nitem\r\n")
        self.assertEqual(self.r.publish("bl:ch", "after"), 1)
        self.assertEqual(r.reply(), b">3\r\n$7\r\nmessage\r\n$5\r\nbl:ch\r\n$5\r\nafter\r\n")
        s.close()

    def test_pubsub_messages_never_overtake_the_confirmation(self):
        """A message published right after the subscription comes after its confirmation, for
        subscribers on either thread, even when the publisher goes as fast as it can."""
        for resp3 in (False, True):
            for attempt in range(20):
                s, r = raw(self.srv, resp3)
                channel = "race:%d:%d" % (resp3, attempt)
                stop = threading.Event()

                def publish():
                    pub = self.srv.client()
                    while not stop.is_set():
                        pub.publish(channel, "m")

                t = threading.Thread(target=publish)
                t.start()
                s.sendall(resp_command("SUBSCRIBE", channel))
                first, second = r.reply(), r.reply()
                stop.set()
                t.join(60)
                self.assertIn(b"subscribe", first.split(b"\r\n")[2])
                self.assertIn(b"message", second.split(b"\r\n")[2])
                s.close()


def listed(r, name):
    """The CLIENT LIST entry of the client called name, or None."""
    return {c["name"]: c for c in r.client_list()}.get(name)


def slow_subscriber(srv, channel):
    """A subscriber that never reads (a small receive buffer), named "slow"."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", srv.port))
    s.sendall(resp_command("CLIENT", "SETNAME", "slow") + resp_command("SUBSCRIBE", channel))
    return s


@unittest.skipUnless(have_module("pubsub"), "pubsub.so is not built")
class SlowSubscriber(unittest.TestCase):
    def test_pubsub_slow_subscriber_is_disconnected_others_keep_receiving(self):
        with KeelServer(threads=2, modules=MODULES) as srv:
            r = srv.client()
            r.config_set("client-output-buffer-limit", "pubsub 1mb 256kb 60")
            slow = slow_subscriber(srv, "slow:ch")
            fast = r.pubsub()
            fast.subscribe("slow:ch")
            fast.get_message(timeout=60)
            wait_until("both subscribers", lambda: numsub(r, "slow:ch") == 2)
            before = int(r.info("stats")["client_output_buffer_limit_disconnections"])
            payload = b"x" * 65536
            counts, got = [], 0
            for i in range(400):   # 25 MB: far past the limit and what the sockets hold
                counts.append(r.publish("slow:ch", payload + b"%d" % i))
                while True:
                    m = fast.get_message(timeout=0)
                    if m is None:
                        break
                    self.assertEqual(m["data"], payload + b"%d" % got)
                    got += 1
            # its thread closes it once what it was sent passes 1 MB, whenever that thread gets there
            wait_until("the slow subscriber to be closed", lambda: listed(r, "slow") is None)
            self.assertEqual(r.publish("slow:ch", b"last"), 1)
            while got < 400:
                m = fast.get_message(timeout=60)
                self.assertIsNotNone(m, "message %d never came" % got)
                self.assertEqual(m["data"], payload + b"%d" % got)
                got += 1
            self.assertEqual(fast.get_message(timeout=60)["data"], b"last")
            self.assertEqual(counts[0], 2)
            self.assertEqual(counts, sorted(counts, reverse=True))   # once gone, it stays gone
            self.assertEqual(int(r.info("stats")["client_output_buffer_limit_disconnections"]), before + 1)
            fast.close()
            slow.close()

    def test_pubsub_default_limit_is_redis_32mb(self):
        with KeelServer(threads=2, modules=MODULES) as srv:
            r = srv.client()
            self.assertEqual(r.config_get("client-output-buffer-limit")["client-output-buffer-limit"],
                             "normal 0 0 0 pubsub 33554432 8388608 60")
            slow = slow_subscriber(srv, "big:ch")
            wait_until("the subscriber", lambda: numsub(r, "big:ch") == 1)
            payload = b"y" * (1 << 20)
            for _ in range(16):   # 16 MB: under the hard limit
                self.assertEqual(r.publish("big:ch", payload), 1)
            # once its thread holds most of it as output, it is still there (the soft limit, 8 MB,
            # takes 60 seconds)
            wait_until("12 MB of output", lambda: int(listed(r, "slow")["omem"]) >= 12 << 20)
            self.assertEqual(listed(r, "slow")["sub"], "1")
            for _ in range(24):   # 40 MB in all: past 32 MB, whatever the sockets took
                r.publish("big:ch", payload)
            wait_until("the subscriber to be closed", lambda: listed(r, "slow") is None)
            self.assertEqual(r.publish("big:ch", payload), 0)
            self.assertEqual(int(r.info("stats")["client_output_buffer_limit_disconnections"]), 1)
            slow.close()


@unittest.skipUnless(have_module("pubsub"), "pubsub.so is not built")
class IdleAndReset(unittest.TestCase):
    def test_pubsub_subscribers_are_never_idle_and_reset_forgets_auth(self):
        nets = [{"name": "main", "port": 0, "requirepass": "pw", "timeout": 1}]
        with KeelConfigServer({"modules": MODULES, "threads": 2, "networks": nets}) as srv:
            r = srv.client(password="pw")
            sub = srv.client(password="pw").pubsub()
            sub.subscribe("idle:ch")
            sub.get_message(timeout=60)
            idle = srv.client(password="pw", single_connection_client=True)
            idle.ping()
            # the plain client goes after a second idle; the subscriber, idle as long, stays
            wait_until("the idle client to be closed", lambda: len(r.client_list()) == 2, timeout=120)
            self.assertEqual(r.publish("idle:ch", "still here"), 1)
            self.assertEqual(sub.get_message(timeout=60)["data"], b"still here")
            # RESET on a network with a password: the client must authenticate again
            s, rd = raw(srv)
            s.sendall(resp_command("AUTH", "pw") + resp_command("RESET") + resp_command("GET", "k"))
            self.assertEqual([rd.reply() for _ in range(3)],
                             [b"+OK\r\n", b"+RESET\r\n", b"-NOAUTH Authentication required.\r\n"])
            s.close()
            sub.close()


@unittest.skipUnless(have_module("pubsub"), "pubsub.so is not built")
class Permissions(unittest.TestCase):
    def test_pubsub_needs_read_to_subscribe_write_to_publish_admin_to_kill(self):
        nets = [{"name": "rw", "port": 0, "permissions": ["read", "write"]},
                {"name": "ro", "port": 0, "permissions": ["read"]},
                {"name": "st", "port": 0, "permissions": ["stats"]},
                {"name": "all", "port": 0}]
        with KeelConfigServer({"modules": MODULES, "threads": 2, "networks": nets}) as srv:
            ro = srv.client("ro").pubsub()
            ro.subscribe("perm:ch")
            self.assertEqual(ro.get_message(timeout=60)["type"], "subscribe")
            with self.assertRaisesRegex(redis.ResponseError, "does not allow .*'publish' .*write"):
                srv.client("ro").publish("perm:ch", "x")
            with self.assertRaisesRegex(redis.ResponseError, "does not allow .*'subscribe' .*read"):
                srv.client("st").execute_command("SUBSCRIBE", "perm:ch")
            self.assertEqual(srv.client("rw").publish("perm:ch", "x"), 1)
            self.assertEqual(ro.get_message(timeout=60)["data"], b"x")
            with self.assertRaisesRegex(redis.ResponseError, "does not allow 'client kill'.*admin"):
                srv.client("rw").execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            self.assertEqual(srv.client("all").execute_command("CLIENT", "KILL", "TYPE", "pubsub"), 1)
            ro.close()


class WithoutModule(unittest.TestCase):   # runs in builds without pubsub.so too
    def test_pubsub_server_without_the_module_answers_unknown_command(self):
        with KeelServer(threads=2, modules=["resp", "strings"]) as srv:
            r = srv.client()
            for cmd in (["SUBSCRIBE", "a"], ["PSUBSCRIBE", "a*"], ["SSUBSCRIBE", "a"], ["UNSUBSCRIBE"],
                        ["PUNSUBSCRIBE"], ["SUNSUBSCRIBE"], ["PUBLISH", "a", "b"], ["SPUBLISH", "a", "b"],
                        ["PUBSUB", "CHANNELS"]):
                with self.assertRaisesRegex(redis.ResponseError, "unknown command '%s'" % cmd[0]):
                    r.execute_command(*cmd)
            self.assertEqual(r.execute_command("RESET"), "RESET")   # resp.so's, without pub/sub
            self.assertIn("sub=0 psub=0 ssub=0", r.execute_command("CLIENT", "INFO").decode())


if __name__ == "__main__":
    unittest.main()
