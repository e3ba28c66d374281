"""load_sets.py -- soak load of the sets family: SADD/SREM on small sets checked against Python
sets, SINTER/SUNIONSTORE/SDIFF between them, and a big set (SMEMBERS whole, intersections and
unions with it stored and deleted)."""
from load_strings import wipe
from worker import Worker, check, want


def as_set(reply):
    check(isinstance(reply, list), "expected an array, got %r", reply)
    return set(reply)


class Sets(Worker):
    family = "sets"

    def __init__(self, ctx, wid, big_card=100000):
        super().__init__(ctx, wid)
        self.big_card = big_card
        self.ops = [(30, self.sadd), (10, self.srem), (8, self.algebra), (6, self.members_op),
                    (2, self.big_build), (2, self.big_ops), (1, self.big_drop)]

    def setup(self):
        self.c = self.resp()
        wipe(self.c, self.pfx + "*")
        self.names = [self.pfx + "s%d" % i for i in range(4)]
        self.model = {k: set() for k in self.names}
        self.bigkey = self.pfx + "big"
        self.big = 0

    def members(self, n):
        # integers and text, so both the integer and the string encodings are used
        out = set()
        for _ in range(n):
            x = self.rng.randrange(3000)
            out.add(b"%d" % x if self.rng.random() < 0.5 else b"m%d" % x)
        return out

    def sadd(self):
        k = self.rng.choice(self.names)
        ms = self.members(self.rng.randint(1, 40))
        want(self.c.call("SADD", k, *ms), len(ms - self.model[k]), "SADD")
        self.model[k] |= ms
        if len(self.model[k]) > 2500:
            want(self.c.call("DEL", k), 1, "DEL of a full small set")
            self.model[k] = set()
        self.ctx.tally.op(self.family)

    def srem(self):
        k = self.rng.choice(self.names)
        ms = self.members(self.rng.randint(1, 60))
        want(self.c.call("SREM", k, *ms), len(ms & self.model[k]), "SREM")
        self.model[k] -= ms
        self.ctx.tally.op(self.family)

    def algebra(self):
        a, b = self.rng.sample(self.names, 2)
        ma, mb = self.model[a], self.model[b]
        want(as_set(self.c.call("SINTER", a, b)), ma & mb, "SINTER")
        want(as_set(self.c.call("SDIFF", a, b)), ma - mb, "SDIFF")
        dst = self.pfx + "u"
        want(self.c.call("SUNIONSTORE", dst, a, b), len(ma | mb), "SUNIONSTORE")
        want(self.c.call("SCARD", dst), len(ma | mb), "SCARD of the union")
        self.ctx.tally.op(self.family, 4)

    def members_op(self):
        k = self.rng.choice(self.names)
        want(as_set(self.c.call("SMEMBERS", k)), self.model[k], "SMEMBERS")
        self.ctx.tally.op(self.family)

    def big_build(self):
        """Grows the big set by 20,000 members (pipelined SADDs) up to big_card."""
        if self.big >= self.big_card:
            return self.big_ops()
        cmds = []
        for _ in range(2):
            cmds.append(["SADD", self.bigkey] + [b"%d" % (self.big + i) for i in range(10000)])
            self.big += 10000
        want(self.c.pipeline(cmds), [10000, 10000], "SADD to the big set")
        self.ctx.tally.op(self.family, 2)

    def big_ops(self):
        if not self.big:
            return self.big_build()
        got = self.c.call("SMEMBERS", self.bigkey)
        check(len(got) == self.big and len(set(got)) == self.big, "SMEMBERS big: %d (%d distinct), expected %d",
              len(got), len(set(got)), self.big)
        small = self.rng.choice(self.names)
        ints = {m for m in self.model[small] if not m.startswith(b"m") and int(m) < self.big}
        want(as_set(self.c.call("SINTER", self.bigkey, small)), ints, "SINTER big small")
        dst = self.pfx + "bigu"
        want(self.c.call("SUNIONSTORE", dst, self.bigkey, small), self.big + len(self.model[small]) - len(ints),
             "SUNIONSTORE big small")
        want(self.c.call(self.rng.choice(("DEL", "UNLINK")), dst), 1, "DEL of the stored union")
        self.ctx.tally.op(self.family, 4)

    def big_drop(self):
        want(self.c.call("DEL", self.bigkey), 1 if self.big else 0, "DEL big set")
        self.big = 0
        self.ctx.tally.op(self.family)
