"""load_keys.py -- soak load of the generic key commands: short TTLs (SET PX, EXPIRE, PEXPIRE,
PERSIST) checked to take effect, DEL/UNLINK of big values of every type (freed lazily), RENAME,
TYPE, and KEYS/SCAN over the worker's persistent keys compared with its model."""
import time

from load_strings import wipe
from worker import Worker, check, want
from wire import ReplyError

EXPIRY_GRACE = 3.0   # seconds after its deadline a key must be gone (generous on a loaded machine)


class Keys(Worker):
    family = "keys"

    def __init__(self, ctx, wid):
        super().__init__(ctx, wid)
        self.ops = [(20, self.ttl_set), (10, self.expire), (10, self.check_expired), (8, self.persistent),
                    (4, self.keys), (4, self.scan), (3, self.big_del), (4, self.rename_type)]

    def setup(self):
        self.c = self.resp()
        wipe(self.c, self.pfx + "*")
        self.persist = set()   # names of persistent keys (prefix pfx + "p:")
        self.dying = []        # (deadline, key): keys given a TTL
        self.seq = 0

    def name(self, kind):
        self.seq += 1
        return self.pfx + "%s:%d" % (kind, self.seq)

    def ttl_set(self):
        k = self.name("e")
        ms = self.rng.randint(10, 400)
        want(self.c.call("SET", k, "x", "PX", ms), "OK", "SET PX")
        self.dying.append((time.monotonic() + ms / 1000, k))
        self.ctx.tally.op(self.family)

    def expire(self):
        """A list or set given a TTL with EXPIRE/PEXPIRE; sometimes PERSISTed again."""
        k = self.name("x")
        if self.rng.random() < 0.5:
            want(self.c.call("RPUSH", k, *range(50)), 50, "RPUSH")
        else:
            want(self.c.call("SADD", k, *range(50)), 50, "SADD")
        if self.rng.random() < 0.5:
            want(self.c.call("EXPIRE", k, 1), 1, "EXPIRE")
            deadline = 1.0
        else:
            want(self.c.call("PEXPIRE", k, 200), 1, "PEXPIRE")
            deadline = 0.2
        if self.rng.random() < 0.2:
            want(self.c.call("PERSIST", k), 1, "PERSIST")
            want(self.c.call("TTL", k), -1, "TTL after PERSIST")
            want(self.c.call("DEL", k), 1, "DEL of a persisted key")
        else:
            self.dying.append((time.monotonic() + deadline, k))
        self.ctx.tally.op(self.family, 3)

    def check_expired(self):
        now = time.monotonic()
        due = [k for d, k in self.dying if d + EXPIRY_GRACE < now]
        self.dying = [(d, k) for d, k in self.dying if d + EXPIRY_GRACE >= now]
        for i in range(0, len(due), 100):
            want(self.c.call("EXISTS", *due[i:i + 100]), 0, "EXISTS of keys past their TTL")
        self.ctx.tally.op(self.family)

    def persistent(self):
        if len(self.persist) > 400 or (self.persist and self.rng.random() < 0.3):
            k = self.rng.choice(sorted(self.persist))
            want(self.c.call(self.rng.choice(("DEL", "UNLINK")), k), 1, "DEL of a persistent key")
            self.persist.discard(k)
        else:
            k = self.name("p")
            want(self.c.call("SET", k, "v"), "OK", "SET")
            self.persist.add(k)
        self.ctx.tally.op(self.family)

    def keys(self):
        got = self.c.call("KEYS", self.pfx + "p:*")
        want({k.decode() for k in got}, self.persist, "KEYS of the persistent keys")
        check(len(got) == len(self.persist), "KEYS repeats a key: %d for %d", len(got), len(self.persist))
        self.ctx.tally.op(self.family)

    def scan(self):
        seen, cursor, calls = set(), b"0", 0
        while True:
            count = self.rng.choice((10, 100, 1000))
            cursor, page = self.c.call("SCAN", cursor, "MATCH", self.pfx + "p:*", "COUNT", count)
            seen.update(k.decode() for k in page)
            calls += 1
            if cursor == b"0":
                break
        want(seen, self.persist, "SCAN of the persistent keys")
        self.ctx.tally.op(self.family, calls)

    def big_del(self):
        """A big list, set, namespace or string, deleted at once (its memory freed lazily)."""
        k = self.name("big")
        kind = self.rng.choice(("list", "set", "ns", "string"))
        n = 100000
        if kind == "list":
            replies = self.c.pipeline([["RPUSH", k] + list(range(i, i + 10000)) for i in range(0, n, 10000)])
        elif kind == "set":
            replies = self.c.pipeline([["SADD", k] + list(range(i, i + 10000)) for i in range(0, n, 10000)])
        elif kind == "ns":
            replies = self.c.pipeline([["HSET", k] + [x for j in range(i, i + 5000) for x in ("f%d" % j, j)]
                                      for i in range(0, n, 5000)])
        else:
            replies = [self.c.call("SET", k, b"s" * (3 << 20))]
        check(not any(isinstance(r, ReplyError) for r in replies), "building a big %s: %r", kind, replies)
        want(self.c.call("TYPE", k), {"ns": "hash"}.get(kind, kind), "TYPE of a big value")
        want(self.c.call(self.rng.choice(("DEL", "UNLINK")), k), 1, "DEL/UNLINK of a big " + kind)
        want(self.c.call("EXISTS", k), 0, "EXISTS after DEL")
        self.ctx.tally.op(self.family, 14)

    def rename_type(self):
        if not self.persist:
            return
        a = self.rng.choice(sorted(self.persist))
        b = self.name("p")
        want(self.c.call("RENAME", a, b), "OK", "RENAME")
        want(self.c.call("TYPE", b), "string", "TYPE after RENAME")
        want(self.c.call("EXISTS", a), 0, "EXISTS of the old name")
        self.persist.discard(a)
        self.persist.add(b)
        self.ctx.tally.op(self.family, 3)
