"""test_config_rewrite.py -- CONFIG REWRITE: the running values of what CONFIG SET changed go into the
JSON config file the server started from (every other key kept as written, in its order), a
restart from the file brings them back, an unchanged server leaves the file byte for byte, a server
without a config file and a network without admin get Redis's errors, and a file that can no
longer be read gives a clear error while the server keeps serving.
"""
import json
import os
import unittest

import redis

from keel_harness import KeelConfigServer, KeelServer

CONFIG = {
    "threads": 2,
    "databases": 4,
    "max_memory": "100mb",            # a setting kept in its own form while it is not changed
    "timeout": 0,
    "log": {"level": "notice"},
    "conn_move": False,               # keys CONFIG SET does not own
    "networks": [
        {"name": "admin", "host": "127.0.0.1", "port": 0, "protocol": "resp",
         "permissions": ["read", "write", "admin", "stats"], "options": {"hll.merge_reply": "ok"}},
        {"name": "app", "host": "127.0.0.1", "port": 0, "protocol": "resp", "permissions": ["read", "write", "stats"],
         "database": 2},
    ],
}

CHANGES = {   # CONFIG SET name -> (value, file key, value in the file, CONFIG GET's answer after restart)
    "maxclients": ("555", "max_clients", 555, "555"),
    "timeout": ("17", "timeout", 17, "17"),
    "maxmemory-policy": ("allkeys-lru", "max_memory_policy", "allkeys-lru", "allkeys-lru"),
    "notify-keyspace-events": ("KEA", "notify_keyspace_events", "AKE", "AKE"),
    "busy-reply-threshold": ("1234", "busy_reply_threshold", 1234, "1234"),
    "client-output-buffer-limit": ("normal 0 0 0 pubsub 64mb 16mb 90", "client_output_buffer_limit",
                                   "normal 0 0 0 pubsub 67108864 16777216 90",
                                   "normal 0 0 0 pubsub 67108864 16777216 90"),
    "save": ("100 10 20 5", "save", "100 10 20 5", "100 10 20 5"),
    "protected-mode": ("no", "protected_mode", False, "no"),
    "slowlog-log-slower-than": ("5000", "slowlog_log_slower_than", 5000, "5000"),
    "slowlog-max-len": ("64", "slowlog_max_len", 64, "64"),
    "latency-monitor-threshold": ("100", "latency_monitor_threshold", 100, "100"),
}


def read_json(path):
    with open(path) as f:
        return json.load(f)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class ConfigRewriteTest(unittest.TestCase):
    def start(self, config=CONFIG):
        srv = KeelConfigServer(config).start()
        self.addCleanup(srv.stop)
        return srv

    def config_get(self, r, name):
        return r.config_get(name)[name]

    def test_rewrite_writes_changes_and_a_restart_reads_them(self):
        srv = self.start()
        r = srv.client("admin")
        for name, (value, _, _, _) in CHANGES.items():
            self.assertTrue(r.config_set(name, value))
        r.config_set("loglevel", "verbose")   # (not above notice: the harness reads the listening lines)
        level = self.config_get(r, "loglevel")
        self.assertTrue(r.config_rewrite())
        doc = read_json(srv.config_path)
        for name, (_, key, in_file, _) in CHANGES.items():
            self.assertEqual(doc[key], in_file, name)
        self.assertEqual(doc["log"], {"level": level})
        # what CONFIG SET did not change stays as it was written, in the file's order
        for key in ["threads", "databases", "max_memory", "conn_move", "networks"]:
            self.assertEqual(doc[key], CONFIG[key], key)
        self.assertEqual(list(doc)[:len(CONFIG)], list(CONFIG))
        srv.stop()
        srv.start()
        r = srv.client("admin")
        for name, (_, _, _, answer) in CHANGES.items():
            self.assertEqual(self.config_get(r, name), answer, name)
        self.assertEqual(self.config_get(r, "loglevel"), level)
        self.assertEqual(self.config_get(r, "maxmemory"), str(100 * 1024 * 1024))
        self.assertEqual(self.config_get(r, "databases"), "4")
        self.assertEqual(srv.client("app").client_info()["db"], 2)   # the networks came back as written

    def test_unchanged_server_leaves_the_file_as_it_is(self):
        srv = self.start()
        before = read_bytes(srv.config_path)
        r = srv.client("admin")
        self.assertTrue(r.config_rewrite())
        self.assertEqual(read_bytes(srv.config_path), before)
        r.config_set("maxmemory", "100mb")   # the value the file already has, written another way
        self.assertTrue(r.config_rewrite())
        self.assertEqual(read_bytes(srv.config_path), before)
        r.config_set("maxmemory", "200mb")
        self.assertTrue(r.config_rewrite())
        once = read_bytes(srv.config_path)
        self.assertEqual(read_json(srv.config_path)["max_memory"], 200 * 1024 * 1024)
        self.assertTrue(r.config_rewrite())   # a second rewrite finds nothing to change
        self.assertEqual(read_bytes(srv.config_path), once)
        leftovers = [f for f in os.listdir(srv.dir) if "rewrite" in f]
        self.assertEqual(leftovers, [])   # the temporary file was renamed, not left behind

    def test_setting_back_to_the_default_is_written(self):
        srv = self.start(dict(CONFIG, max_memory_policy="allkeys-lfu"))
        r = srv.client("admin")
        r.config_set("maxmemory-policy", "noeviction")
        self.assertTrue(r.config_rewrite())
        self.assertEqual(read_json(srv.config_path)["max_memory_policy"], "noeviction")

    def test_needs_admin(self):
        srv = self.start()
        before = read_bytes(srv.config_path)
        with self.assertRaisesRegex(redis.ResponseError, r"^this network does not allow 'config\|rewrite'"):
            srv.client("app").execute_command("CONFIG", "REWRITE")
        self.assertEqual(read_bytes(srv.config_path), before)
        with self.assertRaisesRegex(redis.ResponseError, "wrong number of arguments|unknown subcommand"):
            srv.client("admin").execute_command("CONFIG", "REWRITE", "extra")

    def test_without_a_config_file(self):
        srv = KeelServer().start()
        self.addCleanup(srv.stop)
        with self.assertRaises(redis.ResponseError) as e:
            srv.client().config_rewrite()
        self.assertEqual(str(e.exception), "The server is running without a config file")

    def test_a_file_that_cannot_be_read_is_an_error_and_the_server_serves_on(self):
        srv = self.start()
        r = srv.client("admin")
        r.config_set("maxclients", "777")
        os.rename(srv.config_path, srv.config_path + ".away")
        os.mkdir(srv.config_path)   # a directory where the file was
        with self.assertRaisesRegex(redis.ResponseError, r"^Rewriting config file: "):
            r.config_rewrite()
        os.rmdir(srv.config_path)
        with open(srv.config_path, "w") as f:
            f.write('{"threads": "many"}')   # a file that no longer passes the checks
        with self.assertRaisesRegex(redis.ResponseError, r"^Rewriting config file: .*threads"):
            r.config_rewrite()
        self.assertEqual(read_bytes(srv.config_path), b'{"threads": "many"}')
        os.replace(srv.config_path + ".away", srv.config_path)
        self.assertTrue(r.config_rewrite())
        self.assertEqual(read_json(srv.config_path)["max_clients"], 777)
        self.assertTrue(r.ping())


if __name__ == "__main__":
    unittest.main()
