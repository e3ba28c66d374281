"""test_namespaces_escape.py -- a client inside a namespace can never reach a parent or a sibling.

A client on a network without admin rights enters namespace p/c and runs every command the
loaded modules offer that takes a key (from COMMAND INFO: strings, lists, sets, hll, maps and
the generic key commands, whatever is built) with names that look like ways out: "..", ".",
"", "/", "\\x00", path-like names, the names of its parent, its sibling and of keys at the top.
Afterwards an admin at the top checks that nothing outside p/c changed (every key, type, value
and whether it has a TTL, in every numbered database), and the client checks that it never saw
anything from outside.  No SELECT leaves a namespace: the client does the same in other
databases, and a client of a network locked to p/c (with admin rights) selects each database,
swaps, flushes, moves and copies, and stays in p/c of whichever database it selected.
"""
import json
import os
import unittest

import redis

from keel_harness import KeelServer, MODULE_DIR, free_port

# Names that would leave the namespace if any of them meant anything but itself.
TRICKY = ["..", ".", "", "/", "\x00", "../top", "../../top", "/top", "./mine", "..\x00..", "a/../b", "a/b",
          "top", "p", "c", "sib", "sib2", "mine", "*", "x" * 600]

# Commands with keys the key spec cannot describe (numkeys first): argument templates, K = key.
MOVABLE = {
    "SINTERCARD": ["2", "K", "K"],
    "LMPOP": ["2", "K", "K", "LEFT"],
    "BLMPOP": ["0.01", "2", "K", "K", "LEFT"],
    "ZUNIONSTORE": ["K", "2", "K", "K"],
    "ZINTERSTORE": ["K", "2", "K", "K"],
}

# Connection and server commands with no key: checked separately (or, for the ones that change
# the connection's namespace, by test_namespaces.py).
KEYLESS_LISTING = [["KEYS", "*"], ["GETALL"], ["VALS"], ["KEYSANDTYPES"], ["KEYSANDEXPIRES"],
                   ["KEYSANDEXPIRES", "NICE"], ["KEYSANDVALS"]]


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def pairs(flat):
    return dict(zip(flat[0::2], flat[1::2]))


def loaded_modules():
    mods = ["resp", "strings", "maps"]
    return mods + [m for m in ("lists", "sets", "hll", "scripting") if have_module(m)]


DATABASES = 16


def snapshot(srv, path=(), db=0):
    """{key: (type, has_ttl, value or nested snapshot)} of namespace path in database db, read by
    an admin."""
    c = srv.client(single_connection_client=True, db=db)
    try:
        if path:
            c.execute_command("NS", *path)
        types = pairs(c.execute_command("KEYSANDTYPES"))
        exps = pairs(c.execute_command("KEYSANDEXPIRES"))
        vals = pairs(c.execute_command("GETALL"))
    finally:
        c.close()
    out = {}
    for k, t in types.items():
        if t == b"hash":
            out[k] = (t, exps.get(k) != -1, snapshot(srv, path + (k,), db))
        else:
            out[k] = (t, exps.get(k) != -1, repr(vals.get(k)))
    return out


def snapshot_all(srv):
    """{db: snapshot} of every database."""
    return {db: snapshot(srv, db=db) for db in range(DATABASES)}


def outside(snap):
    """The snapshot without namespace p/c (the attacker's own)."""
    snap = dict(snap)
    if b"p" not in snap:
        return snap
    t, ttl, p = snap[b"p"]
    p = {k: v for k, v in p.items() if k != b"c"}
    snap[b"p"] = (t, ttl, p)
    return snap


