"""test_networks_permissions.py -- every command family on every permission set.

One server with a network per permission set; each command of each family (strings, lists, sets,
hll, maps when their modules are built, generic keys, server, connection, memcached) is sent on
each network, and the answer must be a NOPERM refusal exactly when the network lacks what the
command needs:
    read commands   need read or write      write commands  need write
    stats commands  need stats or admin     admin commands  need admin
    connection commands (PING, ECHO, HELLO, AUTH, QUIT, RESET, CLIENT, SELF, TIME ...) need nothing,
    but CLIENT KILL, PAUSE and UNPAUSE need admin; PUBLISH writes, the subscribing commands and
    PUBSUB read; FUNCTION LOAD, DELETE, FLUSH (and RESTORE) write.
(Networks locked to a namespace are test_tenant_isolation.py's.)
"""
import os
import socket
import unittest

import redis

from keel_harness import KeelConfigServer, MODULE_DIR

PERMISSION_SETS = {
    "none": [], "read": ["read"], "write": ["write"], "rw": ["read", "write"], "stats": ["stats"],
    "admin": ["admin"], "adminstats": ["admin", "stats"], "all": ["read", "write", "admin", "stats"],
}

# (module or None for the core, class, command ...)
COMMANDS = [
    ("strings", "read", "GET", "s:k"), ("strings", "read", "MGET", "s:k", "s:j"), ("strings", "read", "STRLEN", "s:k"),
    ("strings", "read", "GETRANGE", "s:k", "0", "1"), ("strings", "write", "SET", "s:k", "v"),
    ("strings", "write", "INCR", "s:n"), ("strings", "write", "APPEND", "s:k", "x"),
    ("strings", "write", "MSET", "s:a", "1", "s:b", "2"), ("strings", "write", "GETDEL", "s:gone"),
    ("lists", "write", "LPUSH", "l:k", "a"), ("lists", "write", "RPOP", "l:k"), ("lists", "read", "LRANGE", "l:k", "0", "-1"),
    ("lists", "read", "LLEN", "l:k"), ("lists", "read", "LINDEX", "l:k", "0"),
    ("sets", "write", "SADD", "t:k", "a"), ("sets", "write", "SREM", "t:k", "b"), ("sets", "read", "SMEMBERS", "t:k"),
    ("sets", "read", "SISMEMBER", "t:k", "a"), ("sets", "read", "SCARD", "t:k"),
    ("hll", "write", "PFADD", "h:k", "a"), ("hll", "read", "PFCOUNT", "h:k"), ("hll", "write", "PFMERGE", "h:m", "h:k"),
    ("maps", "write", "HSET", "m:k", "f", "v"), ("maps", "read", "HGET", "m:k", "f"), ("maps", "read", "HGETALL", "m:k"),
    ("maps", "write", "HDEL", "m:k", "g"), ("maps", "read", "HLEN", "m:k"), ("maps", "admin", "NSRESET"),
    ("maps", "free", "WHEREAMI"),
    (None, "write", "DEL", "g:k"), (None, "read", "EXISTS", "g:k"), (None, "read", "TYPE", "g:k"),
    (None, "write", "EXPIRE", "g:k", "100"), (None, "read", "TTL", "g:k"), (None, "write", "PERSIST", "g:k"),
    (None, "read", "KEYS", "g:*"), (None, "read", "SCAN", "0"), (None, "read", "RANDOMKEY"),
    (None, "write", "RENAME", "g:k", "g:j"), (None, "write", "UNLINK", "g:k"), (None, "read", "DBSIZE"),
    (None, "write", "FLUSHALL"),
    (None, "stats", "INFO"), (None, "stats", "STATS", "process"), (None, "stats", "CONFIG", "GET", "maxclients"),
    (None, "admin", "CONFIG", "SET", "loglevel", "notice"), (None, "admin", "MODULE", "LIST"),
    (None, "admin", "DEBUG", "ZVM", "EXPLAIN", "GET", "k"), (None, "admin", "ADMIN", "LOGLEVEL"),
    (None, "admin", "ADMIN", "TLS", "RELOAD"), (None, "admin", "SHUTDOWN"),
    (None, "free", "PING"), (None, "free", "ECHO", "x"), (None, "free", "TIME"), (None, "free", "CLIENT", "ID"),
    (None, "free", "SELF", "STATS"), (None, "free", "HELLO"), (None, "free", "REPLY.SYNTAX"),
    (None, "free", "COMMAND", "COUNT"), (None, "free", "SELECT", "0"), (None, "free", "RESET"),
    (None, "admin", "CLIENT", "KILL", "ID", "999999"), (None, "admin", "CLIENT", "PAUSE", "0", "WRITE"),
    (None, "admin", "CLIENT", "UNPAUSE"), (None, "free", "CLIENT", "LIST"),
    (None, "free", "CLIENT", "UNBLOCK", "999999"),
    ("pubsub", "write", "PUBLISH", "c", "m"), ("pubsub", "write", "SPUBLISH", "c", "m"),
    ("pubsub", "read", "PUBSUB", "NUMPAT"), ("pubsub", "read", "PUBSUB", "CHANNELS"),
    ("pubsub", "read", "UNSUBSCRIBE", "c"), ("pubsub", "read", "PUNSUBSCRIBE"),
    # functions change server state as Redis's @write commands; the script cache does not
    ("scripting", "write", "FUNCTION", "DELETE", "nolib"), ("scripting", "write", "FUNCTION", "FLUSH"),
    ("scripting", "write", "FUNCTION", "LOAD", "#!lua name=permlib\nredis.register_function('pf', function() return 1 end)"),
    ("scripting", "free", "FUNCTION", "LIST"), ("scripting", "free", "FUNCTION", "STATS"),
    ("scripting", "free", "SCRIPT", "FLUSH"), ("scripting", "free", "SCRIPT", "EXISTS", "abc"),
]

