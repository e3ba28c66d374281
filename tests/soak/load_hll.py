"""load_hll.py -- soak load of HyperLogLogs: PFADD batches whose counts are known, PFCOUNT within
the estimator's error, PFMERGE of several into one."""
from load_strings import wipe
from worker import Worker, check, want

TOLERANCE = 0.05   # HLL's standard error is 0.81%: 5% is over six sigmas, never a false alarm


def near(est, exact, what):
    check(abs(est - exact) <= max(2, TOLERANCE * exact), "%s: estimate %d for %d distinct", what, est, exact)


class Hll(Worker):
    family = "hll"

    def __init__(self, ctx, wid):
        super().__init__(ctx, wid)
        self.ops = [(20, self.pfadd), (8, self.pfcount), (3, self.pfmerge)]

    def setup(self):
        self.c = self.resp()
        wipe(self.c, self.pfx + "*")
        self.names = [self.pfx + "h%d" % i for i in range(3)]
        self.ranges = {k: (0, 0) for k in self.names}   # elements e<lo>..e<hi-1> were added

    def pfadd(self):
        k = self.rng.choice(self.names)
        lo, hi = self.ranges[k]
        if hi - lo > 200000:
            want(self.c.call("DEL", k), 1, "DEL of a full HLL")
            lo = hi = self.rng.randrange(1 << 30)
        n = self.rng.choice((1, 10, 500, 5000))
        start = max(lo, hi - n // 4) if hi > lo else hi   # a quarter of them already there
        reply = self.c.call("PFADD", k, *[b"e%d" % i for i in range(start, hi + n)])
        check(reply in (0, 1), "PFADD: %r", reply)
        self.ranges[k] = (lo if hi > lo else start, hi + n)
        self.ctx.tally.op(self.family)

    def pfcount(self):
        k = self.rng.choice(self.names)
        lo, hi = self.ranges[k]
        near(self.c.call("PFCOUNT", k), hi - lo, "PFCOUNT")
        self.ctx.tally.op(self.family)

    def pfmerge(self):
        dst = self.pfx + "merged"
        reply = self.c.call("PFMERGE", dst, *self.names)
        check(reply == "OK" or isinstance(reply, int), "PFMERGE: %r", reply)
        exact = union_size(self.ranges.values())
        near(self.c.call("PFCOUNT", dst), exact, "PFCOUNT of a merge")
        near(self.c.call("PFCOUNT", *self.names), exact, "PFCOUNT of several")
        want(self.c.call("DEL", dst), 1, "DEL of the merge")
        self.ctx.tally.op(self.family, 4)


def union_size(ranges):
    total, end = 0, None
    for lo, hi in sorted(r for r in ranges if r[1] > r[0]):
        if end is None or lo >= end:
            total += hi - lo
            end = hi
        elif hi > end:
            total += hi - end
            end = hi
    return total
