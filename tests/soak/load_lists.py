"""load_lists.py -- soak load of the lists family: pushes and pops checked against a model list,
a big list read whole with LRANGE and trimmed, and blocking pops (woken by a push from another
connection, timing out, or moving with BLMOVE)."""
import time
from collections import deque

from load_strings import wipe
from worker import Worker, check, want


class Lists(Worker):
    family = "lists"

    def __init__(self, ctx, wid, big_len=200000):
        super().__init__(ctx, wid)
        self.big_len = big_len
        self.ops = [(30, self.push), (25, self.pop), (8, self.lrange), (6, self.lindex),
                    (3, self.big_build), (2, self.big_read), (1, self.big_drop)]

    def setup(self):
        self.c = self.resp()
        wipe(self.c, self.pfx + "*")
        self.key = self.pfx + "l"
        self.model = deque()
        self.bigkey = self.pfx + "big"
        self.big = 0
        self.seq = 0

    def elems(self):
        out = []
        for _ in range(self.rng.randint(1, 30)):
            self.seq += 1
            out.append(b"e%d" % self.seq)
        return out

    def push(self):
        es = self.elems()
        if self.rng.random() < 0.5:
            want(self.c.call("RPUSH", self.key, *es), len(self.model) + len(es), "RPUSH")
            self.model.extend(es)
        else:
            want(self.c.call("LPUSH", self.key, *es), len(self.model) + len(es), "LPUSH")
            self.model.extendleft(es)
        if len(self.model) > 3000:
            want(self.c.call("LTRIM", self.key, 0, 999), "OK", "LTRIM")
            self.model = deque(list(self.model)[:1000])
        self.ctx.tally.op(self.family)

    def pop(self):
        n = self.rng.randint(1, 5)
        left = self.rng.random() < 0.5
        got = self.c.call("LPOP" if left else "RPOP", self.key, n)
        exp = [self.model.popleft() if left else self.model.pop() for _ in range(min(n, len(self.model)))]
        want(got, exp or None, "LPOP/RPOP count")
        self.ctx.tally.op(self.family)

    def lrange(self):
        want(self.c.call("LRANGE", self.key, 0, -1), list(self.model), "LRANGE 0 -1")
        want(self.c.call("LLEN", self.key), len(self.model), "LLEN")
        self.ctx.tally.op(self.family, 2)

    def lindex(self):
        if not self.model:
            want(self.c.call("LINDEX", self.key, 0), None, "LINDEX of a missing list")
        else:
            i = self.rng.randrange(-len(self.model), len(self.model))
            want(self.c.call("LINDEX", self.key, i), self.model[i], "LINDEX %d" % i)
        self.ctx.tally.op(self.family)

    def big_build(self):
        """Grows the big list by 20,000 elements (two RPUSHes pipelined) up to big_len."""
        if self.big >= self.big_len:
            return self.big_read()
        cmds = []
        for _ in range(2):
            cmds.append(["RPUSH", self.bigkey] + [b"big:%07d" % (self.big + i) for i in range(10000)])
            self.big += 10000
        replies = self.c.pipeline(cmds)
        want(replies, [self.big - 10000, self.big], "RPUSH to the big list")
        self.ctx.tally.op(self.family, 2)

    def big_read(self):
        got = self.c.call("LRANGE", self.bigkey, 0, -1)
        check(len(got) == self.big, "LRANGE big: %d elements, expected %d", len(got), self.big)
        if self.big:
            want((got[0], got[-1]), (b"big:%07d" % 0, b"big:%07d" % (self.big - 1)), "LRANGE big: ends")
        mid = self.big // 2
        want(self.c.call("LRANGE", self.bigkey, mid, mid), [b"big:%07d" % mid] if self.big else [], "LRANGE mid")
        self.ctx.tally.op(self.family, 2)

    def big_drop(self):
        want(self.c.call(self.rng.choice(("DEL", "UNLINK")), self.bigkey), 1 if self.big else 0, "DEL big list")
        self.big = 0
        self.ctx.tally.op(self.family)


class BlockingLists(Worker):
    """Blocking pops on two connections: one blocks, the other pushes (or nobody does)."""
    family = "lists_blocking"

    def __init__(self, ctx, wid):
        super().__init__(ctx, wid)
        self.ops = [(5, self.woken), (2, self.timeout), (2, self.blmove)]

    def setup(self):
        self.a = self.resp()
        self.b = self.resp()
        wipe(self.b, self.pfx + "*")
        self.seq = 0

    def woken(self):
        q = self.pfx + "q%d" % self.rng.randrange(4)
        self.seq += 1
        v = b"v%d" % self.seq
        cmd = self.rng.choice(("BLPOP", "BRPOP"))
        self.a.send([[cmd, self.pfx + "empty", q, 5]])
        self.ctx.stop.wait(self.rng.random() * 0.05)
        want(self.b.call("RPUSH", q, v), 1, "RPUSH waking a blocked pop")
        t0 = time.monotonic()
        got = self.a.read()
        want(got, [q.encode(), v], cmd + " woken by a push (%.3f s after the push)" % (time.monotonic() - t0))
        self.ctx.tally.op(self.family, 2)

    def timeout(self):
        want(self.a.call("BLPOP", self.pfx + "none", 0.05), None, "BLPOP timing out")
        self.ctx.tally.op(self.family)

    def blmove(self):
        src, dst = self.pfx + "src", self.pfx + "dst"
        self.seq += 1
        v = b"m%d" % self.seq
        self.a.send([["BLMOVE", src, dst, "LEFT", "RIGHT", 5]])
        self.ctx.stop.wait(self.rng.random() * 0.02)
        want(self.b.call("LPUSH", src, v), 1, "LPUSH waking BLMOVE")
        want(self.a.read(), v, "BLMOVE")
        want(self.b.call("RPOP", dst), v, "RPOP of the moved element")
        self.ctx.tally.op(self.family, 3)
