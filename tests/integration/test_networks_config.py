"""test_networks_config.py -- network configs: the issue's example as written, --check-config
reporting every error with its JSON path (fields, files, addresses, names, modules, protocols),
and bad configs that never start a half-working server.
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

from keel_harness import SERVER, MODULE_DIR, KeelConfigServer, free_port, make_certs

EXAMPLE = """{"modules": ["resp", "memcache", "mcitems", "strings", "lists", "sets", "hll", "maps"],
 "threads": 2,
 "networks": [
  {"name": "app", "host": "127.0.0.1", "port": 0, "protocol": "resp", "permissions": ["read", "write"]},
  {"name": "ro", "host": "127.0.0.1", "port": 7002, "protocol": "resp", "permissions": ["read"], "reply_syntax": "json"},
  {"name": "tenant", "host": "::1", "port": 7003, "protocol": "resp", "permissions": ["read", "write"], "namespace": "ns tenant1", "namespace_locked": true},
  {"name": "mc", "host": "127.0.0.1", "port": 7004, "protocol": "memcache", "permissions": ["read", "write"]},
  {"name": "ops", "host": "127.0.0.1", "port": 7005, "protocol": "resp", "permissions": ["admin", "stats"],
   "tls": {"certs": [{"cert": "rsa.crt", "key": "rsa.key"}, {"cert": "ec.crt", "key": "ec.key"}]}}]}
