"""test_server.py -- the core's server and connection commands against a real keel-server.

PING ECHO SELECT TIME DBSIZE FLUSHALL/FLUSHDB AUTH INFO CONFIG COMMAND CLIENT DEBUG SHUTDOWN,
their replies and their errors (arity, unknown commands and subcommands), as redis-py and
redis-cli see them.
"""
import os
import re
import socket
import time
import unittest

import redis

from keel_harness import KeelServer, MODULE_DIR


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def modules_for_test():
    """resp, plus strings when it is built: the memcache listener's fixed port stays out."""
    return ["resp"] + (["strings"] if have_module("strings") else [])


def error_of(r, *args):
    """The error text redis-py raises for a command (redis-py drops a leading 'ERR ')."""
    try:
        r.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError("no error for %r" % (args,))


def wait_for(what, predicate, timeout=60.0):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.01)


class ServerCommands(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=modules_for_test()).start()
        cls.r = cls.srv.client()
        cls.rr = cls.srv.client()              # raw replies: no redis-py reply callbacks
        cls.rr.response_callbacks.clear()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def need_strings(self):
        if not have_module("strings"):
            self.skipTest("strings module not built")

    # ---- PING ECHO SELECT TIME ----

    def test_ping_replies_pong_or_the_message(self):
        self.assertIs(self.r.ping(), True)
        self.assertEqual(self.rr.execute_command("PING"), b"PONG")
        self.assertEqual(self.rr.execute_command("PING", "hello world"), b"hello world")
        self.assertEqual(self.rr.execute_command("PING", b"\x00\xff\r\n"), b"\x00\xff\r\n")
        self.assertEqual(self.rr.execute_command("ping"), b"PONG")   # command names ignore case
        self.assertEqual(self.rr.execute_command("PiNg"), b"PONG")

    def test_ping_with_two_arguments_is_an_arity_error(self):
        self.assertEqual(error_of(self.r, "PING", "a", "b"), "wrong number of arguments for 'ping' command")

    def test_echo(self):
        self.assertEqual(self.r.echo("abc"), b"abc")
        self.assertEqual(self.r.echo(""), b"")
        self.assertEqual(self.r.echo(b"x" * 100000), b"x" * 100000)
        self.assertEqual(error_of(self.r, "ECHO"), "wrong number of arguments for 'echo' command")
        self.assertEqual(error_of(self.r, "ECHO", "a", "b"), "wrong number of arguments for 'echo' command")

    def test_select_accepts_the_configured_databases(self):
        self.assertIs(self.r.select(0), True)
        self.assertIs(self.r.select(15), True)
        self.assertEqual(error_of(self.r, "SELECT", "16"), "DB index is out of range")
        self.assertEqual(error_of(self.r, "SELECT", "-1"), "DB index is out of range")
        self.assertEqual(error_of(self.r, "SELECT", "x"), "value is not an integer or out of range")
        self.assertEqual(error_of(self.r, "SELECT", "99999999999999999999"), "value is not an integer or out of range")
        self.assertEqual(error_of(self.r, "SELECT", "99999999999"),
                         "value is out of range, value must between -2147483648 and 2147483647")
        self.assertEqual(error_of(self.r, "SELECT"), "wrong number of arguments for 'select' command")

    def test_time_is_now(self):
        before = time.time()
        sec, usec = self.r.time()
        after = time.time()
        self.assertTrue(before - 0.01 <= sec + usec / 1e6 <= after + 0.01, (before, sec, usec, after))
        self.assertTrue(0 <= usec < 1000000)
        self.assertEqual(error_of(self.r, "TIME", "x"), "wrong number of arguments for 'time' command")

    # ---- unknown commands ----

    def test_unknown_command_names_it_and_its_first_args(self):
        self.assertEqual(error_of(self.r, "NOSUCHCMD"), "unknown command 'NOSUCHCMD', with args beginning with: ")
        self.assertEqual(error_of(self.r, "NOSUCHCMD", "a", "b c"),
                         "unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b c' ")
        out = self.srv.cli("foo", "bar").strip()
        self.assertEqual(out, "ERR unknown command 'foo', with args beginning with: 'bar'")   # redis-cli trims

    def test_unknown_command_lists_only_the_first_args(self):
        msg = error_of(self.r, "NOSUCHCMD", *["arg%d" % i for i in range(200)])
        self.assertTrue(msg.startswith("unknown command 'NOSUCHCMD', with args beginning with: 'arg0' 'arg1' "))
        self.assertLess(len(msg), 300)
        msg = error_of(self.r, "X" * 1000, "y" * 1000)
        self.assertLess(len(msg), 400)

    def test_unknown_command_with_newlines_keeps_the_protocol_intact(self):
        # An error text is one line: CR/LF in the echoed name must not end it early.
        self.assertEqual(error_of(self.r, "NOSUCH", "x\r\ny", "\n"),
                         "unknown command 'NOSUCH', with args beginning with: 'x  y' ' ' ")
        self.assertIs(self.r.ping(), True)

    # ---- DBSIZE FLUSHALL FLUSHDB ----

    def test_dbsize_and_flushall(self):
        self.need_strings()
        self.assertEqual(self.r.dbsize(), 0)
        self.r.mset({"k%d" % i: i for i in range(100)})
        self.assertEqual(self.r.dbsize(), 100)
        self.assertIs(self.r.flushall(), True)
        self.assertEqual(self.r.dbsize(), 0)
        self.r.mset({"k%d" % i: i for i in range(10)})
        self.assertEqual(self.rr.execute_command("FLUSHDB"), b"OK")
        self.assertEqual(self.r.dbsize(), 0)
        self.r.set("a", "1")
        self.assertEqual(self.rr.execute_command("FLUSHALL", "ASYNC"), b"OK")
        self.assertEqual(self.r.dbsize(), 0)
        self.r.set("a", "1")
        self.assertEqual(self.rr.execute_command("FLUSHDB", "sync"), b"OK")
        self.assertEqual(self.r.get("a"), None)

    def test_flush_and_dbsize_errors(self):
        self.assertEqual(error_of(self.r, "FLUSHALL", "NOW"), "syntax error")
        self.assertEqual(error_of(self.r, "FLUSHALL", "ASYNC", "SYNC"), "syntax error")
        self.assertEqual(error_of(self.r, "DBSIZE", "x"), "wrong number of arguments for 'dbsize' command")

    # ---- AUTH ----

    def test_auth_without_a_password_configured(self):
        self.assertEqual(error_of(self.r, "AUTH", "secret"),
                         "AUTH <password> called without any password configured for the default user. "
                         "Are you sure your configuration is correct?")
        self.assertEqual(error_of(self.r, "AUTH"), "wrong number of arguments for 'auth' command")
        self.assertEqual(error_of(self.r, "AUTH", "a", "b", "c"), "syntax error")
        # username + password: only "default" exists, and with no password set it is accepted
        self.assertEqual(self.rr.execute_command("AUTH", "default", "anything"), b"OK")
        with self.assertRaises(redis.exceptions.ResponseError) as cm:
            self.rr.execute_command("AUTH", "someone", "pw")
        self.assertIn("WRONGPASS", str(cm.exception))

    # ---- INFO ----

    def test_info_default_sections_parse_with_redis_py(self):
        info = self.r.info()
        for field in ("redis_version", "process_id", "tcp_port", "uptime_in_seconds", "connected_clients",
                      "used_memory", "used_memory_human", "loading", "total_connections_received",
                      "total_commands_processed", "expired_keys", "keyspace_hits"):
            self.assertIn(field, info)
        self.assertEqual(info["tcp_port"], self.srv.port)
        self.assertEqual(info["process_id"], self.srv.proc.pid)
        self.assertEqual(info["redis_mode"], "standalone")
        self.assertEqual(info["threads"], 2)
        self.assertIn(info["keyspace_table"], ("compact", "plain"))   # which table this build has

    def test_info_each_section(self):
        expect = {
            "server": ("redis_version", "keel_version", "run_id", "tcp_port", "uptime_in_seconds", "shards"),
            "clients": ("connected_clients", "blocked_clients", "maxclients"),
            "memory": ("used_memory", "used_memory_rss", "used_memory_peak", "maxmemory", "mem_allocator"),
            "persistence": ("loading", "rdb_changes_since_last_save", "aof_enabled"),
            "stats": ("total_connections_received", "total_commands_processed", "expired_keys",
                      "keyspace_misses", "total_error_replies"),
            "replication": ("role", "connected_slaves"),
            "cpu": ("used_cpu_sys", "used_cpu_user"),
        }
        for section, fields in expect.items():
            text = self.rr.execute_command("INFO", section).decode()
            self.assertTrue(text.startswith("# " + section.capitalize() if section != "cpu" else "# CPU"), text[:40])
            self.assertEqual(text.count("# "), 1, "INFO %s shows only that section" % section)
            for line in text.split("\r\n")[1:]:
                if line:
                    self.assertRegex(line, r"^[a-z_0-9]+:", "Redis format: field:value")
            info = self.r.info(section)
            for f in fields:
                self.assertIn(f, info, "INFO %s has %s" % (section, f))
        mem = self.r.info("memory")
        self.assertGreater(mem["used_memory"], 0)
        self.assertGreater(mem["used_memory_rss"], 0)
        self.assertGreaterEqual(mem["used_memory_peak"], mem["used_memory"])
        self.assertEqual(self.r.info("replication")["role"], "master")

    def test_info_all_and_several_sections(self):
        text = self.rr.execute_command("INFO", "server", "clients").decode()
        self.assertIn("# Server", text)
        self.assertIn("# Clients", text)
        self.assertNotIn("# Memory", text)
        everything = self.rr.execute_command("INFO", "everything").decode()
        for s in ("# Server", "# Clients", "# Memory", "# Persistence", "# Stats", "# Keyspace", "# Modules"):
            self.assertIn(s, everything)
        self.assertNotIn("# Modules", self.rr.execute_command("INFO").decode())
        self.assertEqual(self.rr.execute_command("INFO", "nosuchsection"), b"")

    def test_info_modules_lists_the_loaded_modules(self):
        text = self.rr.execute_command("INFO", "modules").decode()
        for m in modules_for_test():
            self.assertIn("module:name=%s,ver=" % m, text)
            self.assertIn("%s.so" % m, text)

    def test_info_keyspace_counts_keys_and_expires(self):
        self.need_strings()
        self.assertEqual(self.r.info("keyspace"), {})
        self.r.mset({"a": 1, "b": 2, "c": 3})
        self.r.set("d", "4", ex=1000)
        self.r.set("e", "5", px=1000000)
        db0 = self.r.info("keyspace")["db0"]
        self.assertEqual(db0["keys"], 5)
        self.assertEqual(db0["expires"], 2)
        self.r.persist("d")
        self.assertEqual(self.r.info("keyspace")["db0"]["expires"], 1)
        self.r.delete("e")
        self.assertEqual(self.r.info("keyspace")["db0"], {"keys": 4, "expires": 0, "avg_ttl": 0})

    def test_info_connected_clients_counts_concurrent_connections(self):
        base = self.r.info("clients")["connected_clients"]
        socks = []
        try:
            for _ in range(5):
                s = self.srv.raw()
                s.sendall(b"PING\r\n")
                self.assertEqual(s.recv(64), b"+PONG\r\n")
                socks.append(s)
            self.assertEqual(self.r.info("clients")["connected_clients"], base + 5)
        finally:
            for s in socks:
                s.close()
        wait_for("connected_clients back to %d" % base,
                 lambda: self.r.info("clients")["connected_clients"] == base)

    def test_info_stats_count_commands_and_errors(self):
        before = self.r.info("stats")
        for _ in range(10):
            self.r.ping()
        error_of(self.r, "NOSUCHCMD")
        after = self.r.info("stats")
        self.assertGreaterEqual(after["total_commands_processed"] - before["total_commands_processed"], 11)
        self.assertGreaterEqual(after["total_error_replies"] - before["total_error_replies"], 1)

    # ---- CONFIG ----

    def test_config_get_known_parameters(self):
        cfg = self.r.config_get("*")
        for p in ("port", "bind", "dir", "maxmemory", "databases", "maxclients", "maxmemory-policy", "save",
                  "appendonly", "timeout", "proto-max-bulk-len", "loglevel", "threads", "shards"):
            self.assertIn(p, cfg)
        self.assertEqual(cfg["port"], str(self.srv.port))
        self.assertEqual(cfg["bind"], "127.0.0.1")
        self.assertEqual(cfg["dir"], self.srv.dir)
        self.assertEqual(cfg["maxmemory"], "0")
        self.assertEqual(cfg["databases"], "16")
        self.assertEqual(cfg["threads"], "2")
        self.assertEqual(self.r.config_get("port"), {"port": str(self.srv.port)})
        self.assertEqual(self.r.config_get("PORT"), {"port": str(self.srv.port)})   # names ignore case

    def test_config_get_unknown_parameter_is_an_empty_list(self):
        self.assertEqual(self.r.config_get("no-such-parameter"), {})
        self.assertEqual(self.rr.execute_command("CONFIG", "GET", "no-such-parameter"), [])

    def test_config_get_glob_patterns_and_several_patterns(self):
        self.assertEqual(set(self.r.config_get("max*")), {"maxmemory", "maxmemory-policy", "maxmemory-samples", "maxclients"})
        self.assertEqual(set(self.r.config_get("*port")), {"port", "memcache-port"})
        self.assertEqual(set(self.r.config_get("d?r")), {"dir"})
        self.assertEqual(set(self.r.config_get("[bd]*")),
                         {"bind", "dir", "dbfilename", "databases", "busy-reply-threshold", "dynamic-hz"})
        raw = self.rr.execute_command("CONFIG", "GET", "port", "dir", "port", "p*")
        names = raw[0::2]
        self.assertEqual(sorted(names), sorted(set(names)), "a parameter matched twice is listed once")
        self.assertIn(b"port", names)
        self.assertIn(b"dir", names)
        self.assertIn(b"proto-max-bulk-len", names)

    def test_config_set_loglevel(self):
        try:
            self.assertIs(self.r.config_set("loglevel", "warning"), True)
            self.assertEqual(self.r.config_get("loglevel"), {"loglevel": "warning"})
            self.assertIs(self.r.config_set("loglevel", "verbose"), True)
            self.assertEqual(self.r.config_get("loglevel"), {"loglevel": "info"})
            self.assertEqual(error_of(self.r, "CONFIG", "SET", "loglevel", "loud"),
                             "CONFIG SET failed (possibly related to argument 'loglevel') - "
                             "argument must be one of: debug, verbose, notice, warning, error")
        finally:
            self.r.config_set("loglevel", "notice")
        self.assertEqual(self.r.config_get("loglevel"), {"loglevel": "notice"})

    def test_config_set_errors(self):
        self.assertEqual(error_of(self.r, "CONFIG", "SET", "port", "1"),
                         "Unknown option or number of arguments for CONFIG SET - 'port'")
        self.assertEqual(error_of(self.r, "CONFIG", "SET", "nosuch", "1"),
                         "Unknown option or number of arguments for CONFIG SET - 'nosuch'")
        self.assertEqual(error_of(self.r, "CONFIG", "SET", "loglevel"),
                         "unknown subcommand or wrong number of arguments for 'SET'. Try CONFIG HELP.")
        self.assertEqual(self.r.config_get("port"), {"port": str(self.srv.port)})

    def test_config_resetstat_help_and_unknown_subcommands(self):
        self.assertIs(self.r.config_resetstat(), True)
        help_lines = self.rr.execute_command("CONFIG", "HELP")
        self.assertTrue(help_lines[0].startswith(b"CONFIG <subcommand>"))
        self.assertIn(b"GET <pattern>", help_lines)
        self.assertEqual(error_of(self.r, "CONFIG", "FOO"),
                         "unknown subcommand or wrong number of arguments for 'FOO'. Try CONFIG HELP.")
        self.assertEqual(error_of(self.r, "CONFIG", "GET"),
                         "unknown subcommand or wrong number of arguments for 'GET'. Try CONFIG HELP.")
        self.assertEqual(error_of(self.r, "CONFIG"), "wrong number of arguments for 'config' command")

    # ---- COMMAND ----

    def test_command_count_list_and_full_listing_agree(self):
        count = self.r.command_count()
        full = self.rr.execute_command("COMMAND")
        names = self.rr.execute_command("COMMAND", "LIST")
        self.assertEqual(count, len(full))
        self.assertEqual(count, len(names))
        self.assertEqual(len(set(names)), len(names))
        self.assertEqual(sorted(names), sorted(entry[0] for entry in full))
        for core_cmd in (b"ping", b"echo", b"config", b"del", b"expire", b"scan", b"hello", b"quit"):
            self.assertIn(core_cmd, names)
        self.assertNotIn(b"delete", names, "aliases are not separate commands")
        self.assertIn(b"flushdb", names, "FLUSHDB empties one database, FLUSHALL every one")
        self.assertEqual(len(self.rr.execute_command("COMMAND", "INFO")), count)
        parsed = self.r.command()   # redis-py's parser understands the entries
        self.assertIn("ping", parsed)
        self.assertEqual(parsed["ping"]["arity"], -1)

    def test_command_info_entries(self):
        ping, nosuch, dele, alias = self.rr.execute_command("COMMAND", "INFO", "ping", "nosuch", "del", "DELETE")
        self.assertIsNone(nosuch)
        self.assertEqual(ping[0], b"ping")
        self.assertEqual(ping[1], -1)
        self.assertIn(b"fast", ping[2])
        self.assertEqual(ping[3:6], [0, 0, 0])
        self.assertEqual(dele[:2], [b"del", -2])
        self.assertIn(b"write", dele[2])
        self.assertEqual(dele[3:6], [1, -1, 1])
        self.assertEqual(alias[0], b"del", "an alias describes the command it names")
        self.assertEqual(len(ping), 10)

    def test_command_info_get_and_set(self):
        self.need_strings()
        get, set_ = self.rr.execute_command("COMMAND", "INFO", "get", "set")
        self.assertEqual(get[0], b"get")
        self.assertEqual(get[1], 2)
        self.assertIn(b"readonly", get[2])
        self.assertEqual(get[3:6], [1, 1, 1])
        self.assertEqual(set_[0], b"set")
        self.assertEqual(set_[1], -3)
        self.assertIn(b"write", set_[2])
        self.assertEqual(set_[3:6], [1, 1, 1])

    def test_command_docs_fields(self):
        raw = self.rr.execute_command("COMMAND", "DOCS", "ping", "nosuch", "config")
        docs = {raw[i]: dict(zip(raw[i + 1][0::2], raw[i + 1][1::2])) for i in range(0, len(raw), 2)}
        self.assertEqual(set(docs), {b"ping", b"config"}, "unknown names are left out")
        ping = docs[b"ping"]
        self.assertEqual(set(ping), {b"summary", b"since", b"group", b"syntax", b"module", b"aliases"})
        self.assertEqual(ping[b"aliases"], [])
        self.assertEqual(ping[b"summary"], b"Returns the server's liveness response.")
        self.assertEqual(ping[b"syntax"], b"PING [message]")
        self.assertEqual(ping[b"group"], b"connection")
        self.assertEqual(ping[b"since"], b"0.1.0")
        self.assertEqual(ping[b"module"], b"core")
        self.assertEqual(docs[b"config"][b"group"], b"server")
        raw = self.rr.execute_command("COMMAND", "DOCS", "del", "flushall")
        self.assertEqual(dict(zip(raw[1][0::2], raw[1][1::2]))[b"aliases"], [b"DELETE"])
        self.assertEqual(dict(zip(raw[3][0::2], raw[3][1::2]))[b"aliases"], [])
        alld = self.rr.execute_command("COMMAND", "DOCS")
        self.assertEqual(len(alld), 2 * self.r.command_count())
        hello = dict(zip(alld[alld.index(b"hello") + 1][0::2], alld[alld.index(b"hello") + 1][1::2]))
        self.assertEqual(hello[b"module"], b"resp")
        if have_module("strings"):
            raw = self.rr.execute_command("COMMAND", "DOCS", "get")
            self.assertEqual(dict(zip(raw[1][0::2], raw[1][1::2]))[b"module"], b"strings")

    def test_command_unknown_subcommand(self):   # Redis 7.0's texts
        self.assertEqual(error_of(self.r, "COMMAND", "FOO"), "unknown subcommand 'FOO'. Try COMMAND HELP.")
        self.assertEqual(error_of(self.r, "COMMAND", "COUNT", "x"),
                         "wrong number of arguments for 'command|count' command")

    def test_command_getkeys_and_list_filterby(self):
        self.assertEqual(self.rr.execute_command("COMMAND", "GETKEYS", "DEL", "a", "b"), [b"a", b"b"])
        self.assertEqual(self.rr.execute_command("COMMAND", "GETKEYSANDFLAGS", "DEL", "a"), [[b"a", [b"RW", b"update"]]])
        self.assertEqual(self.rr.execute_command("COMMAND", "GETKEYSANDFLAGS", "EXISTS", "a"), [[b"a", [b"RO", b"access"]]])
        self.assertEqual(error_of(self.r, "COMMAND", "GETKEYS", "NOSUCH", "a"), "Invalid command specified")
        self.assertEqual(error_of(self.r, "COMMAND", "GETKEYS", "DEL"), "wrong number of arguments for 'command|getkeys' command")
        self.assertEqual(error_of(self.r, "COMMAND", "GETKEYS", "PING", "x"), "The command has no key arguments")
        self.assertEqual(error_of(self.r, "COMMAND", "GETKEYS", "EXPIRE", "k"),
                         "Invalid number of arguments specified for command")
        core = self.rr.execute_command("COMMAND", "LIST", "FILTERBY", "MODULE", "core")
        self.assertIn(b"del", core)
        self.assertNotIn(b"get", core)
        self.assertEqual(sorted(self.rr.execute_command("COMMAND", "LIST", "FILTERBY", "PATTERN", "ex*")),
                         sorted(c for c in self.rr.execute_command("COMMAND", "LIST") if c.startswith(b"ex")))
        self.assertEqual(self.rr.execute_command("COMMAND", "LIST", "FILTERBY", "MODULE", "nosuch"), [])
        self.assertEqual(error_of(self.r, "COMMAND", "LIST", "FILTERBY", "FOO", "x"), "syntax error")

    # ---- CLIENT ----

    def test_client_id_is_unique_per_connection(self):
        a, b = self.srv.client(), self.srv.client()
        ida, idb = a.client_id(), b.client_id()
        self.assertNotEqual(ida, idb)
        self.assertEqual(a.client_id(), ida)
        self.assertGreater(ida, 0)
        a.close()
        b.close()

    def test_client_setname_getname_and_list(self):
        c = self.srv.client()
        self.assertIsNone(c.client_getname())
        self.assertIs(c.client_setname("worker-7"), True)
        self.assertEqual(c.client_getname(), "worker-7")
        cid = c.client_id()
        mine = [e for e in self.r.client_list() if e["id"] == str(cid)]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["name"], "worker-7")
        self.assertEqual(mine[0]["addr"].split(":")[0], "127.0.0.1")
        self.assertEqual(mine[0]["laddr"], "127.0.0.1:%d" % self.srv.port)
        info = c.execute_command("CLIENT", "INFO").decode()
        self.assertIn("id=%d " % cid, info)
        self.assertIn("name=worker-7 ", info)
        self.assertEqual(info.count("\n"), 1)
        self.assertIs(c.client_setname(""), True)   # an empty name clears it
        self.assertIsNone(c.client_getname())
        c.close()

    def test_client_list_shows_every_connection(self):
        others = [self.srv.client() for _ in range(3)]
        ids = set()
        for i, o in enumerate(others):
            o.client_setname("other-%d" % i)
            ids.add(str(o.client_id()))
        listed = self.r.client_list()
        self.assertTrue(ids <= {e["id"] for e in listed})
        self.assertEqual({e["name"] for e in listed if e["id"] in ids}, {"other-0", "other-1", "other-2"})
        self.assertEqual(self.rr.execute_command("CLIENT", "LIST", "TYPE", "normal").count(b"\n"), len(listed))
        for o in others:
            o.close()

    def test_client_setname_refuses_invalid_names(self):
        msg = "Client names cannot contain spaces, newlines or special characters."
        for bad in ("a b", "a\nb", "tab\there", "caf\xe9", "\x00"):
            self.assertEqual(error_of(self.r, "CLIENT", "SETNAME", bad), msg, repr(bad))
        self.assertIsNone(self.r.client_getname())

    def test_client_setinfo_and_errors(self):
        self.assertEqual(self.rr.execute_command("CLIENT", "SETINFO", "lib-name", "redis-py"), b"OK")
        # Redis 7.0's texts (test_client_ctl.py compares more of them with redis-server)
        self.assertEqual(error_of(self.r, "CLIENT", "FOO"), "unknown subcommand 'FOO'. Try CLIENT HELP.")
        arity = "wrong number of arguments for 'client|%s' command"
        self.assertEqual(error_of(self.r, "CLIENT", "SETNAME"), arity % "setname")
        self.assertEqual(error_of(self.r, "CLIENT", "ID", "x"), arity % "id")
        self.assertEqual(error_of(self.r, "CLIENT"), "wrong number of arguments for 'client' command")

    # ---- DEBUG ZVM ----

    def test_debug_zvm_explain_set(self):
        self.need_strings()
        lines = [l.decode() for l in self.rr.execute_command("DEBUG", "ZVM", "EXPLAIN", "SET", "k", "v")]
        self.assertTrue(lines[0].startswith("command set (module strings"), lines[0])
        self.assertIn("1 key(s) on 1 shard(s)", lines[0])
        self.assertRegex(lines[1], r'^key argv\[1\]="k" hash [0-9a-f]{16} shard \d+ thread \d$')
        self.assertRegex(lines[2], r"^0000 key\.lock ")
        self.assertGreater(len(lines), 3, "the command's own opcodes follow key.lock")
        for i, line in enumerate(lines[2:]):
            self.assertTrue(line.startswith("%04d " % i), line)

    def test_debug_zvm_explain_del_shows_each_key_shard(self):
        lines = [l.decode() for l in self.rr.execute_command("DEBUG", "ZVM", "EXPLAIN", "DEL", "a", "b", "c")]
        self.assertRegex(lines[0], r"^command del \(module core, flags 0x[0-9a-f]+\), 3 instructions, 3 key\(s\) on \d shard\(s\)$")
        shards = set()
        for i, k in enumerate("abc"):
            m = re.match(r'^key argv\[%d\]="%s" hash [0-9a-f]{16} shard (\d+) thread (\d)$' % (i + 1, k),
                                       lines[1 + i])
            self.assertIsNotNone(m, lines[1 + i])
            shards.add(int(m.group(1)))
        self.assertIn("%d shard(s)" % len(shards), lines[0])
        self.assertTrue(lines[4].startswith("0000 key.lock"))
        self.assertTrue(lines[5].startswith("0001 keys.each"))
        self.assertTrue(lines[6].startswith("0002 keys.del_spread"))
        self.assertEqual(len(lines), 7)

    def test_debug_zvm_explain_keyless_command_has_no_lock(self):
        lines = [l.decode() for l in self.rr.execute_command("DEBUG", "ZVM", "EXPLAIN", "PING")]
        self.assertIn("0 key(s)", lines[0])
        self.assertTrue(lines[1].startswith("0000 server.ping"))

    def test_debug_errors(self):
        self.assertEqual(error_of(self.r, "DEBUG", "ZVM", "EXPLAIN", "NOSUCH"), "unknown command 'NOSUCH'")
        usage = "DEBUG subcommands: ZVM EXPLAIN <command> [arg ...], ZVM SPIN <reductions> [key]"
        self.assertEqual(error_of(self.r, "DEBUG", "FOO"), usage)
        self.assertEqual(error_of(self.r, "DEBUG", "ZVM", "EXPLAIN"), usage)
        self.assertEqual(error_of(self.r, "DEBUG", "ZVM", "SPIN", "-1"), "value is not an integer or out of range")
        self.assertEqual(error_of(self.r, "DEBUG"), "wrong number of arguments for 'debug' command")

    def test_debug_zvm_spin_yields_and_others_keep_being_served(self):
        slices = self.rr.execute_command("DEBUG", "ZVM", "SPIN", "100000")
        self.assertGreaterEqual(slices, 1)
        self.assertEqual(self.rr.execute_command("DEBUG", "ZVM", "SPIN", "0", "somekey"), 1)

    # ---- MODULE ----

    def test_module_subcommand_errors(self):
        # loading and unloading while the server runs: test_module_runtime.py
        self.assertEqual(error_of(self.r, "MODULE", "LOAD", "/nonexistent/x.so"),
                         "Error loading the extension. Please check the server logs.")
        self.assertEqual(error_of(self.r, "MODULE", "UNLOAD", "nosuchmodule"),
                         "Error unloading module: no such module with that name")
        self.assertEqual(error_of(self.r, "MODULE", "FOO"),
                         "unknown subcommand or wrong number of arguments for 'FOO'. Try MODULE LIST.")
        self.assertEqual(error_of(self.r, "MODULE", "LIST", "x"),
                         "unknown subcommand or wrong number of arguments for 'LIST'. Try MODULE LIST.")


class Shutdown(unittest.TestCase):
    def test_shutdown_stops_the_server_with_exit_code_zero(self):
        srv = KeelServer(threads=2, modules=modules_for_test()).start()
        try:
            r = srv.client()
            self.assertEqual(error_of(r, "SHUTDOWN", "BOGUS"), "syntax error")
            self.assertIs(r.ping(), True)
            other = srv.raw()
            try:
                r.execute_command("SHUTDOWN", "NOSAVE")
            except redis.exceptions.ConnectionError:
                pass
            srv.proc.wait(20)
            self.assertEqual(srv.proc.returncode, 0)
            self.assertIn("SHUTDOWN requested by client", srv.read_log())
            other.settimeout(5)
            try:
                self.assertEqual(other.recv(16), b"", "other connections are closed")
            except ConnectionResetError:
                pass
            other.close()
            with self.assertRaises(OSError):
                socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()
        finally:
            srv.stop()   # checks the log for sanitizer reports and the exit code


if __name__ == "__main__":
    unittest.main(verbosity=2)
