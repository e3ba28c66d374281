"""test_modules.py -- which modules a real keel-server loads, from which directories of its
module path, what MODULE LIST says about them, and how a broken or missing module is left out
(or, when required, stops the start).
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import redis

from keel_harness import KeelConfigServer, KeelServer, MODULE_DIR, wait_until

TEST_MODULES = os.environ.get("KEEL_TEST_MODULES", "")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def built_modules():
    return sorted(f[:-3] for f in os.listdir(MODULE_DIR) if f.endswith(".so"))


def default_args():
    """With every module loaded, the memcache listener must not take its fixed port."""
    return ["--memcache-port", "0"] if have_module("memcache") else []


def raw_client(srv):
    """A redis-py client that hands back replies as they came (no reply callbacks)."""
    c = srv.client()
    c.response_callbacks.clear()
    return c


def module_list(r):
    out = {}
    for entry in r.execute_command("MODULE", "LIST"):
        d = dict(zip(entry[0::2], entry[1::2]))
        out[d[b"name"].decode()] = d
    return out


def unknown(name, *args):
    return "unknown command '%s', with args beginning with: %s" % (name, "".join("'%s' " % a for a in args))


def error_of(r, *args):
    try:
        r.execute_command(*args)
    except redis.ResponseError as e:
        return str(e)
    raise AssertionError("no error for %r" % (args,))


def run_failing(srv, env=None):
    """Runs a server that must refuse to start; returns (exit code, everything it printed)."""
    out = subprocess.run(srv.cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30,
                         env=dict(os.environ, **(env or {})))
    text = out.stdout.decode(errors="replace")
    for mark in SANITIZER_MARKS:
        if mark in text:
            raise AssertionError("sanitizer report:\n" + text[-8000:])
    return out.returncode, text


def copy_modules(names, extra=()):
    """A temporary module directory with copies of built modules and test modules."""
    d = tempfile.mkdtemp(prefix="keel-mods-")
    for n in names:
        shutil.copy(os.path.join(MODULE_DIR, n + ".so"), os.path.join(d, n + ".so"))
    for src, dst in extra:
        shutil.copy(src, os.path.join(d, dst))
    return d


class DefaultModules(unittest.TestCase):
    def test_module_list_shows_every_module_with_version_file_and_commands(self):
        with KeelServer(*default_args(), threads=2) as srv:
            mods = module_list(raw_client(srv))
            self.assertEqual(set(mods), set(built_modules()) | {"core"})
            for name in built_modules():
                m = mods[name]
                self.assertEqual(set(m), {b"name", b"ver", b"path", b"description", b"commands"})
                self.assertRegex(m[b"ver"].decode(), r"^\d+\.\d+\.\d+")
                self.assertTrue(m[b"path"].decode().endswith("/%s.so" % name), m[b"path"])
                self.assertTrue(os.path.samefile(m[b"path"].decode(), os.path.join(MODULE_DIR, name + ".so")))
            self.assertEqual(mods["core"][b"path"], b"(built in)")
            self.assertIn(b"ping", mods["core"][b"commands"])
            self.assertIn(b"del", mods["core"][b"commands"])
            self.assertNotIn(b"delete", mods["core"][b"commands"], "aliases are not listed as commands")
            self.assertEqual(sorted(mods["resp"][b"commands"]), [b"hello", b"quit", b"reply.syntax", b"reset"])
            if have_module("pubsub"):
                self.assertIn(b"subscribe", mods["pubsub"][b"commands"])
                self.assertIn(b"publish", mods["pubsub"][b"commands"])
            if have_module("strings"):
                self.assertIn(b"get", mods["strings"][b"commands"])
                self.assertIn(b"set", mods["strings"][b"commands"])
            every = [c for m in mods.values() for c in m[b"commands"]]
            self.assertEqual(len(every), len(set(every)), "each command belongs to one module")
            self.assertEqual(len(every), srv.client().command_count())


class ChosenModules(unittest.TestCase):
    def test_resp_and_strings_only(self):
        if not have_module("strings"):
            self.skipTest("strings module not built")
        with KeelServer(threads=2, modules=["resp", "strings"]) as srv:
            r = raw_client(srv)
            self.assertEqual(set(module_list(r)), {"resp", "strings", "core"})
            self.assertEqual(error_of(r, "LPUSH", "l", "a"), unknown("LPUSH", "l", "a"))
            self.assertEqual(error_of(r, "SADD", "s", "a"), unknown("SADD", "s", "a"))
            self.assertEqual(r.execute_command("SET", "k", "v"), b"OK")
            self.assertEqual(r.get("k"), b"v")

    def test_resp_alone_has_no_data_commands(self):
        with KeelServer(threads=1, modules=["resp"]) as srv:
            r = raw_client(srv)
            self.assertEqual(r.execute_command("PING"), b"PONG")
            self.assertEqual(set(module_list(r)), {"resp", "core"})
            self.assertEqual(error_of(r, "GET", "k"), unknown("GET", "k"))
            self.assertEqual(error_of(r, "SET", "k", "v"), unknown("SET", "k", "v"))
            self.assertEqual(r.exists("k"), 0)   # the core's generic key commands are still there
            self.assertEqual(r.dbsize(), 0)
            self.assertIsNone(r.execute_command("COMMAND", "INFO", "get")[0])

    def test_a_third_party_module_from_another_directory(self):
        if not TEST_MODULES:
            self.skipTest("KEEL_TEST_MODULES not set")
        d = copy_modules(["resp"], [(os.path.join(TEST_MODULES, "mod_good.so"), "mod_good.so")])
        try:
            with KeelServer("--module-dir", d, threads=1, modules=["resp", "mod_good"]) as srv:
                r = raw_client(srv)
                self.assertEqual(r.execute_command("TESTGOOD"), b"good")
                self.assertEqual(r.execute_command("testgoodalias"), b"good")
                good = module_list(r)["mod_good"]
                self.assertEqual(good[b"ver"], b"1.2.3")
                self.assertEqual(good[b"description"], b"a test module")
                self.assertEqual(sorted(good[b"commands"]), [b"testaccess", b"testgood", b"testold"])
                self.assertEqual(good[b"path"].decode(), os.path.join(d, "mod_good.so"))
                docs = r.execute_command("COMMAND", "DOCS", "testgood")
                self.assertEqual(dict(zip(docs[1][0::2], docs[1][1::2]))[b"module"], b"mod_good")
        finally:
            shutil.rmtree(d)

    def test_a_modules_access_callback_decides_each_calls_permission(self):
        """mod_good's TESTACCESS is flagged write; its access callback asks for write only when its
        argument is "w".  TESTOLD comes in a definition as built against SDK ABI 1.1 (no callback)."""
        if not TEST_MODULES:
            self.skipTest("KEEL_TEST_MODULES not set")
        d = copy_modules(["resp"], [(os.path.join(TEST_MODULES, "mod_good.so"), "mod_good.so")])
        nets = [{"name": "ro", "port": 0, "permissions": ["read"]},
                {"name": "rw", "port": 0, "permissions": ["read", "write"]}]
        try:
            with KeelConfigServer({"modules": ["resp", "mod_good"], "threads": 1, "networks": nets},
                                  "--module-dir", d) as srv:
                ro, rw = srv.client("ro"), srv.client("rw")
                self.assertEqual(ro.execute_command("TESTACCESS", "r"), b"good")
                with self.assertRaises(redis.ResponseError) as e:
                    ro.execute_command("TESTACCESS", "w")
                self.assertEqual(str(e.exception), "this network does not allow the 'testaccess' "
                                                   "command (it needs the write permission)")
                self.assertEqual(rw.execute_command("TESTACCESS", "w"), b"good")
                self.assertEqual(ro.execute_command("TESTOLD"), b"good")
                rw.response_callbacks.clear()
                info = rw.execute_command("COMMAND", "INFO", "testaccess")[0]
                self.assertIn(b"write", info[2])   # COMMAND INFO shows the most it may do
        finally:
            shutil.rmtree(d)


class RefusedModules(unittest.TestCase):
    def setUp(self):
        if not TEST_MODULES:
            self.skipTest("KEEL_TEST_MODULES not set")

    def test_a_module_for_another_abi_is_left_out_before_its_code_runs(self):
        """Found by scanning the module path, a refused module is logged by file and reason and the
        server starts with the others; named as required, it stops the start."""
        names = ["resp"] + (["strings"] if have_module("strings") else [])
        bad = os.path.join(TEST_MODULES, "mod_bad_abi.so")
        d = copy_modules(names, [(bad, "mod_bad_abi.so")])
        marker = os.path.join(d, "init-ran")
        try:
            with KeelServer("--module-dir", d, threads=1, env={"KEEL_TEST_MARKER": marker}) as srv:
                r = raw_client(srv)
                self.assertEqual(sorted(module_list(r)), sorted(names + ["core"]))
                log = wait_until("the refusal logged", lambda: "is not loaded" in srv.read_log() and srv.read_log())
                self.assertIn("module file %s: refused: built for SDK ABI " % os.path.join(d, "mod_bad_abi.so"), log)
                self.assertIn("but this server speaks ABI", log)
                self.assertFalse(os.path.exists(marker), "the module's init must not run")
            config = {"modules": names + [{"name": "mod_bad_abi", "required": True}], "threads": 1}
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                json.dump(config, f)
            srv = KeelServer("--module-dir", d, "--config", f.name, threads=1)
            rc, text = run_failing(srv, env={"KEEL_TEST_MARKER": marker})
            os.unlink(f.name)
            self.assertEqual(rc, 1, text)
            self.assertIn("refused: built for SDK ABI", text)
            self.assertNotIn(" ready", text)
            self.assertFalse(os.path.exists(marker), "the module's init must not run")
        finally:
            shutil.rmtree(d)

    def test_other_broken_modules_are_left_out_with_their_reason(self):
        cases = {
            "mod_bad_magic": "not a Keel module descriptor",
            "mod_no_descriptor": "exports no keel_module_descriptor symbol",
            "mod_newer_minor": "needs SDK ABI",
        }
        for name, reason in cases.items():
            src = os.path.join(TEST_MODULES, name + ".so")
            if not os.path.exists(src):
                continue
            d = copy_modules(["resp"], [(src, name + ".so")])
            try:
                with KeelServer("--module-dir", d, threads=1) as srv:
                    self.assertEqual(sorted(module_list(raw_client(srv))), ["core", "resp"])
                    log = wait_until("the refusal logged", lambda: "is not loaded" in srv.read_log() and srv.read_log())
                    self.assertIn("module file %s: refused: " % os.path.join(d, name + ".so"), log)
                    self.assertIn(reason, log)
            finally:
                shutil.rmtree(d)

    def test_a_module_file_naming_itself_otherwise_is_refused(self):
        d = copy_modules(["resp"], [(os.path.join(TEST_MODULES, "mod_good.so"), "renamed.so")])
        try:
            rc, text = run_failing(KeelServer("--module-dir", d, threads=1, modules=["resp", "renamed"]))
            self.assertEqual(rc, 1, text)
            self.assertIn("module file %s names itself 'mod_good'" % os.path.join(d, "renamed.so"), text)
        finally:
            shutil.rmtree(d)


class ModulePath(unittest.TestCase):
    def test_modules_from_several_directories_first_one_wins(self):
        if not TEST_MODULES:
            self.skipTest("KEEL_TEST_MODULES not set")
        first = copy_modules(["resp"], [(os.path.join(TEST_MODULES, "mod_good.so"), "mod_good.so")])
        second = copy_modules(["resp", "strings"] if have_module("strings") else ["resp"])
        try:
            path = "%s:%s" % (first, second)
            with KeelServer("--module-dir", path, threads=1, modules=["resp", "mod_good"]) as srv:
                mods = module_list(raw_client(srv))
                self.assertEqual(mods["resp"][b"path"].decode(), os.path.join(first, "resp.so"))
                self.assertEqual(raw_client(srv).execute_command("TESTGOOD"), b"good")
            srv = KeelConfigServer({"module_dir": [second, first], "threads": 1,
                                    "networks": [{"name": "main", "port": 0}]})
            i = srv.cmd.index("--module-dir")   # the config's path, not the harness's flag
            del srv.cmd[i:i + 2]
            with srv:   # every module found, the first directory's resp
                r = srv.client("main")
                mods = module_list(r)
                self.assertEqual(mods["resp"][b"path"].decode(), os.path.join(second, "resp.so"))
                self.assertIn("mod_good", mods)
                self.assertEqual(r.execute_command("CONFIG", "GET", "module-dir")[1].decode().split(":")[:2], [second, first])
        finally:
            shutil.rmtree(first)
            shutil.rmtree(second)

    def test_a_missing_optional_module_is_logged_and_the_server_starts(self):
        config = {"modules": ["resp", {"name": "nosuchmodule", "required": False}], "threads": 1,
                  "networks": [{"name": "main", "port": 0}]}
        with KeelConfigServer(config) as srv:
            self.assertEqual(sorted(module_list(srv.client("main"))), ["core", "resp"])
            log = wait_until("the warning", lambda: "module nosuchmodule is not loaded" in srv.read_log() and srv.read_log())
            self.assertIn("nosuchmodule.so: cannot load", log)

    def test_a_bad_modules_entry_is_a_config_error(self):
        for entry in ({"name": 3}, {"name": "resp", "required": "yes"}, {"name": "resp", "args": []}, 7):
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                json.dump({"modules": ["resp", entry]}, f)
            rc, text = run_failing(KeelServer("--config", f.name, threads=1))
            os.unlink(f.name)
            self.assertEqual(rc, 1, text)
            self.assertIn("$.modules[1]: expected a module name or", text)


class MissingModules(unittest.TestCase):
    def test_an_unknown_module_name_is_a_clear_error_and_exit_code_1(self):
        rc, text = run_failing(KeelServer(threads=1, modules=["resp", "nosuchmodule"]))
        self.assertEqual(rc, 1, text)
        self.assertIn("nosuchmodule.so", text)
        self.assertIn("cannot load", text)
        self.assertNotIn(" ready", text)

    def test_an_invalid_module_name_is_refused(self):
        rc, text = run_failing(KeelServer(threads=1, modules=["resp", "../etc/evil"]))
        self.assertEqual(rc, 1, text)
        self.assertIn("module name '../etc/evil' is not valid", text)

    def test_without_the_resp_module_there_is_nothing_to_listen_with(self):
        if not have_module("strings"):
            self.skipTest("strings module not built")
        rc, text = run_failing(KeelServer(threads=1, modules=["strings"]))
        self.assertEqual(rc, 1, text)
        self.assertIn("protocol 'resp' is not provided by any loaded module", text)

    def test_a_missing_module_directory(self):
        rc, text = run_failing(KeelServer("--module-dir", "/nonexistent/keel-modules", threads=1))
        self.assertEqual(rc, 1, text)
        self.assertIn("/nonexistent/keel-modules", text)


if __name__ == "__main__":
    unittest.main(verbosity=2)
