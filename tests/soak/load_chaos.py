"""load_chaos.py -- clients that leave badly and clients that send garbage: closes mid-request,
mid-pipeline, mid-way through a huge reply, while blocked, halfway through sending a big value,
half-closes after sending (whose replies must all come back), and malformed or oversized RESP
and memcached input (whose error replies are checked, as is that the server closes or keeps the
connection as it should).  After each, the worker's own control connection must still answer."""
import os
import socket

from worker import Worker, check, want
from wire import Closed, ReplyError, encode

# (payload, expected error reply) -- each makes the server answer the error and close
BAD_RESP = [
    (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length"),
    (b"*2\r\n$3\r\nGET\r\n$abc\r\n", b"-ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$4\r\nPINGxx\r\n", b"-ERR Protocol error: bulk data not followed by CRLF"),
    (b"*2\r\n:3\r\n", b"-ERR Protocol error: expected '$', got ':'"),
    (b'GET "unbalanced\r\n', b"-ERR Protocol error: unbalanced quotes in request"),
    (b"*-5\r\n*1\r\n$" + b"9" * 30 + b"\r\n", b"-ERR Protocol error: invalid bulk length"),
]
OVERSIZED_RESP = [
    (b"*1\r\n$600000000\r\n", b"-ERR Protocol error: invalid bulk length"),    # > proto_max_bulk_len
    (b"*99999999999\r\n", b"-ERR Protocol error: invalid multibulk length"),
    (b"*2000000\r\n", b"-ERR Protocol error: invalid multibulk length"),       # > 1M arguments
    (b"x" * 70000, b"-ERR Protocol error: too big inline request"),            # > 64 KB, no newline
]
# (payload, expected first reply line) -- the connection stays: an "mn" after it answers MN
BAD_MC_KEEP = [
    (b"set chaos 0 0 abc\r\n", b"CLIENT_ERROR bad command line format"),
    (b"bogus command\r\n", b"ERROR"),
    (b"get " + b"k" * 300 + b"\r\n", b"CLIENT_ERROR bad command line format"),
    (b"mg chaos zz\r\n", b"CLIENT_ERROR invalid flag"),
    (b"ms chaos abc\r\n", b"CLIENT_ERROR bad command line format"),
    (b"set chaos:big 0 0 2000000\r\n" + b"x" * 2000000 + b"\r\n", b"SERVER_ERROR object too large for cache"),
]
# (payload, expected reply line) -- the server answers, then closes
BAD_MC_CLOSE = [
    (b"a" * 3000, b"CLIENT_ERROR line too long"),
    (b"set chaos 0 0 5\r\nhelloXX\r\n", b"CLIENT_ERROR bad data chunk"),
]


class Chaos(Worker):
    family = "chaos"

    def __init__(self, ctx, wid):
        super().__init__(ctx, wid)
        self.ops = [(10, self.mid_request), (8, self.mid_pipeline), (6, self.mid_big_reply), (5, self.blocked),
                    (6, self.half_close), (3, self.half_close_blocked), (2, self.mid_big_value),
                    (4, self.memcache_leave), (6, self.bad_resp), (3, self.oversized), (6, self.bad_memcache)]

    def setup(self):
        self.ctl = self.resp()
        self.seq = 0

    def alive(self):
        want(self.ctl.call("PING"), "PONG", "PING after a client left badly")

    def leave(self, c, kind):
        """Closes c (with an RST half of the time) and counts a disconnect of that kind."""
        self.drop(c, reset=self.rng.random() < 0.5)
        self.ctx.tally.disconnect(kind)
        self.alive()

    def some_commands(self, n):
        cmds = []
        for _ in range(n):
            self.seq += 1
            k = self.pfx + "k%d" % self.rng.randrange(100)
            cmds.append(self.rng.choice((["SET", k, "v%d" % self.seq], ["GET", k], ["INCR", self.pfx + "n"],
                                         ["RPUSH", self.pfx + "l", self.seq], ["LRANGE", self.pfx + "l", 0, 50],
                                         ["SADD", self.pfx + "s", self.seq % 1000], ["PING"])))
        if self.rng.random() < 0.3:
            want(self.ctl.call("LTRIM", self.pfx + "l", 0, 100), "OK", "LTRIM")
        return cmds

    # --- clients that leave ------------------------------------------------------------------------
    def mid_request(self):
        c = self.resp()
        data = encode(self.rng.choice(self.some_commands(5)))
        c.sendall(data[:self.rng.randrange(1, len(data))])
        self.leave(c, "mid-request")

    def mid_pipeline(self):
        c = self.resp()
        cmds = self.some_commands(self.rng.randint(50, 400))
        c.send(cmds)
        for _ in range(self.rng.randrange(len(cmds))):
            no_err = c.read()
            check(not isinstance(no_err, ReplyError), "pipelined reply: %r", no_err)
        self.leave(c, "mid-pipeline")

    def mid_big_reply(self):
        big = self.ctx.big
        cmds = [[["LRANGE", big["list"][0], 0, -1]], [["SMEMBERS", big["set"][0]]], [["HGETALL", big["ns"][0]]],
                [["NS", big["ns"][0]], ["KEYS", "*"]], [["NS", big["ns"][0]], ["GETALL"]]]
        c = self.resp()
        c.send(self.rng.choice(cmds))
        want_bytes = self.rng.choice((0, 1, 4096, 65536, 1 << 20))   # each reply is over 1 MB
        got = 0
        while got < want_bytes:
            n = len(c.sock.recv(min(1 << 20, want_bytes - got)))
            check(n > 0, "the server closed during a big reply")
            got += n
        self.leave(c, "mid-big-reply")

    def blocked(self):
        c = self.resp()
        cmd = self.rng.choice((["BLPOP", self.pfx + "empty%d" % self.rng.randrange(50), 0],
                               ["BRPOP", self.pfx + "empty", "e2", 30],
                               ["BLMOVE", self.pfx + "empty", self.pfx + "dst", "LEFT", "RIGHT", 0],
                               ["BLMPOP", 0, 2, self.pfx + "empty", self.pfx + "e3", "LEFT", "COUNT", 3]))
        c.send([cmd])
        self.ctx.stop.wait(self.rng.random() * 0.1)
        self.leave(c, "while-blocked")

    def half_close(self):
        """Sends a pipeline, shuts down its sending side: every reply must come, then EOF."""
        c = self.resp()
        cmds = self.some_commands(self.rng.randint(1, 300))
        c.send(cmds)
        c.sock.shutdown(socket.SHUT_WR)
        replies = []
        try:
            while True:
                replies.append(c.read())
        except Closed:
            pass
        check(len(replies) == len(cmds), "half-closed client got %d replies for %d requests", len(replies), len(cmds))
        check(not any(isinstance(r, ReplyError) for r in replies), "half-closed client: error replies %r",
              [r for r in replies if isinstance(r, ReplyError)][:3])
        self.drop(c)
        self.ctx.tally.disconnect("half-close")
        self.ctx.tally.op(self.family, len(cmds))
        self.alive()

    def half_close_blocked(self):
        """A blocked pop of a client that half-closes ends at once with nil, then EOF (Keel writes
        that nil as $-1 where Redis would write *-1, so both are taken)."""
        c = self.resp()
        c.send([["BLPOP", self.pfx + "hc-empty", 0]])
        self.ctx.stop.wait(self.rng.random() * 0.05)
        c.sock.shutdown(socket.SHUT_WR)
        got = c.read_until_eof()
        check(got in (b"$-1\r\n", b"*-1\r\n"), "a half-closed client's BLPOP: %r", got)
        self.drop(c)
        self.ctx.tally.disconnect("half-close-while-blocked")
        self.alive()

    def mid_big_value(self):
        """Closes halfway through sending a big SET (the server has started taking the argument)."""
        c = self.resp()
        size = self.rng.randint(1 << 20, 6 << 20)
        c.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n" % (len(self.pfx) + 3, (self.pfx + "big").encode(), size))
        c.sendall(os.urandom(self.rng.randrange(size)))
        self.leave(c, "mid-big-value")

    def memcache_leave(self):
        """memcached clients leaving: mid data block, mid pipeline, or half-closing after sets."""
        m = self.memcache("mc")
        kind = self.rng.choice(("mc-mid-request", "mc-mid-pipeline", "mc-half-close"))
        if kind == "mc-mid-request":
            m.sendall(b"set %s 0 0 100000\r\n%s" % ((self.pfx + "m").encode(), b"z" * self.rng.randrange(100000)))
        elif kind == "mc-mid-pipeline":
            m.sendall(b"".join(b"set %sm%d 0 0 3\r\nabc\r\nget %sm%d\r\n" % (self.pfx.encode(), i, self.pfx.encode(), i)
                               for i in range(300)))
            m.readline()
        else:
            n = self.rng.randint(1, 200)
            m.sendall(b"".join(b"set %sh%d 0 0 1\r\nx\r\n" % (self.pfx.encode(), i) for i in range(n)))
            m.sock.shutdown(socket.SHUT_WR)
            want(m.read_until_eof(), b"STORED\r\n" * n, "a half-closed memcached client's replies")
            self.drop(m)
            self.ctx.tally.disconnect(kind)
            return self.alive()
        self.leave(m, kind)

    # --- malformed and oversized input -------------------------------------------------------------
    def closes_with(self, c, payload, expect, kind):
        try:
            c.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the server answered and closed before taking everything
        got = c.read_until_eof()
        check(got == expect + b"\r\n", "%r...: expected %r then EOF, got %r", payload[:40], expect, got[:200])
        self.drop(c)
        self.ctx.tally.bad_input(kind)
        self.ctx.tally.expected(expect.decode().lstrip("-"))
        self.alive()

    def bad_resp(self):
        if self.rng.random() < 0.3:
            # well framed but wrong: the connection stays
            c = self.resp()
            for cmd, prefix in ((["NOSUCHCOMMAND", "x"], "ERR unknown command"), (["GET"], "ERR wrong number"),
                                (["\x00\xff"], "ERR unknown command")):
                err = c.call(*cmd)
                check(isinstance(err, ReplyError) and err.startswith(prefix), "%r: %r", cmd, err)
                self.ctx.tally.expected(prefix)
            want(c.call("PING"), "PONG", "PING after error replies")
            self.drop(c)
            self.ctx.tally.bad_input("bad RESP command")
            return
        payload, expect = self.rng.choice(BAD_RESP)
        self.closes_with(self.resp(), payload, expect, "bad RESP framing")

    def oversized(self):
        payload, expect = self.rng.choice(OVERSIZED_RESP)
        self.closes_with(self.resp(), payload, expect, "oversized RESP")

    def bad_memcache(self):
        if self.rng.random() < 0.25:
            payload, expect = self.rng.choice(BAD_MC_CLOSE)
            return self.closes_with(self.memcache("mc"), payload, expect, "bad memcached line")
        m = self.memcache("mc")
        payload, expect = self.rng.choice(BAD_MC_KEEP)
        want(m.line(payload), expect, "reply to %r" % payload[:40])
        want(m.line(b"mn\r\n"), b"MN", "mn after a bad memcached line")
        self.drop(m)
        self.ctx.tally.bad_input("oversized memcached value" if len(payload) > 4096 else "bad memcached line")
        self.ctx.tally.expected(expect.decode())
