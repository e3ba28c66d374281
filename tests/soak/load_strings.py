"""load_strings.py -- soak load of the strings family: SET/GET, INCR/INCRBY, APPEND, MSET/MGET,
big values up to a few MB, and deep pipelines, each checked against the worker's model."""
import os

from worker import Worker, check, want


def wipe(c, pattern):
    """Deletes every key matching pattern (the worker's own keys) at the connection's level."""
    keys = c.call("KEYS", pattern)
    for i in range(0, len(keys), 500):
        c.call("DEL", *keys[i:i + 500])


class Strings(Worker):
    family = "strings"

    def __init__(self, ctx, wid, big_max=4 << 20):
        super().__init__(ctx, wid)
        self.big_max = big_max
        self.ops = [(30, self.set_get), (10, self.incr), (8, self.append), (8, self.mset_mget),
                    (2, self.big), (3, self.pipeline), (4, self.strlen)]

    def setup(self):
        self.c = self.resp()
        wipe(self.c, self.pfx + "*")
        self.model = {}
        self.counter = 0

    def value(self):
        n = self.rng.choice((1, 8, 40, 200, 1500, 12000))
        return os.urandom(self.rng.randint(1, n))

    def key(self, n=300):
        return self.pfx + "s%d" % self.rng.randrange(n)

    def set_get(self):
        k, v = self.key(), self.value()
        want(self.c.call("SET", k, v), "OK", "SET")
        self.model[k] = v
        k2 = self.key()
        want(self.c.call("GET", k2), self.model.get(k2), "GET " + k2)
        self.ctx.tally.op(self.family, 2)

    def incr(self):
        k = self.pfx + "ctr"
        by = self.rng.choice((1, 1, 7, -3, 1000003))
        self.counter += by
        if by == 1:
            want(self.c.call("INCR", k), self.counter, "INCR")
        else:
            want(self.c.call("INCRBY", k, by), self.counter, "INCRBY")
        self.ctx.tally.op(self.family)

    def append(self):
        k = self.pfx + "app%d" % self.rng.randrange(8)
        old = self.model.get(k, b"")
        if len(old) > 200000:
            want(self.c.call("DEL", k), 1, "DEL of a long APPEND key")
            old = b""
        add = self.value()
        want(self.c.call("APPEND", k, add), len(old) + len(add), "APPEND")
        self.model[k] = old + add
        if self.rng.random() < 0.2:
            want(self.c.call("GET", k), self.model[k], "GET after APPEND")
        self.ctx.tally.op(self.family)

    def mset_mget(self):
        keys = [self.key() for _ in range(self.rng.randint(1, 40))]
        args = []
        for k in keys:
            v = self.value()
            args += [k, v]
            self.model[k] = v
        want(self.c.call("MSET", *args), "OK", "MSET")
        probe = [self.key() for _ in range(self.rng.randint(1, 60))]
        want(self.c.call("MGET", *probe), [self.model.get(k) for k in probe], "MGET")
        self.ctx.tally.op(self.family, 2)

    def big(self):
        """A value of 256 KB to big_max: set, read back whole and by range, then often deleted."""
        k = self.pfx + "big%d" % self.rng.randrange(3)
        v = os.urandom(self.rng.randint(256 << 10, self.big_max))
        want(self.c.call("SET", k, v), "OK", "SET big")
        got = self.c.call("GET", k)
        check(got == v, "GET big: %d bytes back for %d sent (equal: %s)", len(got or b""), len(v), got == v)
        want(self.c.call("GETRANGE", k, 1000, 1999), v[1000:2000], "GETRANGE of a big value")
        if self.rng.random() < 0.6:
            want(self.c.call(self.rng.choice(("DEL", "UNLINK")), k), 1, "DEL big")
            self.model.pop(k, None)
        else:
            self.model[k] = v
        self.ctx.tally.op(self.family, 3)

    def pipeline(self):
        """100-400 SETs and GETs in one write, every reply checked in order."""
        cmds, expect = [], []
        model = dict(self.model)
        for _ in range(self.rng.randint(100, 400)):
            k = self.key()
            if self.rng.random() < 0.5:
                v = os.urandom(self.rng.randint(1, 64))
                cmds.append(["SET", k, v])
                expect.append("OK")
                model[k] = v
            else:
                cmds.append(["GET", k])
                expect.append(model.get(k))
        replies = self.c.pipeline(cmds)
        self.model = model
        for i, (got, exp) in enumerate(zip(replies, expect)):
            want(got, exp, "pipelined reply %d (%s)" % (i, cmds[i][0]))
        self.ctx.tally.op("pipelined", len(cmds))

    def strlen(self):
        k = self.key()
        want(self.c.call("STRLEN", k), len(self.model.get(k, b"")), "STRLEN")
        self.ctx.tally.op(self.family)
