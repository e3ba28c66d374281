"""test_resp_protocol.py -- the RESP wire protocol through plain sockets: inline requests,
pipelining, RESP3 after HELLO 3 and back, HELLO's options and errors, QUIT, huge arguments.
"""
import os
import random
import time
import unittest

from keel_harness import KeelServer, MODULE_DIR


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def modules_for_test():
    return ["resp"] + (["strings"] if have_module("strings") else [])


def multibulk(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Err(str):
    """An error reply's text."""


class Wire:
    """A plain socket with a RESP2/RESP3 reply reader that also keeps each reply's raw bytes."""

    def __init__(self, sock):
        self.s = sock
        self.buf = bytearray()
        self.pos = 0

    def send(self, data):
        self.s.sendall(data)

    def _more(self):
        chunk = self.s.recv(4 << 20)
        if not chunk:
            raise EOFError("the server closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                out = bytes(self.buf[self.pos:i])
                self.pos = i + 2
                return out
            self._more()

    def _bytes(self, n):
        while len(self.buf) - self.pos < n + 2:
            self._more()
        out = bytes(self.buf[self.pos:self.pos + n])
        assert self.buf[self.pos + n:self.pos + n + 2] == b"\r\n", "bulk not followed by CRLF"
        self.pos += n + 2
        return out

    def _value(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest.decode()
        if t == b"-":
            return Err(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            return None if rest == b"-1" else self._bytes(int(rest))
        if t == b"=":
            return self._bytes(int(rest))[4:]          # drop the "txt:" format
        if t == b"*" or t == b"~" or t == b">":
            return None if rest == b"-1" else [self._value() for _ in range(int(rest))]
        if t == b"%":
            return {self._value(): self._value() for _ in range(int(rest))}
        if t == b"_":
            return None
        if t == b",":
            return float(rest)
        if t == b"#":
            return rest == b"t"
        raise AssertionError("unknown reply type in %r" % line)

    def reply(self):
        return self.reply_raw()[0]

    def reply_raw(self):
        """The next reply, parsed, and its exact bytes on the wire."""
        start = self.pos
        value = self._value()
        raw = bytes(self.buf[start:self.pos])
        if self.pos > (1 << 20):
            del self.buf[:self.pos]
            self.pos = 0
        return value, raw

    def call(self, *args):
        self.send(multibulk(*args))
        return self.reply()

    def call_raw(self, *args):
        self.send(multibulk(*args))
        return self.reply_raw()[1]

    def at_eof(self, timeout=5):
        """True when the server has closed the connection (and sent nothing more)."""
        if self.pos < len(self.buf):
            return False
        self.s.settimeout(timeout)
        try:
            return self.s.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self):
        self.s.close()


class RespProtocol(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer("--dialect", "keel", threads=2, modules=modules_for_test()).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def wire(self):
        w = Wire(self.srv.raw(timeout=60))
        self.addCleanup(w.close)
        return w

    def need_strings(self):
        if not have_module("strings"):
            self.skipTest("strings module not built")

    # ---- inline requests ----

    def test_inline_ping_and_echo(self):
        w = self.wire()
        w.send(b"PING\r\n")
        self.assertEqual(w.reply_raw()[1], b"+PONG\r\n")
        w.send(b"ping\n")                       # a bare LF ends a line too
        self.assertEqual(w.reply_raw()[1], b"+PONG\r\n")
        w.send(b"ECHO hello\r\n")
        self.assertEqual(w.reply_raw()[1], b"$5\r\nhello\r\n")
        w.send(b"   ECHO    spaced\t  \r\n")
        self.assertEqual(w.reply(), b"spaced")

    def test_inline_quoted_arguments_and_escapes(self):
        w = self.wire()
        w.send(b'ECHO "a b"\r\n')
        self.assertEqual(w.reply(), b"a b")
        w.send(b'ECHO "x\\x41\\n\\t\\\\\\"y"\r\n')
        self.assertEqual(w.reply(), b'xA\n\t\\"y')
        w.send(b"ECHO 'it\\'s'\r\n")
        self.assertEqual(w.reply(), b"it's")
        w.send(b"ECHO ''\r\n")
        self.assertEqual(w.reply(), b"")
        w.send(b'ECHO "\\xff\\x00z"\r\n')
        self.assertEqual(w.reply(), b"\xff\x00z")

    def test_inline_set_with_quoted_key_and_value(self):
        self.need_strings()
        w = self.wire()
        w.send(b'SET "my key" "my \\"quoted\\" value"\r\n')
        self.assertEqual(w.reply(), "OK")
        w.send(b'GET "my key"\r\n')
        self.assertEqual(w.reply(), b'my "quoted" value')
        self.assertEqual(w.call("GET", "my key"), b'my "quoted" value')
        w.call("DEL", "my key")

    def test_empty_inline_lines_are_ignored(self):
        w = self.wire()
        w.send(b"\r\n\n   \r\nPING\r\n")
        self.assertEqual(w.reply_raw()[1], b"+PONG\r\n")

    def test_inline_and_multibulk_mix_on_one_connection(self):
        w = self.wire()
        w.send(b"PING\r\n" + multibulk("ECHO", "mb") + b"ECHO inl\r\n" + multibulk("PING"))
        self.assertEqual([w.reply() for _ in range(4)], ["PONG", b"mb", b"inl", "PONG"])

    def test_inline_unbalanced_quotes_is_a_protocol_error(self):
        w = self.wire()
        w.send(b'ECHO "abc\r\n')
        self.assertEqual(w.reply(), Err("ERR Protocol error: unbalanced quotes in request"))
        self.assertTrue(w.at_eof())

    # ---- pipelining ----

    def test_pipeline_of_10000_commands_in_one_write_replies_in_order(self):
        w = self.wire()
        n = 10000
        parts = []
        for i in range(n):
            if i % 3 == 0:
                parts.append(b"ECHO inline-%d\r\n" % i)
            elif i % 3 == 1:
                parts.append(multibulk("ECHO", "mb-%d" % i))
            else:
                parts.append(multibulk("PING", "p-%d" % i))
        w.send(b"".join(parts))
        for i in range(n):
            want = [b"inline-%d", b"mb-%d", b"p-%d"][i % 3] % i
            self.assertEqual(w.reply(), want)
        self.assertEqual(w.call("PING"), "PONG")

    def test_pipeline_across_shards_keeps_request_order(self):
        self.need_strings()
        w = self.wire()
        n = 2000
        w.send(b"".join(multibulk("SET", "pipe:%d" % i, "v%d" % i) for i in range(n)))
        self.assertEqual([w.reply() for _ in range(n)], ["OK"] * n)
        w.send(b"".join(multibulk("GET", "pipe:%d" % i) for i in range(n)))
        self.assertEqual([w.reply() for _ in range(n)], [b"v%d" % i for i in range(n)])
        w.send(multibulk("DEL", *["pipe:%d" % i for i in range(n)]))
        self.assertEqual(w.reply(), n)

    def test_a_request_split_into_single_bytes(self):
        w = self.wire()
        data = multibulk("ECHO", "byte by byte") + b"ECHO inline\r\n"
        for i in range(len(data)):
            w.send(data[i:i + 1])
        self.assertEqual(w.reply(), b"byte by byte")
        self.assertEqual(w.reply(), b"inline")

    # ---- RESP3 ----

    def test_hello_3_switches_to_resp3_encodings(self):
        w = self.wire()
        w.send(multibulk("HELLO", "3"))
        hello, raw = w.reply_raw()
        self.assertTrue(raw.startswith(b"%7\r\n"), raw[:20])
        self.assertEqual(hello[b"proto"], 3)
        self.assertEqual(hello[b"server"], b"keel")
        self.assertEqual(hello[b"mode"], b"standalone")
        self.assertEqual(hello[b"role"], b"master")
        self.assertIsInstance(hello[b"id"], int)
        self.assertEqual(hello[b"modules"], [])
        port = str(self.srv.port).encode()
        self.assertEqual(w.call_raw("CONFIG", "GET", "port"), b"%%1\r\n$4\r\nport\r\n$%d\r\n%s\r\n" % (len(port), port))
        self.assertEqual(w.call_raw("CLIENT", "GETNAME"), b"_\r\n")
        info = w.call_raw("CLIENT", "INFO")
        self.assertTrue(info.startswith(b"="), info[:10])
        self.assertIn(b"\r\ntxt:id=", info)
        ping = w.call_raw("COMMAND", "INFO", "ping")
        self.assertTrue(ping.startswith(b"*1\r\n*10\r\n$4\r\nping\r\n:-1\r\n~1\r\n+fast\r\n"), ping)
        mods = w.call_raw("MODULE", "LIST")
        self.assertIn(b"%5\r\n$4\r\nname\r\n", mods)   # map keys are bulk strings, as Redis sends them
        self.assertEqual(w.call_raw("PING"), b"+PONG\r\n")
        self.assertEqual(w.call_raw("ECHO", "x"), b"$1\r\nx\r\n")
        self.assertEqual(w.call_raw("NOSUCH"), b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n")
        if have_module("strings"):
            self.assertEqual(w.call_raw("GET", "resp3:missing"), b"_\r\n")
            w.call("DEL", "resp3:d")
            self.assertEqual(w.call_raw("INCRBY", "resp3:d", "0.25"), b",0.25\r\n")   # a double
            w.call("HELLO", "2")
            self.assertEqual(w.call_raw("INCRBY", "resp3:d", "0.25"), b"$3\r\n0.5\r\n")
            self.assertEqual(w.call_raw("GET", "resp3:missing"), b"$-1\r\n")
            w.call("DEL", "resp3:d")

    def test_randomkey_on_an_empty_keyspace_is_a_resp3_null(self):
        srv = KeelServer("--dialect", "keel", threads=1, modules=["resp"]).start()
        try:
            w = Wire(srv.raw())
            w.call("HELLO", "3")
            self.assertEqual(w.call_raw("RANDOMKEY"), b"_\r\n")
            w.call("HELLO", "2")
            self.assertEqual(w.call_raw("RANDOMKEY"), b"$-1\r\n")
            w.close()
        finally:
            srv.stop()

    def test_hello_2_switches_back(self):
        w = self.wire()
        w.call("HELLO", "3")
        w.send(multibulk("HELLO", "2"))
        hello, raw = w.reply_raw()
        self.assertTrue(raw.startswith(b"*14\r\n"), raw[:10])
        self.assertEqual(hello[hello.index(b"proto") + 1], 2)
        self.assertTrue(w.call_raw("CONFIG", "GET", "port").startswith(b"*2\r\n$4\r\nport\r\n"))
        self.assertEqual(w.call_raw("CLIENT", "GETNAME"), b"$-1\r\n")
        self.assertTrue(w.call_raw("CLIENT", "INFO").startswith(b"$"))

    def test_hello_without_version_describes_the_connection(self):
        w = self.wire()
        w.send(multibulk("HELLO"))
        hello, raw = w.reply_raw()
        self.assertTrue(raw.startswith(b"*14\r\n"))
        self.assertEqual(hello[hello.index(b"proto") + 1], 2)
        w.call("HELLO", "3")
        hello = w.call("HELLO")
        self.assertEqual(hello[b"proto"], 3)

    def test_the_version_switches_exactly_at_hellos_reply_in_a_pipeline(self):
        w = self.wire()
        w.send(multibulk("CLIENT", "GETNAME") + multibulk("HELLO", "3") + multibulk("CLIENT", "GETNAME") +
               multibulk("HELLO", "2") + multibulk("CLIENT", "GETNAME"))
        raws = [w.reply_raw()[1] for _ in range(5)]
        self.assertEqual(raws[0], b"$-1\r\n")
        self.assertTrue(raws[1].startswith(b"%7\r\n"))
        self.assertEqual(raws[2], b"_\r\n")
        self.assertTrue(raws[3].startswith(b"*14\r\n"))
        self.assertEqual(raws[4], b"$-1\r\n")

    def test_hello_errors(self):
        w = self.wire()
        self.assertEqual(w.call("HELLO", "4"), Err("NOPROTO unsupported protocol version"))
        self.assertEqual(w.call("HELLO", "1"), Err("NOPROTO unsupported protocol version"))
        self.assertEqual(w.call("HELLO", "x"), Err("ERR Protocol version is not an integer or out of range"))
        self.assertEqual(w.call("HELLO", "3", "BOGUS"), Err("ERR Syntax error in HELLO option 'BOGUS'"))
        self.assertEqual(w.call("HELLO", "3", "AUTH", "default"), Err("ERR Syntax error in HELLO option 'AUTH'"))
        self.assertEqual(w.call_raw("CLIENT", "GETNAME"), b"$-1\r\n", "a refused HELLO changes nothing")

    def test_hello_auth_and_setname_without_a_password_configured(self):
        w = self.wire()
        hello = w.call("HELLO", "3", "AUTH", "default", "whatever", "SETNAME", "conn-a")
        self.assertEqual(hello[b"proto"], 3)
        self.assertEqual(w.call("CLIENT", "GETNAME"), b"conn-a")
        self.assertEqual(w.call("HELLO", "3", "AUTH", "someone", "pw"),
                         Err("WRONGPASS invalid username-password pair or user is disabled."))
        self.assertEqual(w.call("HELLO", "2", "SETNAME", "bad name"),
                         Err("ERR Client names cannot contain spaces, newlines or special characters."))
        self.assertEqual(w.call("CLIENT", "GETNAME"), b"conn-a")

    # ---- QUIT ----

    def test_quit_replies_ok_and_closes(self):
        w = self.wire()
        w.send(b"QUIT\r\n")
        self.assertEqual(w.reply_raw()[1], b"+OK\r\n")
        self.assertTrue(w.at_eof())

    def test_quit_in_a_pipeline_answers_what_came_before_only(self):
        w = self.wire()
        w.send(multibulk("PING") + multibulk("ECHO", "before") + multibulk("QUIT") + multibulk("ECHO", "after"))
        self.assertEqual(w.reply(), "PONG")
        self.assertEqual(w.reply(), b"before")
        self.assertEqual(w.reply(), "OK")
        self.assertTrue(w.at_eof())

    def test_quit_after_a_reply_bigger_than_the_socket_buffers(self):
        """The connection closes only once the big reply before QUIT is fully written."""
        w = self.wire()
        value = random.Random(8).randbytes(8 << 20)
        w.send(multibulk("ECHO", value) + multibulk("QUIT"))
        watcher = self.srv.client()
        deadline = time.time() + 60
        while not any(e.get("cmd") == "quit" and int(e.get("omem", 0)) > 0 for e in watcher.client_list()):
            self.assertLess(time.time(), deadline, "the reply never waited in the output buffer")
            time.sleep(0.01)
        watcher.close()
        self.assertEqual(w.reply(), value)
        self.assertEqual(w.reply(), "OK")
        self.assertTrue(w.at_eof())

    # ---- big arguments ----

    def test_echo_of_a_16_mb_argument_sent_in_small_chunks(self):
        w = self.wire()
        value = random.Random(16).randbytes(16 << 20)
        data = multibulk("ECHO", value)
        for i in range(0, len(data), 65536):
            w.send(data[i:i + 65536])
        self.assertEqual(w.reply(), value)
        self.assertEqual(w.call("PING"), "PONG")

    def test_set_and_get_a_100_mb_value(self):
        self.need_strings()
        w = self.wire()
        value = random.Random(100).randbytes(100 << 20)
        data = multibulk("SET", "big", value)
        for i in range(0, len(data), 65536):
            w.send(data[i:i + 65536])
        self.assertEqual(w.reply(), "OK")
        got = w.call("GET", "big")
        self.assertEqual(len(got), len(value))
        self.assertTrue(got == value, "the 100 MB value comes back identical")
        self.assertEqual(w.call("DEL", "big"), 1)
        del got, value, data


if __name__ == "__main__":
    unittest.main(verbosity=2)
