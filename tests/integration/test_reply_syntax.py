"""test_reply_syntax.py -- replies as JSON values or Python literals, one per line.

Networks with "reply_syntax": "json" / "python", and REPLY.SYNTAX switching a connection (at its
own reply, however far a pipeline ran ahead).  Every line must parse with json.loads /
ast.literal_eval into the value a RESP client would see: nil -> null/None, integers and doubles ->
numbers, strings -> strings (bytes that are not UTF-8: \\u00XX per byte in JSON, a bytes literal in
Python), arrays -> lists, maps -> objects/dicts, sets -> lists/sets, errors -> {"error": ...}.
"""
import ast
import json
import os
import socket
import unittest

from keel_harness import KeelConfigServer, MODULE_DIR


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def resp_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    """A raw connection that sends RESP commands and reads reply lines."""

    def __init__(self, srv, network):
        self.s = srv.raw(network, timeout=30)
        self.buf = b""

    def send(self, *commands):
        self.s.sendall(b"".join(resp_command(*c) for c in commands))

    def line(self):
        while b"\n" not in self.buf:
            chunk = self.s.recv(1 << 20)
            if not chunk:
                raise EOFError("connection closed with %r unread" % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def raw_bytes(self, n):
        while len(self.buf) < n:
            self.buf += self.s.recv(1 << 20)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def close(self):
        self.s.close()


class ReplySyntax(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        mods = [m for m in ("resp", "strings", "lists", "sets", "maps") if have_module(m)]
        cls.mods = mods
        cls.srv = KeelConfigServer({"modules": mods, "threads": 2, "networks": [
            {"name": "resp", "port": 0, "dialect": "keel"},
            {"name": "json", "port": 0, "reply_syntax": "json", "dialect": "keel"},
            {"name": "python", "port": 0, "reply_syntax": "python", "dialect": "keel"},
            {"name": "explicit", "port": 0, "reply_syntax": "resp", "dialect": "keel"}]}).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.srv.client("resp").flushall()

    def need(self, *modules):
        for m in modules:
            if m not in self.mods:
                self.skipTest(m + " module not built")

    def json_replies(self, *commands, network="json"):
        c = Conn(self.srv, network)
        c.send(*commands)
        out = [json.loads(c.line()) for _ in commands]
        c.close()
        return out

    def python_replies(self, *commands, network="python"):
        c = Conn(self.srv, network)
        c.send(*commands)
        lines = [c.line() for _ in commands]
        c.close()
        return [ast.literal_eval(line.decode()) for line in lines]

    # ---- JSON ----

    def test_json_scalars(self):
        self.need("strings")
        got = self.json_replies(("SET", "k", "41"), ("INCR", "k"), ("GET", "k"), ("GET", "missing"), ("PING",),
                                ("NOSUCH", "x"), ("ECHO", ""))
        self.assertEqual(got[:5], ["OK", 42, "42", None, "PONG"])
        self.assertEqual(got[5], {"error": "ERR unknown command 'NOSUCH', with args beginning with: 'x' "})
        self.assertEqual(got[6], "")

    def test_json_strings_are_escaped_and_bytes_that_are_not_utf8_kept(self):
        self.need("strings")
        value = "quote\" back\\ nl\n tab\t nul\x00 é ✓ 😀".encode() + b" \xff\xfe end"
        got = self.json_replies(("SET", "b", value), ("GET", "b"))
        self.assertEqual(got[1], "quote\" back\\ nl\n tab\t nul\x00 é ✓ 😀 \u00ff\u00fe end")

    def test_json_numbers(self):
        self.need("strings")
        got = self.json_replies(("SET", "f", "1.5"), ("INCRBY", "f", "2.25"), ("INCRBY", "f", "0.25"),
                                ("SET", "u", "18446744073709551614"), ("INCR", "u"), ("SET", "n", "-5"),
                                ("INCRBY", "n", "-10"))
        self.assertEqual(got[1], 3.75)
        self.assertEqual(got[2], 4)
        self.assertEqual(got[4], 18446744073709551615)
        self.assertEqual(got[6], -15)

    def test_json_aggregates(self):
        got = self.json_replies(("CONFIG", "GET", "maxclients"), ("COMMAND", "INFO", "ping"), ("TIME",))
        self.assertEqual(got[0], {"maxclients": "10000"})
        self.assertEqual(got[1][0][0], "ping")
        self.assertIsInstance(got[1][0][2], list)            # flags: a set, written as a list
        self.assertEqual(len(got[2]), 2)

    def test_json_maps_lists_sets_of_the_modules(self):
        self.need("lists", "sets", "maps")
        got = self.json_replies(("HSET", "h", "a", "1", "b", "2"), ("HGETALL", "h"), ("RPUSH", "l", "x", "y"),
                                ("LRANGE", "l", "0", "-1"), ("SADD", "s", "p", "q"), ("SMEMBERS", "s"),
                                ("HGETALL", "none"), ("LRANGE", "none", "0", "-1"), ("SMEMBERS", "none"))
        self.assertEqual(got[1], {"a": "1", "b": "2"})
        self.assertEqual(got[3], ["x", "y"])
        self.assertEqual(sorted(got[5]), ["p", "q"])
        self.assertEqual(got[6:], [{}, [], []])

    def test_json_stats_is_an_object_even_visual(self):
        got = self.json_replies(("STATS", "log"), ("STATS", "log", "process", "VISUAL"))
        self.assertEqual(got[0]["log"]["level"], "notice")
        self.assertEqual(list(got[1]), ["log", "process"])

    def test_json_big_replies_stay_one_valid_line(self):
        self.need("lists")
        r = self.srv.client("resp")
        n = 120000
        p = r.pipeline(transaction=False)
        for i in range(0, n, 1000):
            p.rpush("big", *["v%d" % j for j in range(i, i + 1000)])
        p.execute()
        got = self.json_replies(("LRANGE", "big", "0", "-1"), ("LLEN", "big"), ("LRANGE", "big", "0", "-1"))
        self.assertEqual(len(got[0]), n)
        self.assertEqual(got[0][-1], "v%d" % (n - 1))
        self.assertEqual(got[1], n)
        self.assertEqual(got[2], got[0])

    def test_json_pipeline_order(self):
        self.need("strings")
        cmds = [("SET", "p%d" % i, str(i)) if i % 2 == 0 else ("GET", "p%d" % (i - 1)) for i in range(2000)]
        got = self.json_replies(*cmds)
        self.assertEqual(got[1::2], [str(i) for i in range(0, 2000, 2)])

    # ---- Python ----

    def test_python_literals(self):
        self.need("strings")
        got = self.python_replies(("SET", "k", "7"), ("GET", "k"), ("GET", "missing"), ("INCR", "k"),
                                  ("SET", "f", "2.5"), ("INCRBY", "f", "1.5"), ("SET", "bin", b"\x00\xff'\\"),
                                  ("GET", "bin"), ("SET", "t", "é\n'x'"), ("GET", "t"), ("NOSUCH",),
                                  ("CONFIG", "GET", "maxclients"), ("COMMAND", "INFO", "ping"))
        self.assertEqual(got[:4], ["OK", "7", None, 8])
        self.assertEqual(got[5], 4.0)
        self.assertIsInstance(got[5], float)                  # written 4.0, not 4
        self.assertEqual(got[7], b"\x00\xff'\\")              # not UTF-8: a bytes literal
        self.assertEqual(got[9], "é\n'x'")
        self.assertEqual(got[10]["error"][:27], "ERR unknown command 'NOSUCH")
        self.assertEqual(got[11], {"maxclients": "10000"})
        self.assertIsInstance(got[12][0][2], set)
        stats = self.python_replies(("STATS", "log", "network"))[0]
        self.assertEqual(stats["log"]["level"], "notice")
        self.assertIs(stats["network"]["python"]["namespace_locked"], False)
        self.assertIsNone(stats["network"]["python"]["namespace"])

    def test_python_sets_and_maps(self):
        self.need("sets", "maps")
        got = self.python_replies(("SADD", "s", "a", "b"), ("SMEMBERS", "s"), ("SMEMBERS", "none"),
                                  ("HSET", "h", "f", "v"), ("HGETALL", "h"))
        self.assertEqual(got[1], {"a", "b"})
        self.assertEqual(got[2], set())
        self.assertEqual(got[4], {"f": "v"})

    # ---- switching ----

    def test_reply_syntax_switches_at_its_own_reply(self):
        self.need("strings")
        self.srv.client("resp").set("a", "1")
        c = Conn(self.srv, "json")
        c.send(("GET", "a"), ("REPLY.SYNTAX",), ("REPLY.SYNTAX", "resp"), ("GET", "a"), ("REPLY.SYNTAX", "PYTHON"),
               ("GET", "a"), ("REPLY.SYNTAX", "xml"), ("REPLY.SYNTAX",), ("REPLY.SYNTAX", "json"), ("GET", "a"))
        self.assertEqual(c.line(), b'"1"')
        self.assertEqual(c.line(), b'"json"')
        self.assertEqual(c.line(), b"+resp\r")
        self.assertEqual(c.raw_bytes(7), b"$1\r\n1\r\n")
        self.assertEqual(c.line(), b"'python'")
        self.assertEqual(c.line(), b"'1'")
        self.assertEqual(c.line(), b"""{'error': "ERR unknown reply syntax 'xml' (use resp, json or python)"}""")
        self.assertEqual(c.line(), b"'python'")
        self.assertEqual(c.line(), b'"json"')
        self.assertEqual(c.line(), b'"1"')
        c.close()

    def test_resp_networks_start_in_resp_and_can_switch(self):
        r = self.srv.client("explicit")
        self.assertTrue(r.ping())
        c = Conn(self.srv, "resp")
        c.send(("REPLY.SYNTAX",), ("REPLY.SYNTAX", "json"), ("PING",))
        self.assertEqual(c.line(), b"+resp\r")
        self.assertEqual(c.line(), b'"json"')
        self.assertEqual(c.line(), b'"PONG"')
        c.close()

    def test_hello_3_keeps_the_text_syntax(self):
        got = self.json_replies(("HELLO", "3"), ("CONFIG", "GET", "maxclients"))
        self.assertEqual(got[0]["proto"], 3)
        self.assertEqual(got[1], {"maxclients": "10000"})

    def test_inline_commands_work_for_humans(self):
        s = self.srv.raw("json")
        s.sendall(b"PING\r\nECHO hello\r\n")
        data = b""
        while data.count(b"\n") < 2:
            data += s.recv(100)
        s.close()
        self.assertEqual(data, b'"PONG"\n"hello"\n')


if __name__ == "__main__":
    unittest.main(verbosity=2)
