"""load_maps.py -- soak load of hashes and namespaces: HSET/HDEL/HGETALL against a model, a nested
namespace tree built with NS paths and read whole with GETALL, RENAME of namespaces (whole, and
spread over the shards by HS), CS placement, namespaces at the depth limit on a locked tenant
network, and HGETALL of the big shared namespace."""
from load_strings import wipe
from worker import Worker, check, want
from wire import ReplyError

DEPTH_MAX = 16   # KEEL_NS_DEPTH_MAX: names a path may hold


def tree(reply):
    """A GETALL/HGETALL reply (RESP2: flat arrays, nested namespaces as nested arrays) as a dict."""
    check(isinstance(reply, list) and len(reply) % 2 == 0, "expected a flat map, got %r", reply)
    return {reply[i]: tree(reply[i + 1]) if isinstance(reply[i + 1], list) else reply[i + 1]
            for i in range(0, len(reply), 2)}


class Maps(Worker):
    family = "maps"

    def __init__(self, ctx, wid):
        super().__init__(ctx, wid)
        self.ops = [(25, self.hset), (8, self.hdel), (8, self.hgetall), (12, self.ns_set), (4, self.ns_getall),
                    (3, self.ns_del), (3, self.rename_map), (2, self.rename_tree), (2, self.spread),
                    (2, self.customspace), (2, self.depth), (1, self.big_hgetall)]

    def setup(self):
        self.c = self.resp()
        self.n = self.resp()   # the connection that moves around namespaces
        wipe(self.c, self.pfx + "*")
        self.maps = {self.pfx + "h%d" % i: {} for i in range(4)}
        self.root = self.pfx + "t"
        self.tree = {}
        self.seq = 0

    def val(self):
        self.seq += 1
        return b"v%d" % self.seq

    # --- hashes ------------------------------------------------------------------------------------
    def hset(self):
        k = self.rng.choice(list(self.maps))
        m = self.maps[k]
        fields = {b"f%d" % self.rng.randrange(500): self.val() for _ in range(self.rng.randint(1, 20))}
        args = [x for kv in fields.items() for x in kv]
        want(self.c.call("HSET", k, *args), len(set(fields) - set(m)), "HSET")
        m.update(fields)
        if self.rng.random() < 0.2:
            want(self.c.call("HINCRBY", k, "n", 5), int(m.get(b"n", b"0")) + 5, "HINCRBY")
            m[b"n"] = b"%d" % (int(m.get(b"n", b"0")) + 5)
        self.ctx.tally.op(self.family)

    def hdel(self):
        k = self.rng.choice(list(self.maps))
        m = self.maps[k]
        fs = {b"f%d" % self.rng.randrange(500) for _ in range(self.rng.randint(1, 30))}
        want(self.c.call("HDEL", k, *fs), len(fs & set(m)), "HDEL")
        for f in fs:
            m.pop(f, None)
        self.ctx.tally.op(self.family)

    def hgetall(self):
        k = self.rng.choice(list(self.maps))
        want(tree(self.c.call("HGETALL", k)), self.maps[k], "HGETALL")
        want(self.c.call("HLEN", k), len(self.maps[k]), "HLEN")
        self.ctx.tally.op(self.family, 2)

    # --- a nested namespace tree -------------------------------------------------------------------
    def path(self):
        return [self.rng.choice((b"a", b"b", b"c")) for _ in range(self.rng.randint(0, 3))]

    def enter(self, names):
        want(self.n.call("NSRESET"), "OK", "NSRESET")
        if names:
            want(self.n.call("NS", *names), "OK", "NS")

    def node(self, names, create):
        """The model's dict for the namespace at names below the root (None if it is missing)."""
        d = self.tree
        for name in names:
            if not isinstance(d.get(name), dict):
                if not create:
                    return None
                d[name] = {}
            d = d[name]
        return d

    def ns_set(self):
        names = self.path()
        key = b"k%d" % self.rng.randrange(20)
        d = self.node(names, create=True)
        if isinstance(d.get(key), dict):
            return   # a namespace lives under that name: leave it
        self.enter([self.root] + names)
        v = self.val()
        want(self.n.call("SET", key, v), "OK", "SET inside a namespace")
        d[key] = v
        want(self.n.call("GET", key), v, "GET inside a namespace")
        self.ctx.tally.op(self.family, 2)

    def ns_getall(self):
        self.enter([self.root])
        want(tree(self.n.call("GETALL")), self.tree, "GETALL of the tree")
        types = tree(self.n.call("KEYSANDTYPES"))
        want(types, {k: "hash" if isinstance(v, dict) else "string" for k, v in self.tree.items()}, "KEYSANDTYPES")
        self.ctx.tally.op(self.family, 2)

    def ns_del(self):
        names = self.path()
        if not names:
            return
        parent = self.node(names[:-1], create=False)
        # never empty a namespace: what an emptied one looks like (invisible itself, its parent
        # a hash of no fields that still exists) is not settled, so the model does not go there
        if parent is None or not any(isinstance(v, bytes) for v in parent.values()):
            return
        self.enter([self.root] + names[:-1])
        want(self.n.call("DEL", names[-1]), 1 if names[-1] in parent else 0, "DEL of a nested namespace")
        parent.pop(names[-1], None)
        self.ctx.tally.op(self.family)

    def rename_tree(self):
        """Renames the whole tree away and back (from the top, where it is one key)."""
        if not self.tree:
            return
        other = self.pfx + "t2"
        want(self.c.call("RENAME", self.root, other), "OK", "RENAME of a namespace tree")
        want(self.c.call("EXISTS", self.root), 0, "EXISTS of the renamed tree")
        want(tree(self.c.call("HGETALL", other)), self.tree, "HGETALL of the renamed tree")
        want(self.c.call("RENAME", other, self.root), "OK", "RENAME back")
        self.ctx.tally.op(self.family, 4)

    def rename_map(self):
        a, b = self.rng.sample(list(self.maps), 2)
        if not self.maps[a]:
            return
        want(self.c.call("RENAME", a, b), "OK", "RENAME of a map")
        self.maps[b], self.maps[a] = self.maps[a], {}
        want(self.c.call("EXISTS", a), 0, "EXISTS of the renamed map")
        self.ctx.tally.op(self.family, 2)

    # --- placement modes ---------------------------------------------------------------------------
    def spread(self):
        """A namespace spread by HS over every shard, renamed from its parent, read, deleted."""
        sp, sp2 = self.pfx + "sp", self.pfx + "sp2"
        want(self.n.call("HSRESET"), "OK", "HSRESET")
        want(self.n.call("HS", sp), "OK", "HS")
        model = {b"k%d" % i: self.val() for i in range(self.rng.randint(1, 60))}
        want(self.n.call("MSET", *[x for kv in model.items() for x in kv]), "OK", "MSET in a spread namespace")
        want(self.c.call("RENAME", sp, sp2), "OK", "RENAME of a spread namespace")
        want(self.n.call("HSRESET"), "OK", "HSRESET")
        want(self.n.call("HS", sp2), "OK", "HS into the renamed namespace")
        want(tree(self.n.call("GETALL")), model, "GETALL of a renamed spread namespace")
        want(self.n.call("HSRESET"), "OK", "HSRESET")
        want(self.c.call("DEL", sp2), 1, "DEL of a spread namespace")
        want(self.c.call("EXISTS", sp, sp2), 0, "EXISTS after DEL of a spread namespace")
        self.ctx.tally.op(self.family, 8)

    def customspace(self):
        org = self.pfx + "org"
        want(self.n.call("CSRESET"), "OK", "CSRESET")
        want(self.n.call("CS", 2, org, "team"), "OK", "CS 2")
        model = {b"k%d" % i: self.val() for i in range(self.rng.randint(1, 30))}
        want(self.n.call("MSET", *[x for kv in model.items() for x in kv]), "OK", "MSET in a CS namespace")
        want(tree(self.n.call("GETALL")), model, "GETALL of a CS namespace")
        want(self.n.call("CSRESET"), "OK", "CSRESET")
        want(self.c.call("DEL", org), 1, "DEL of a CS-placed namespace")
        want(self.c.call("EXISTS", org), 0, "EXISTS after DEL of a CS-placed namespace")
        self.ctx.tally.op(self.family, 6)

    # --- the depth limit on a locked tenant network (one name deep already) ------------------------
    def depth(self):
        t = self.resp("tenant")
        base = self.pfx + "d"
        names = [base] + ["l%d" % i for i in range(2, DEPTH_MAX)]   # 15 names below "tenant"
        want(t.call("NS", *names), "OK", "NS to the depth limit")
        want(len(t.call("WHEREAMI")), DEPTH_MAX, "WHEREAMI at the depth limit")
        v = self.val()
        want(t.call("SET", "leaf", v), "OK", "SET at the depth limit")
        want(t.call("GET", "leaf"), v, "GET at the depth limit")
        for cmd in (["NS", "deeper"], ["HSET", "m", "f", "v"]):
            err = t.call(*cmd)
            check(isinstance(err, ReplyError) and "nesting is limited to 16 levels" in err,
                  "%s past the depth limit: %r", cmd[0], err)
            self.ctx.tally.expected("namespace depth limit")
        self.drop(t)
        t = self.resp("tenant")
        want(t.call("NS", base), "OK", "NS")
        got = tree(t.call("GETALL"))
        for name in names[1:-1]:
            check(list(got) == [name.encode()], "GETALL of a deep tree: %r", got)
            got = got[name.encode()]
        want(got, {names[-1].encode(): {b"leaf": v}}, "GETALL at the bottom of a deep tree")
        want(t.call("NSRESET"), ReplyError("NOPERM this network does not allow the 'nsreset' command "
                                           "(it needs the admin permission)"), "NSRESET on a tenant network")
        self.ctx.tally.expected("NOPERM")
        self.drop(t)
        t = self.resp("tenant")
        want(t.call("DEL", base), 1, "DEL of a deep tree")
        self.drop(t)
        self.ctx.tally.op(self.family, 9)

    def big_hgetall(self):
        name, n = self.ctx.big["ns"]
        got = self.c.call("HGETALL", name)
        check(isinstance(got, list) and len(got) == 2 * n, "HGETALL of the big namespace: %d items for %d fields",
              len(got) if isinstance(got, list) else -1, n)
        want(self.c.call("HLEN", name), n, "HLEN of the big namespace")
        self.ctx.tally.op(self.family, 2)
