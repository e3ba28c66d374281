"""test_harness_conformance.py -- the module harness (sdk/harness) and the real server answer the
same command script with the same bytes: strings.so and lists.so run in-process on the harness
(tests/unit/harness_replay, yielding at every opcode boundary) and in a keel-server over a socket,
and every reply is compared as RESP2 bytes, so the two cannot drift apart unnoticed."""
import io
import os
import subprocess
import unittest

from keel_harness import KeelServer, RespReader, have_module, resp_command

BUILD = os.environ.get("KEEL_BUILDDIR", ".")
REPLAY = os.path.join(BUILD, "tests", "unit", "harness_replay")

# One command a line, words split by single spaces (no word holds a space).
SCRIPT = """
SET s hello
GET s
APPEND s _world
STRLEN s
GETRANGE s 0 4
GETRANGE s -5 -1
SETRANGE s 0 J
GET s
SETNX s other
GETSET s fresh
GETDEL s
GET s
SET n 10
INCR n
INCRBY n 32
DECRBY n 2
DECR n
INCR s2
INCRBY n notanumber
SET t text
INCR t
MSET a 1 b 2 c 3
MGET a b c missing
MSETNX a 9 z 9
GET z
SETBIT bits 7 1
SETBIT bits 100 1
GETBIT bits 7
GETBIT bits 8
BITCOUNT bits
BITPOS bits 1
RPUSH l a b c d
LPUSH l z
LRANGE l 0 -1
LRANGE l 1 2
LLEN l
LINDEX l 1
LINDEX l 99
LPOS l c
LINSERT l BEFORE c x
LRANGE l 0 -1
LREM l 1 x
LSET l 0 q
LSET l 99 q
LPOP l
RPOP l 2
LRANGE l 0 -1
LTRIM l 0 0
LRANGE l 0 -1
RPUSHX nolist a
LPUSHX l y
LMOVE l l2 LEFT RIGHT
LRANGE l2 0 -1
LPOP nolist
GET l
LPUSH t x
LLEN t
GET
LRANGE l 0
SET s v EX
INCRBY n 1 2
"""


class FakeSocket:
    """What RespReader reads the harness's output from."""

    def __init__(self, data):
        self.stream = io.BytesIO(data)

    def recv(self, n):
        return self.stream.read(n)


def script_commands():
    return [line.split(" ") for line in SCRIPT.strip().splitlines()]


@unittest.skipUnless(have_module("strings") and have_module("lists") and os.path.exists(REPLAY),
                     "needs strings.so, lists.so and tests/unit/harness_replay")
class HarnessConformanceTest(unittest.TestCase):
    def harness_replies(self, commands):
        text = "".join(" ".join(words) + "\n" for words in commands)
        out = subprocess.run([REPLAY], input=text.encode(), capture_output=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr.decode(errors="replace"))
        reader = RespReader(FakeSocket(out.stdout))
        replies = [reader.reply() for _ in commands]
        self.assertEqual(reader.buf + reader.sock.stream.read(), b"", "the harness wrote more replies")
        return replies

    def server_replies(self, commands):
        with KeelServer(modules=["resp", "strings", "lists"]) as srv:
            sock = srv.raw(timeout=60)
            try:
                reader = RespReader(sock)
                replies = []
                for words in commands:
                    sock.sendall(resp_command(*words))
                    replies.append(reader.reply())
                return replies
            finally:
                sock.close()

    def test_harness_and_server_reply_the_same_bytes(self):
        commands = script_commands()
        harness, server = self.harness_replies(commands), self.server_replies(commands)
        self.assertEqual(len(harness), len(server))
        for words, mine, theirs in zip(commands, harness, server):
            self.assertEqual(mine, theirs, "harness and server differ on %s" % " ".join(words))
        # the script reaches every kind of reply it is meant to compare
        kinds = {reply[:1] for reply in server}
        self.assertEqual(kinds, {b"+", b"-", b":", b"$", b"*"})


if __name__ == "__main__":
    unittest.main()
