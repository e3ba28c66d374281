"""test_pubsub_compat.py -- pub/sub answers byte for byte as redis-server 7.0 does: the same raw
exchanges, on three connections at once, are sent to both servers over RESP2 and RESP3 and every
reply and push each connection receives is compared.  Confirmations and their counts, messages
of channels, patterns and shard channels (the subscriber and the publisher sit on different
threads in Keel), the subscribed-mode rules of RESP2, PING's two forms, RESET, PUBSUB and its
errors, SUBSCRIBE and PUBLISH inside MULTI.

Left out, because Redis's order is its hash table's: UNSUBSCRIBE without names while subscribed to
several channels, several patterns matching one message, PUBSUB CHANNELS listing several.  Keel's
orders (the order subscriptions were made) are checked in test_pubsub.py.
"""
import shutil
import socket
import unittest

from keel_harness import KeelServer, RedisServer, RespReader, have_module, resp_command

A, B, C = 0, 1, 2
R2 = "resp2"   # a script run only over RESP2 (its RESP3 answers differ by design, e.g. HELLO's id)

# Each step: (connection, frames to read, command or None to read only).  frames may be a pair:
# (over RESP2, over RESP3).  Every connection is RESET at the end of a script, and that is
# compared too.
SCRIPTS = {
    "basic": [(A, 1, ["SUBSCRIBE", "ch"]), (B, 1, ["PUBLISH", "ch", "hello"]), (A, 1, None),
              (B, 1, ["PUBLISH", "nobody", "x"]), (A, 1, ["UNSUBSCRIBE", "ch"]),
              (B, 1, ["PUBLISH", "ch", "again"])],
    "counts": [(A, 3, ["SUBSCRIBE", "a", "b", "a"]), (A, 2, ["PSUBSCRIBE", "p*", "q*"]),
               (A, 1, ["SSUBSCRIBE", "s"]), (A, 2, ["UNSUBSCRIBE", "a", "zz"]),
               (A, 1, ["PUNSUBSCRIBE", "q*"]), (A, 1, ["SUNSUBSCRIBE", "s"]), (A, 1, ["SUNSUBSCRIBE"]),
               (A, 1, ["PUNSUBSCRIBE"]), (A, 1, ["UNSUBSCRIBE"]), (A, 1, ["UNSUBSCRIBE"]),
               (A, 1, ["PUNSUBSCRIBE", "never"])],
    "patterns": [(A, 1, ["PSUBSCRIBE", "news.*"]), (A, 1, ["SUBSCRIBE", "news.tv"]),
                 (B, 1, ["PUBLISH", "news.tv", "x"]), (A, 2, None), (B, 1, ["PUBLISH", "news.radio", "y"]),
                 (A, 1, None), (B, 1, ["PUBLISH", "news", "z"]), (A, 1, ["PUNSUBSCRIBE", "news.*"]),
                 (A, 1, ["PSUBSCRIBE", "n?ws.[rt]*"]), (B, 1, ["PUBLISH", "news.radio", "w"]), (A, 1, None),
                 (B, 1, ["PUBLISH", "news.sport", "v"])],
    "two_subscribers": [(A, 1, ["SUBSCRIBE", "c"]), (C, 1, ["SUBSCRIBE", "c"]), (C, 1, ["PSUBSCRIBE", "c"]),
                        (B, 1, ["PUBLISH", "c", "m"]), (A, 1, None), (C, 2, None),
                        (C, 1, ["UNSUBSCRIBE", "c"]), (B, 1, ["PUBLISH", "c", "n"]), (A, 1, None), (C, 1, None)],
    "shard": [(A, 1, ["SSUBSCRIBE", "s"]), (C, 1, ["PSUBSCRIBE", "*"]), (B, 1, ["SPUBLISH", "s", "1"]),
              (A, 1, None), (B, 1, ["PUBLISH", "s", "2"]), (C, 1, None), (B, 1, ["SPUBLISH", "none", "3"]),
              (A, 1, ["SUBSCRIBE", "s"]), (B, 1, ["SPUBLISH", "s", "4"]), (A, 1, None)],
    "binary": [(A, 1, ["SUBSCRIBE", b"a\x00b\r\n"]), (B, 1, ["PUBLISH", b"a\x00b\r\n", b""]), (A, 1, None),
               (B, 1, ["PUBLISH", b"a\x00b\r\n", b"\x00\xff" * 100]), (A, 1, None),
               (A, 1, ["PSUBSCRIBE", b"a\x00*"]), (B, 1, ["PUBLISH", b"a\x00zz", b"x"]), (A, 1, None)],
    "subscribed_mode": [(A, 1, ["SET", "k", "v"]), (A, 1, ["SUBSCRIBE", "x"]), (A, 1, ["GET", "k"]),
                        (A, 1, ["SET", "k", "w"]), (A, 1, ["PING"]), (A, 1, ["PING", "hi"]), (A, 1, ["MULTI"]),
                        (A, 1, ["ECHO", "e"]), (A, 1, ["GET"]), (A, 1, ["NOSUCH", "a"]),
                        (A, 1, ["SELECT", "1"]), (A, 1, ["PUBLISH", "x", "y"]), (A, 1, ["PING"]),
                        (A, 1, ["UNSUBSCRIBE"]), (A, 1, ["GET", "k"]), (A, 1, ["PING"])],
    "self_publish": [(A, 1, ["SUBSCRIBE", "me"]), (A, (1, 2), ["PUBLISH", "me", "hi"]),
                     (B, 1, ["PUBLISH", "me", "from b"]), (A, 1, None)],
    "hello_while_subscribed": (R2, [(A, 1, ["SUBSCRIBE", "x"]), (A, 1, ["HELLO", "3"]), (A, 1, ["HELLO"]),
                                    (A, 1, ["KEYS", "*"])]),
    "ping_unsubscribed": [(A, 1, ["PING"]), (A, 1, ["PING", "x"]), (A, 1, ["PING", "x", "y"])],
    "introspection": [(A, 2, ["SUBSCRIBE", "i1", "i2"]), (C, 1, ["SUBSCRIBE", "i1"]), (C, 1, ["PSUBSCRIBE", "ip*"]),
                      (A, 1, ["PSUBSCRIBE", "ip*"]), (A, 1, ["SSUBSCRIBE", "sh"]),
                      (B, 1, ["PUBSUB", "NUMSUB", "i1", "i2", "i3"]), (B, 1, ["PUBSUB", "NUMSUB"]),
                      (B, 1, ["PUBSUB", "NUMPAT"]), (B, 1, ["PUBSUB", "CHANNELS", "i1"]),
                      (B, 1, ["PUBSUB", "CHANNELS", "i[1]"]), (B, 1, ["PUBSUB", "CHANNELS", "nomatch*"]),
                      (B, 1, ["PUBSUB", "SHARDCHANNELS"]), (B, 1, ["PUBSUB", "SHARDCHANNELS", "x*"]),
                      (B, 1, ["PUBSUB", "SHARDNUMSUB", "sh", "i1"]), (B, 1, ["PUBSUB", "HELP"]),
                      (B, 1, ["PUBSUB", "help"]), (B, 1, ["PUBSUB", "NUMPAT", "x"]),
                      (B, 1, ["PUBSUB", "CHANNELS", "a", "b"]), (B, 1, ["PUBSUB", "FOO"]), (B, 1, ["PUBSUB"])],
    "arity": [(B, 1, ["SUBSCRIBE"]), (B, 1, ["PSUBSCRIBE"]), (B, 1, ["SSUBSCRIBE"]), (B, 1, ["PUBLISH", "a"]),
              (B, 1, ["SPUBLISH", "a"]), (B, 1, ["PUBLISH", "a", "b", "c"]), (B, 1, ["RESET", "x"])],
    "multi_subscribe": [(B, 1, ["MULTI"]), (B, 1, ["SUBSCRIBE", "m1"]), (B, 1, ["EXEC"]),
                        (C, 1, ["PUBLISH", "m1", "x"]), (B, 1, None), (B, 1, ["PING"])],
    "multi_publish": [(A, 1, ["SUBSCRIBE", "mp"]), (B, 1, ["MULTI"]), (B, 1, ["PUBLISH", "mp", "a"]),
                      (B, 1, ["PUBLISH", "mp", "b"]), (B, 1, ["EXEC"]), (A, 2, None)],
    "reset": [(A, 1, ["SUBSCRIBE", "r1"]), (A, 1, ["PSUBSCRIBE", "r*"]), (A, 1, ["RESET"]),
              (B, 1, ["PUBLISH", "r1", "x"]), (A, 1, ["PING"]), (A, 1, ["UNSUBSCRIBE"]), (A, 1, ["PUNSUBSCRIBE"])],
    "reset_leaves_multi": [(A, 1, ["MULTI"]), (A, 1, ["SET", "a", "1"]), (A, 1, ["RESET"]), (A, 1, ["EXEC"]),
                           (A, 1, ["GET", "a"]), (A, 1, ["SELECT", "2"]), (A, 1, ["SET", "b", "1"]),
                           (A, 1, ["RESET"]), (A, 1, ["GET", "b"])],
    "client_errors": [(A, 1, ["SUBSCRIBE", "x"]), (B, 1, ["CLIENT", "LIST", "TYPE", "bogus"]),
                      (B, 1, ["CLIENT", "KILL", "TYPE", "bogus"]), (B, 1, ["CLIENT", "KILL", "ID", "x"]),
                      (B, 1, ["CLIENT", "KILL", "ID", "0"]), (B, 1, ["CLIENT", "KILL", "FOO", "bar"]),
                      (B, 1, ["CLIENT", "KILL", "SKIPME", "maybe"]), (B, 1, ["CLIENT", "KILL", "1.2.3.4:5"]),
                      (B, 1, ["CLIENT", "KILL", "ADDR", "1.2.3.4:5", "TYPE", "pubsub"]),
                      (B, 1, ["CLIENT", "KILL", "USER", "nobody"])],
}


