"""load_memcache.py -- soak load of the memcached protocol: text commands through pymemcache
(set/get/gets/cas/incr/decr/touch/add/append/delete, multi-key gets) and, on a namespace-locked
network, meta commands and pipelined text over a raw socket, with flush_all (which empties only
that namespace)."""
import os

from pymemcache.client.base import Client

from worker import Worker, check, want


class MemcacheText(Worker):
    family = "memcache_text"

    def __init__(self, ctx, wid):
        super().__init__(ctx, wid)
        self.ops = [(30, self.set_get), (8, self.cas), (8, self.counter), (5, self.touch), (6, self.add_append),
                    (6, self.get_many), (5, self.delete)]

    def setup(self):
        host, port = self.ctx.addrs["mc"]
        self.mc = Client((host, port), default_noreply=False, timeout=60, connect_timeout=10)
        for i in range(200):
            self.mc.delete(self.key(i))
        self.model = {}

    def close_all(self):
        super().close_all()
        if getattr(self, "mc", None):
            self.mc.close()

    def key(self, i=None):
        return self.pfx + "k%d" % (self.rng.randrange(200) if i is None else i)

    def value(self):
        return os.urandom(self.rng.choice((1, 10, 100, 3000, 60000)))

    def set_get(self):
        k, v = self.key(), self.value()
        want(self.mc.set(k, v), True, "set")
        self.model[k] = v
        k2 = self.key()
        want(self.mc.get(k2), self.model.get(k2), "get")
        self.ctx.tally.op(self.family, 2)

    def cas(self):
        k = self.key()
        v, token = self.mc.gets(k)
        want(v, self.model.get(k), "gets")
        if v is None:
            want(self.mc.cas(k, b"x", b"1"), None, "cas of a missing key")
            self.ctx.tally.op(self.family, 2)
            return
        nv = self.value()
        want(self.mc.cas(k, nv, token), True, "cas with the current token")
        self.model[k] = nv
        want(self.mc.cas(k, b"stale", token), False, "cas with a stale token")
        self.ctx.tally.op(self.family, 3)

    def counter(self):
        k = self.pfx + "ctr"
        if k not in self.model:
            want(self.mc.set(k, b"10"), True, "set counter")
            self.model[k] = b"10"
        n = int(self.model[k])
        by = self.rng.randint(1, 1000)
        if self.rng.random() < 0.7:
            want(self.mc.incr(k, by), n + by, "incr")
            n += by
        else:
            want(self.mc.decr(k, by), max(0, n - by), "decr")
            n = max(0, n - by)
        self.model[k] = b"%d" % n
        self.ctx.tally.op(self.family)

    def touch(self):
        k = self.key()
        want(self.mc.touch(k, 3600), k in self.model, "touch")
        self.ctx.tally.op(self.family)

    def add_append(self):
        k = self.key()
        v = self.value()
        want(self.mc.add(k, v), k not in self.model, "add")
        self.model.setdefault(k, v)
        tail = os.urandom(20)
        want(self.mc.append(k, tail), True, "append")
        self.model[k] += tail
        self.ctx.tally.op(self.family, 2)

    def get_many(self):
        keys = list({self.key() for _ in range(self.rng.randint(1, 50))})
        want(self.mc.get_many(keys), {k: self.model[k] for k in keys if k in self.model}, "get_many")
        self.ctx.tally.op(self.family)

    def delete(self):
        k = self.key()
        want(self.mc.delete(k), k in self.model, "delete")
        self.model.pop(k, None)
        self.ctx.tally.op(self.family)


class MemcacheMeta(Worker):
    """Meta commands and pipelined text on the locked network 'mclocked' (namespace 'mct')."""
    family = "memcache_meta"

    def __init__(self, ctx, wid):
        super().__init__(ctx, wid)
        self.ops = [(25, self.ms_mg), (6, self.md), (6, self.ma), (6, self.pipelined), (1, self.flush_all)]

    def setup(self):
        self.m = self.memcache("mclocked")
        want(self.m.line(b"flush_all\r\n"), b"OK", "flush_all")
        self.model = {}   # key -> (flags, value)

    def key(self):
        return b"m%d" % self.rng.randrange(300)

    def ms_mg(self):
        k, v = self.key(), os.urandom(self.rng.choice((0, 5, 500, 50000, 500000)))
        flags = self.rng.randrange(1 << 32)
        want(self.m.line(b"ms %s %d F%d T0\r\n%s\r\n" % (k, len(v), flags, v)), b"HD", "ms")
        self.model[k] = (flags, v)
        k2 = self.key()
        head = self.m.line(b"mg %s v f s k\r\n" % k2)
        if k2 not in self.model:
            want(head, b"EN k%s" % k2, "mg of a missing key")   # k comes back on a miss too
        else:
            f2, v2 = self.model[k2]
            want(head, b"VA %d f%d s%d k%s" % (len(v2), f2, len(v2), k2), "mg")
            want(self.m.readexact(len(v2) + 2), v2 + b"\r\n", "mg value")
        self.ctx.tally.op(self.family, 2)

    def md(self):
        k = self.key()
        want(self.m.line(b"md %s\r\n" % k), b"HD" if k in self.model else b"NF", "md")
        self.model.pop(k, None)
        self.ctx.tally.op(self.family)

    def ma(self):
        k = b"n%d" % self.rng.randrange(4)
        if k not in self.model:
            want(self.m.line(b"ma %s\r\n" % k), b"NF", "ma of a missing key")
            want(self.m.line(b"ma %s N0 J5 v\r\n" % k), b"VA 1", "ma autovivify")
            want(self.m.readexact(3), b"5\r\n", "ma value")
            self.model[k] = (0, b"5")
        n = int(self.model[k][1]) + 3
        want(self.m.line(b"ma %s D3 v\r\n" % k), b"VA %d" % len(b"%d" % n), "ma D3")
        want(self.m.readexact(len(b"%d" % n) + 2), b"%d\r\n" % n, "ma value")
        self.model[k] = (0, b"%d" % n)
        self.ctx.tally.op(self.family, 2)

    def pipelined(self):
        """50-200 text sets and gets in one write, then mn: replies checked in order."""
        out, expect, model = [], [], dict(self.model)
        for _ in range(self.rng.randint(50, 200)):
            k = self.key()
            if self.rng.random() < 0.5:
                v = os.urandom(self.rng.randint(0, 100))
                out.append(b"set %s 7 0 %d\r\n%s\r\n" % (k, len(v), v))
                expect.append(("line", b"STORED"))
                model[k] = (7, v)
            else:
                out.append(b"get %s\r\n" % k)
                expect.append(("values", {k: (model[k][0], model[k][1], None)} if k in model else {}))
        out.append(b"mn\r\n")
        self.m.sendall(b"".join(out))
        for i, (kind, exp) in enumerate(expect):
            got = self.m.readline() if kind == "line" else self.m.read_values()
            want(got, exp, "pipelined memcached reply %d" % i)
        want(self.m.readline(), b"MN", "mn")
        self.model = model
        self.ctx.tally.op("pipelined", len(expect) + 1)

    def flush_all(self):
        want(self.m.line(b"flush_all\r\n"), b"OK", "flush_all")
        self.model = {}
        want(self.m.line(b"mg m1 v\r\n"), b"EN", "mg after flush_all")
        self.ctx.tally.op(self.family, 2)