"""


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def module_args():
    return ["--module-dir", MODULE_DIR] if MODULE_DIR else []


class ConfigFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="keel-conf-")
        cls.c = make_certs(cls.dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text if isinstance(text, str) else json.dumps(text))
        return path

    def check(self, path, *extra):
        out = subprocess.run([SERVER, "--check-config", path] + module_args() + list(extra),
                             capture_output=True, text=True, timeout=60)
        return out.returncode, out.stdout, out.stderr

    def errors(self, config):
        rc, out, err = self.check(self.write("bad.json", config))
        self.assertEqual(rc, 1, out + err)
        return [line for line in err.splitlines()[1:] if line.startswith("$")]

    def start_fails(self, path):
        """Starts the server on path; asserts it exits 1.  Returns its output."""
        out = subprocess.run([SERVER, "--config", path, "--dir", self.dir] + module_args(),
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertNotIn(" ready (pid ", out.stdout)
        return out.stdout + out.stderr

    # ---- the example ----

    def example_modules_present(self):
        return all(have_module(m) for m in json.loads(EXAMPLE)["modules"])

    def test_issue_example_checks_ok_as_written(self):
        if not self.example_modules_present():
            self.skipTest("not every module of the example is built")
        path = self.write("example.json", EXAMPLE)
        rc, out, err = self.check(path)
        self.assertEqual((rc, out), (0, path + ": ok\n"), err)

    def test_issue_example_runs_with_free_ports(self):
        cfg = json.loads(EXAMPLE)
        cfg["modules"] = [m for m in cfg["modules"] if have_module(m)]
        cfg["networks"] = [n for n in cfg["networks"] if n["protocol"] in cfg["modules"]]
        for n in cfg["networks"]:
            if n["port"]:
                n["port"] = free_port() if n["host"] != "::1" else 0
        files = {}
        for name in ("rsa.crt", "rsa.key", "ec.crt", "ec.key"):
            with open(os.path.join(self.dir, name), "rb") as f:
                files[name] = f.read()
        with KeelConfigServer(cfg, files=files) as srv:
            self.assertEqual(set(srv.ports), {n["name"] for n in cfg["networks"]})
            self.assertEqual(srv.cli("app", "PING").strip(), "PONG")
            self.assertEqual(srv.cli("tenant", "PING").strip(), "PONG")
            s = srv.raw("ro")
            s.sendall(b"PING\r\n")
            self.assertEqual(s.recv(100), b'"PONG"\n')
            s.close()
            out = srv.cli("ops", "STATS", "network", tls=["--tls", "--cacert", self.c["ca"]])
            self.assertEqual(json.loads(out)["network"]["ops"]["tls"]["key_types"], "RSA,ECDSA")

    def test_contrib_examples_check_ok(self):
        contrib = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "contrib")
        rc, out, err = self.check(os.path.join(contrib, "keel.json"))
        self.assertEqual(rc, 0, err)
        if not self.example_modules_present():
            return
        for name in ("keel-networks.json", "announce.sh"):      # beside certificates of our own
            shutil.copy(os.path.join(contrib, name), os.path.join(self.dir, name))
        rc, out, err = self.check(os.path.join(self.dir, "keel-networks.json"))
        self.assertEqual(rc, 0, err)

    # ---- --check-config ----

    def test_every_error_is_reported_with_its_json_path(self):
        errs = self.errors({
            "modules": ["resp", "strings", "nosuch"], "threads": "two", "color": "blue",
            "networks": [
                {"name": "a", "port": 17010, "permissions": ["read", "sudo"], "reply_syntax": "xml"},
                {"name": "a", "port": 17010, "protocol": "carrier-pigeon"},
                {"name": "t", "host": "no-such-host.invalid", "port": 70000,
                 "tls": {"certs": [{"cert": "missing.crt", "key": "rsa.key"}, {"cert": "ec.crt", "key": "rsa.key"}],
                         "min_version": "1.1", "client_certs": "required", "tickets": True}},
                {"name": "p", "namespace": "tenant1", "namespace_locked": "yes", "on_startup": "./nope.sh"},
                "not an object",
            ]})
        expected = [
            "$.threads: expected an integer from 0 to 256",
            "$.color: unknown field",
            "$.networks[0].permissions[1]: unknown permission (use read, write, admin, stats)",
            "$.networks[0].reply_syntax: expected one of resp, json, python",
            "$.networks[2].port: expected an integer from 0 to 65535",
            "$.networks[2].tls.min_version: expected \"1.2\" or \"1.3\" (TLS below 1.2 is not offered)",
            "$.networks[2].tls.tickets: unknown field",
            "$.networks[2].tls.client_certs: needs \"ca\", the CA file that checks client certificates",
            "$.networks[3].namespace: expected \"ns name [name ...]\"",
            "$.networks[3].namespace_locked: expected true or false",
            "$.networks[4]: expected an object",
            "$.networks[1].name: \"a\" is the name of another network too",
            "$.networks[1].port: 127.0.0.1:17010 is bound by $.networks[0] (a) already",
            "$.networks[2].tls.certs[0].cert: cannot read %s/missing.crt: No such file or directory" % self.dir,
            "$.networks[2].tls.certs[1].key: %s/rsa.key is not the private key of %s/ec.crt" % (self.dir, self.dir),
            "$.networks[3].on_startup: cannot run %s/nope.sh: No such file or directory" % self.dir,
            "$.networks[1].protocol: protocol 'carrier-pigeon' is not provided by any loaded module",
        ]
        for line in expected:
            self.assertIn(line, errs)
        self.assertTrue(any(e.startswith("$.modules[2]: no module \"nosuch\"") for e in errs), errs)
        self.assertTrue(any(e.startswith("$.networks[2].host: cannot resolve \"no-such-host.invalid\"") for e in errs),
                        errs)
        self.assertEqual(len(errs), len(expected) + 2, "\n".join(errs))

    def test_not_json_at_all(self):
        rc, out, err = self.check(self.write("broken.json", '{"networks": [}'))
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"broken\.json:1:\d+: ")

    def test_each_error_is_one_line_whatever_the_file_holds(self):
        # control bytes the file puts into a message (a JSON parse error quotes the bytes it
        # stopped at; names may hold "\n") are written as \xNN: the count in the first line is
        # the number of lines after it (the config fuzz target found a parse error over two)
        rc, out, err = self.check(self.write("ctl.json", '{"networks": [{"name": "\\u00\n\x01"}]}'))
        self.assertEqual(rc, 1)
        lines = err.splitlines()
        self.assertRegex(lines[0], r"^keel-server: 1 error in ")
        self.assertEqual(len(lines), 2, err)
        self.assertIn("\\x0a", lines[1])
        rc, out, err = self.check(self.write("names.json", {"modules": ["resp", "two\nlines"],
                                                            "networks": [{"name": "a\x01", "port": 0},
                                                                         {"name": "a\x01", "port": 0}]}))
        self.assertEqual(rc, 1)
        lines = err.splitlines()
        self.assertRegex(lines[0], r"^keel-server: 2 errors in ")
        self.assertEqual(len(lines), 3, err)
        self.assertTrue(lines[1].startswith("$.modules[1]: no module \"two\\x0alines\""), lines[1])
        self.assertEqual(lines[2], '$.networks[1].name: "a\\x01" is the name of another network too')

    def test_wildcard_and_specific_address_clash(self):
        errs = self.errors({"networks": [{"name": "any", "host": "0.0.0.0", "port": 17020},
                                         {"name": "lo", "host": "127.0.0.1", "port": 17020},
                                         {"name": "v6", "host": "::1", "port": 17020}]})
        self.assertEqual(errs, ["$.networks[1].port: 127.0.0.1:17020 is bound by $.networks[0] (any) already"])
        errs = self.errors({"networks": [{"name": "any6", "host": "::", "port": 17021},
                                         {"name": "lo", "host": "127.0.0.1", "port": 17021}]})
        self.assertEqual(errs, ["$.networks[1].port: 127.0.0.1:17021 is bound by $.networks[0] (any6) already"])

    def test_reply_syntax_only_for_resp_and_tls_certs_one_per_key_type(self):
        if not have_module("memcache"):
            self.skipTest("memcache module not built")
        c = self.c
        errs = self.errors({"networks": [
            {"name": "mc", "protocol": "memcache", "reply_syntax": "json"},
            {"name": "t", "tls": {"certs": [{"cert": c["rsa_crt"], "key": c["rsa_key"]},
                                            {"cert": c["client_crt"], "key": c["client_key"]}]}}]})
        self.assertIn("$.networks[0].reply_syntax: \"json\" replies are for resp networks (this one speaks memcache)",
                      errs)
        self.assertIn("$.networks[1].tls.certs[1].cert: a second RSA certificate (give one certificate per key type)",
                      errs)

    def test_modules_flag_is_named_in_errors(self):
        rc, out, err = self.check(self.write("ok.json", {"networks": [{"name": "a"}]}), "--modules", "resp,nosuch")
        self.assertEqual(rc, 1)
        self.assertIn("--modules: no module \"nosuch\"", err)

    def test_valid_file_says_ok(self):
        c = self.c
        path = self.write("good.json", {
            "modules": ["resp"],
            "log": {"level": "info"},
            "networks": [{"name": "a", "port": 0, "on_startup": ["/bin/true", "x"]},
                         {"name": "b", "host": "::1", "port": 0, "reply_syntax": "python",
                          "tls": {"certs": [{"cert": c["ec_crt"], "key": c["ec_key"]}], "ca": c["ca"],
                                  "client_certs": "optional", "min_version": "1.3", "session_tickets": False,
                                  "ticket_rotation": 600, "ciphersuites": "TLS_AES_128_GCM_SHA256"}}]})
        self.assertEqual(self.check(path)[:2], (0, path + ": ok\n"))

    # ---- a bad config never starts ----

    def test_bad_config_never_starts(self):
        out = self.start_fails(self.write("bad.json", {"networks": [{"name": "a", "port": "6379"}]}))
        self.assertIn("$.networks[0].port: expected an integer", out)

    def test_missing_certificate_stops_the_start_before_anything_listens(self):
        port = free_port()
        out = self.start_fails(self.write("tls.json", {"networks": [
            {"name": "a", "port": port},
            {"name": "b", "port": 0, "tls": {"certs": [{"cert": "gone.crt", "key": "gone.key"}]}}]}))
        self.assertIn("$.networks[1].tls.certs[0].cert: cannot read", out)
        self.assertNotIn("listening", out)

    def test_a_port_in_use_stops_the_whole_server(self):
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        taken = blocker.getsockname()[1]
        try:
            out = self.start_fails(self.write("clash.json", {"networks": [
                {"name": "first", "port": 0}, {"name": "second", "port": taken}]}))
        finally:
            blocker.close()
        self.assertIn("network second: cannot listen on 127.0.0.1:%d" % taken, out)

    def test_unknown_protocol_stops_the_start(self):
        out = self.start_fails(self.write("proto.json", {"modules": ["resp"], "networks": [
            {"name": "a", "port": 0}, {"name": "m", "port": 0, "protocol": "memcache"}]}))
        self.assertIn("$.networks[1].protocol: protocol 'memcache' is not provided by any loaded module", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