def run_script(port, script, resp3):
    socks = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in range(3)]
    readers = [RespReader(s) for s in socks]
    if resp3:
        for s, r in zip(socks, readers):
            s.sendall(resp_command("HELLO", "3"))
            r.reply()
    socks[A].sendall(resp_command("FLUSHALL"))
    readers[A].reply()
    out = []
    for conn, frames, cmd in script:
        if isinstance(frames, tuple):
            frames = frames[1] if resp3 else frames[0]
        if cmd is not None:
            socks[conn].sendall(resp_command(*cmd))
        out.append((conn, cmd, [readers[conn].reply() for _ in range(frames)]))
    for i, (s, r) in enumerate(zip(socks, readers)):
        s.sendall(resp_command("RESET"))
        out.append((i, ["RESET"], r.reply()))
        s.close()
    return out


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed")
@unittest.skipUnless(have_module("pubsub"), "pubsub.so is not built")
class PubsubCompat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisServer()
        cls.keel = KeelServer(threads=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.keel.stop()
        cls.redis.stop()

    def compare(self, resp3):
        for name, script in SCRIPTS.items():
            if isinstance(script, tuple):
                if resp3:
                    continue
                script = script[1]
            with self.subTest(script=name, resp3=resp3):
                want = run_script(self.redis.port, script, resp3)
                got = run_script(self.keel.port, script, resp3)
                self.assertEqual(got, want)

    def test_pubsub_compat_resp2(self):
        self.compare(False)

    def test_pubsub_compat_resp3(self):
        self.compare(True)


if __name__ == "__main__":
    unittest.main()