# memcached text commands: (class, request bytes)
MC_COMMANDS = [
    ("read", b"get mk\r\n"), ("read", b"gets mk\r\n"), ("write", b"set mk 0 0 1\r\nx\r\n"),
    ("write", b"add mj 0 0 1\r\nx\r\n"), ("write", b"delete mq\r\n"), ("write", b"incr mn 1\r\n"),
    ("write", b"touch mk 10\r\n"), ("read", b"mg mk v\r\n"), ("write", b"ms mk 1\r\nx\r\n"),
    ("stats", b"stats\r\n"), ("write", b"flush_all\r\n"),
]
MC_SETS = ["none", "read", "write", "rw", "stats", "all"]


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def needs(cls, perms):
    """Whether a network with perms may run a command of class cls."""
    return {"free": True, "read": "read" in perms or "write" in perms, "write": "write" in perms,
            "stats": "stats" in perms or "admin" in perms, "admin": "admin" in perms}[cls]


class PermissionMatrix(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.modules = [m for m in ("resp", "memcache", "mcitems", "strings", "lists", "sets", "hll", "maps", "pubsub",
                                   "scripting")
                       if have_module(m)]
        nets = [{"name": name, "port": 0, "permissions": perms} for name, perms in PERMISSION_SETS.items()]
        if "memcache" in cls.modules:
            nets += [{"name": "mc-" + name, "port": 0, "protocol": "memcache", "permissions": PERMISSION_SETS[name]}
                     for name in MC_SETS]
        cls.srv = KeelConfigServer({"modules": cls.modules, "threads": 2, "networks": nets}).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def refusal(self, r, cmd):
        """The NOPERM message for cmd, or None when the network let it run."""
        try:
            r.execute_command(*cmd)
        except redis.ResponseError as e:
            return str(e) if "this network does not allow" in str(e) else None
        return None

    def check_family(self, family):
        if family and family not in self.modules:
            self.skipTest(family + " module not built")
        ran = 0
        for net, perms in PERMISSION_SETS.items():
            r = self.srv.client(net)
            r.response_callbacks.clear()
            for module, cls, *cmd in COMMANDS:
                if module != family:
                    continue
                allowed = needs(cls, perms)
                if allowed and cmd[0] == "SHUTDOWN":
                    continue                        # allowed: not run, the server must live on
                why = self.refusal(r, cmd)
                if allowed:
                    self.assertIsNone(why, "%s on network %s (%s)" % (cmd, net, perms))
                else:
                    self.assertIsNotNone(why, "%s ran on network %s (%s)" % (cmd, net, perms))
                ran += 1
        self.assertGreater(ran, 0)

    def test_strings(self):
        self.check_family("strings")

    def test_lists(self):
        self.check_family("lists")

    def test_sets(self):
        self.check_family("sets")

    def test_hll(self):
        self.check_family("hll")

    def test_maps(self):
        self.check_family("maps")

    def test_pubsub(self):
        self.check_family("pubsub")

    def test_scripting(self):
        self.check_family("scripting")

    def test_generic_keys_server_and_connection(self):
        self.check_family(None)

    def test_refusals_name_the_missing_permission(self):
        with self.assertRaises(redis.ResponseError) as e:
            self.srv.client("read").execute_command("FLUSHALL")
        self.assertEqual(str(e.exception),
                         "this network does not allow the 'flushall' command (it needs the write permission)")
        out = self.srv.cli("stats", "MODULE", "LIST")
        self.assertEqual(out.strip(), "NOPERM this network does not allow the 'module' command "
                                      "(it needs the admin permission)")

    def test_memcached_commands(self):
        if "memcache" not in self.modules or "mcitems" not in self.modules:
            self.skipTest("memcache or mcitems module not built")
        for net in MC_SETS:
            perms = PERMISSION_SETS[net]
            for cls, request in MC_COMMANDS:
                with socket.create_connection(("127.0.0.1", self.srv.ports["mc-" + net]), timeout=10) as s:
                    s.sendall(request + b"mn\r\n")        # mn: the meta no-op marks the end of the reply
                    data = b""
                    while not data.endswith(b"MN\r\n"):
                        chunk = s.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                refused = b"does not allow" in data
                self.assertEqual(refused, not needs(cls, perms), "%r on %s: %r" % (request, net, data))


if __name__ == "__main__":
    unittest.main(verbosity=2)