@unittest.skipUnless(have_module("maps") and have_module("strings"), "maps.so or strings.so not built")
class Escapes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.guest_port, cls.locked_port = free_port(), free_port()
        cfg = {"networks": [
            {"name": "admin", "host": "127.0.0.1", "port": 0, "protocol": "resp"},
            {"name": "guest", "host": "127.0.0.1", "port": cls.guest_port, "protocol": "resp",
             "permissions": ["read", "write"]},
            {"name": "locked", "host": "127.0.0.1", "port": cls.locked_port, "protocol": "resp",
             "namespace": "ns p c", "namespace_locked": True},
        ]}
        cls.cfg_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "keel-escape-%d.json" % cls.guest_port)
        with open(cls.cfg_path, "w") as f:
            json.dump(cfg, f)
        cls.srv = KeelServer(threads=2, modules=loaded_modules(), config=cls.cfg_path).start()
        cls.admin = cls.srv.client()
        cls.commands = cls.key_commands()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        os.unlink(cls.cfg_path)

    @classmethod
    def key_commands(cls):
        """(name, arity, first, last, step, blocking) of every command with keys."""
        conn = cls.admin.connection_pool.get_connection("COMMAND")
        try:
            conn.send_command("COMMAND", "LIST")
            names = conn.read_response()
            conn.send_command("COMMAND", "INFO", *names)
            infos = conn.read_response()
        finally:
            cls.admin.connection_pool.release(conn)
        out = []
        for info in infos:
            name, arity, flags, first, last, step = info[:6]
            name = name.decode().upper()
            if first > 0 or name in MOVABLE:
                out.append((name, arity, first, last, step, b"blocking" in flags))
        return out

    def setUp(self):
        a = self.admin
        a.flushall()
        a.mset({"top": "T", "..": "DD", ".": "D", "/": "S", "\x00": "N", "a/b": "AB", "mine": "topmine",
                "c": "topc", "*": "star"})
        a.expire("top", 1000)
        a.hset("sib", mapping={"k": "sib", "mine": "sibmine"})
        p = self.srv.client(single_connection_client=True)
        p.execute_command("NS", "p")
        p.mset({"pk": "P", "..": "PDD", "top": "ptop"})
        p.hset("sib2", mapping={"k": "S2"})
        p.execute_command("NS", "c")
        p.set("mine", "M")
        p.close()
        for db in range(1, DATABASES):   # the other databases: the same names, other values
            d = self.srv.client(single_connection_client=True, db=db)
            d.mset({"top": "T%d" % db, "..": "DD%d" % db, "mine": "topmine%d" % db})
            d.hset("sib", mapping={"k": "sib%d" % db})
            d.execute_command("NS", "p")
            d.mset({"pk": "P%d" % db, "top": "ptop%d" % db})
            if db % 3 == 0:
                d.execute_command("NS", "c")
                d.set("mine", "M%d" % db)
            d.close()
        self.before = snapshot_all(self.srv)

    def attacker(self):
        c = redis.Redis(port=self.guest_port, single_connection_client=True, socket_timeout=30)
        c.execute_command("NS", "p", "c")
        c.response_callbacks.clear()
        return c

    def assert_outside_unchanged(self):
        after = snapshot_all(self.srv)
        for db in range(DATABASES):
            self.assertEqual(outside(after[db]), outside(self.before[db]), "database %d" % db)

    def calls(self, cmd, keys, filler):
        """Argument lists for one command with the given key names."""
        name, arity, first, last, step, blocking = cmd
        if name in MOVABLE:
            it = iter(keys * 4)
            return [[name] + [next(it) if a == "K" else a for a in MOVABLE[name]]]
        n = arity if arity > 0 else max(-arity, (last + 1) if last > 0 else first + 1)
        args = [name] + [filler] * (n - 1)
        end = last if last > 0 else n + last
        it = iter(keys * (n + 1))
        for i in range(first, end + 1, max(step, 1)):
            args[i] = next(it)
        if blocking and args[-1] == filler:
            args[-1] = "0.01"   # a timeout: a blocking command must not wait long
        return [args]

    def run_everything(self, c, names):
        ran = 0
        for cmd in self.commands:
            for filler in ("1", "v"):
                for keys in [[n] for n in names] + [names[i:] + names[:i] for i in range(0, len(names), 5)]:
                    for args in self.calls(cmd, keys, filler):
                        try:
                            c.execute_command(*args)
                        except redis.ResponseError:
                            pass
                        ran += 1
        return ran

    def test_escape_no_command_with_keys_leaves_the_namespace(self):
        c = self.attacker()
        ran = self.run_everything(c, TRICKY)
        self.assertGreater(ran, 1000)
        self.assertGreater(len(self.commands), 20)
        self.assert_outside_unchanged()
        # what the attacker sees of its namespace is exactly what an admin sees there
        inside = snapshot(self.srv, ("p", "c"))
        self.assertEqual(set(c.execute_command("KEYS", "*")), set(inside))
        self.assertEqual(set(pairs(c.execute_command("KEYSANDTYPES"))), set(inside))

    def test_escape_reads_never_see_outside_values(self):
        c = self.attacker()
        for n in TRICKY:
            if n == "mine":
                continue
            self.assertEqual(c.execute_command("EXISTS", n), 0, n)
            self.assertEqual(c.execute_command("TYPE", n), b"none", n)
            self.assertEqual(c.execute_command("TTL", n), -2, n)
            self.assertIsNone(c.execute_command("GET", n), n)
            if n and len(n) <= 512:
                self.assertEqual(c.execute_command("HGETALL", n), [], n)
                self.assertIsNone(c.execute_command("HGET", n, "k"), n)
        self.assertEqual(c.execute_command("GET", "mine"), b"M")
        self.assertEqual(c.execute_command("MGET", *[n for n in TRICKY if n != "mine"]),
                         [None] * (len(TRICKY) - 1))

    def test_escape_keyless_listings_show_only_the_namespace(self):
        c = self.attacker()
        c.execute_command("SET", "..", "inside")
        c.execute_command("HSET", "sib", "f", "inside")
        own = {b"mine", b"..", b"sib"}
        self.assertEqual(set(c.execute_command("KEYS", "*")), own)
        for cmd in KEYLESS_LISTING[1:]:
            got = c.execute_command(*cmd)
            if cmd[0] == "VALS":
                self.assertEqual(sorted(map(repr, got)), sorted(map(repr, [b"M", b"inside", [b"f", b"inside"]])))
            else:
                self.assertEqual(set(got[0::2]), own, cmd)
        seen, cursor = set(), b"0"
        while True:
            cursor, batch = c.execute_command("SCAN", cursor, "COUNT", "1000")
            seen.update(batch)
            if cursor == b"0":
                break
        self.assertEqual(seen, own)
        for _ in range(50):
            self.assertIn(c.execute_command("RANDOMKEY"), own)
        self.assert_outside_unchanged()

    def test_escape_renames_stay_inside(self):
        c = self.attacker()
        for src, dst in [("mine", "../top"), ("mine", ".."), ("..", "mine"), ("mine", "/top"), ("mine", "\x00")]:
            try:
                c.execute_command("RENAME", src, dst)
            except redis.ResponseError:
                pass
        self.assert_outside_unchanged()
        self.assertEqual(len(c.execute_command("KEYS", "*")), 1)

    def test_escape_namespace_commands_cannot_go_up(self):
        c = self.attacker()
        for cmd in (["NSRESET"], ["HSRESET"], ["CSRESET"]):
            with self.assertRaises(redis.ResponseError):
                c.execute_command(*cmd)
        for names in (["..", ".."], ["/"], ["..", "..", "top"], ["\x00"]):
            c.execute_command("NS", *names)
            self.assertEqual(c.execute_command("GET", "top"), None)
            c.execute_command("SET", "top", "written deeper")
        with self.assertRaises(redis.ResponseError):
            c.execute_command("NS", "")
        self.assertEqual(c.execute_command("WHEREAMI")[:2], [b"p", b"c"])
        self.assert_outside_unchanged()

    def test_escape_flushall_inside_a_namespace_flushes_only_it(self):
        c = self.attacker()
        for cmd in ("FLUSHALL", "FLUSHDB"):
            c.execute_command("SET", "more", "1")
            c.execute_command(cmd)
            self.assertEqual(c.execute_command("KEYS", "*"), [], cmd)
            self.assert_outside_unchanged()

    # ---- numbered databases: no SELECT leaves a namespace ----

    def test_escape_no_select_leaves_the_namespace(self):
        c = self.attacker()
        ran = 0
        for db in ("3", "15"):
            c.execute_command("SELECT", db)
            self.assertEqual(c.execute_command("WHEREAMI"), [b"p", b"c"])
            ran += self.run_everything(c, TRICKY[:10])
        self.assertGreater(ran, 500)
        self.assert_outside_unchanged()
        c.execute_command("SELECT", "3")
        self.assertEqual(set(c.execute_command("KEYS", "*")), set(snapshot(self.srv, ("p", "c"), db=3)))

    def test_escape_database_commands_stay_inside(self):
        c = self.attacker()
        for cmd in (["SWAPDB", "0", "3"], ["SWAPDB", "3", "4"], ["MOVE", "mine", "5"], ["MOVE", "..", "1"],
                    ["COPY", "mine", "..", "DB", "6"], ["COPY", "mine", "top", "DB", "7", "REPLACE"],
                    ["COPY", "mine", "../top", "DB", "0"], ["SELECT", "6"], ["FLUSHDB"], ["SELECT", "9"],
                    ["SWAPDB", "9", "12"], ["FLUSHALL", "ASYNC"]):
            try:
                c.execute_command(*cmd)
            except redis.ResponseError:
                pass
        self.assert_outside_unchanged()

    @unittest.skipUnless(have_module("scripting"), "scripting.so not built")
    def test_escape_a_script_select_stays_in_the_locked_namespace(self):
        c = redis.Redis(port=self.locked_port, single_connection_client=True, socket_timeout=30)
        c.response_callbacks.clear()
        script = ("redis.call('SELECT', ARGV[1]) redis.call('SET', 'scripted', ARGV[1]) "
                  "for _, k in ipairs({'top', '..', '../top', 'pk', 'sib'}) do "
                  "  pcall(redis.call, 'SET', k, 'x') pcall(redis.call, 'DEL', k) end "
                  "return redis.call('GET', 'scripted')")
        for db in ("0", "3", "15"):
            self.assertEqual(c.eval(script, 0, db), db.encode())
            self.assertIn(b"scripted", set(snapshot(self.srv, ("p", "c"), db=int(db))))
        self.assertEqual(c.execute_command("WHEREAMI"), [b"p", b"c"])
        self.assert_outside_unchanged()

    def test_escape_a_locked_network_stays_locked_whatever_database_is_selected(self):
        c = redis.Redis(port=self.locked_port, single_connection_client=True, socket_timeout=30)
        c.response_callbacks.clear()
        for db in range(DATABASES):
            self.assertEqual(c.execute_command("SELECT", str(db)), b"OK")
            c.execute_command("NSRESET")   # an admin command here: back to p/c, never above
            self.assertEqual(c.execute_command("WHEREAMI"), [b"p", b"c"])
            c.execute_command("SET", "locked%d" % db, "x")
            own = set(snapshot(self.srv, ("p", "c"), db=db))
            self.assertIn(b"locked%d" % db, own)
            self.assertEqual(set(c.execute_command("KEYS", "*")), own)
            self.assertEqual(c.execute_command("DBSIZE"), len(own))
            self.assertIn(c.execute_command("RANDOMKEY"), own)
            self.assertIsNone(c.execute_command("GET", "top"))
            self.assertEqual(c.execute_command("EXISTS", "pk", "sib", ".."), 0)
        for cmd in (["SWAPDB", "0", "5"], ["SWAPDB", "15", "1"], ["MOVE", "locked15", "3"], ["MOVE", "..", "2"],
                    ["COPY", "locked15", "top", "DB", "4"], ["COPY", "locked15", "..", "DB", "0", "REPLACE"],
                    ["SELECT", "4"], ["FLUSHDB"]):
            try:
                c.execute_command(*cmd)
            except redis.ResponseError:
                pass
        self.assert_outside_unchanged()
        self.assertEqual(set(snapshot(self.srv, ("p", "c"), db=4)), set())
        c.execute_command("FLUSHALL")
        self.assert_outside_unchanged()
        for db in range(DATABASES):
            self.assertEqual(snapshot(self.srv, ("p", "c"), db=db), {}, "FLUSHALL empties p/c in database %d" % db)


if __name__ == "__main__":
    unittest.main()
