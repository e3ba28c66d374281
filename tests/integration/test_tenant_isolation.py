"""test_tenant_isolation.py -- what a network locked to a namespace (a tenant) may see and do
beyond its keys: other networks' clients and the server-wide script state.

A tenant's clients see only their own network's clients (CLIENT LIST, CLIENT LIST ID), cannot
unblock another network's client, pause or unpause the server, or kill one; the function
libraries, the script cache and a running script are every tenant's, so FUNCTION (but FCALL),
SCRIPT FLUSH and SCRIPT KILL need the admin permission there, while EVAL, EVALSHA, SCRIPT LOAD,
SCRIPT EXISTS and FCALL of a library the operator loaded work, inside the tenant's namespace.
"""
import os
import threading
import unittest

import redis

from keel_harness import KeelConfigServer, MODULE_DIR, wait_until

LIBRARY = """#!lua name=ops
redis.register_function('bump', function(keys, args) return redis.call('INCR', keys[1]) end)
"""


def have_module(name):
    return os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


def admin_list_of(r, cid):
    return r.execute_command("CLIENT", "LIST", "ID", cid)


def library_names(r):
    """FUNCTION LIST's library names (each library a flat name/value list in RESP2)."""
    return [lib[lib.index(b"library_name") + 1] for lib in r.execute_command("FUNCTION", "LIST")]


def refused(fn, *args):
    """The error text of fn(*args), or None when it succeeded."""
    try:
        fn(*args)
    except redis.ResponseError as e:
        return str(e)
    return None


class TenantIsolation(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.modules = [m for m in ("resp", "strings", "lists", "scripting") if have_module(m)]
        locked = {"namespace_locked": True, "permissions": ["read", "write"]}
        nets = [{"name": "admin", "port": 0},
                dict(locked, name="tenant", port=0, namespace="ns t1"),
                dict(locked, name="other", port=0, namespace="ns t2"),
                dict(locked, name="tenantadmin", port=0, namespace="ns t1",
                     permissions=["read", "write", "admin"])]
        cls.srv = KeelConfigServer({"modules": cls.modules, "threads": 2, "networks": nets}).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def client(self, net):
        return self.srv.client(net, single_connection_client=True)

    def need(self, module):
        if module not in self.modules:
            self.skipTest(module + " module not built")

    # ---- clients ----

    def test_client_list_shows_only_the_tenants_own_network(self):
        admin, tenant, tenant2, other = (self.client(n) for n in ("admin", "tenant", "tenant", "other"))
        ids = {n: c.client_id() for n, c in (("admin", admin), ("tenant", tenant), ("tenant2", tenant2),
                                              ("other", other))}
        seen = {c["id"] for c in tenant.client_list()}
        self.assertIn(str(ids["tenant"]), seen)
        self.assertIn(str(ids["tenant2"]), seen)
        self.assertNotIn(str(ids["admin"]), seen)
        self.assertNotIn(str(ids["other"]), seen)
        self.assertEqual({c["network"] for c in tenant.client_list()}, {"tenant"})
        self.assertEqual(tenant.execute_command("CLIENT", "LIST", "ID", ids["admin"], ids["other"]), b"")
        self.assertIn(b"id=%d " % ids["admin"], admin_list_of(self.client("admin"), ids["admin"]))
        every = {c["id"] for c in admin.client_list()}          # an admin network sees everyone
        self.assertTrue({str(i) for i in ids.values()} <= every)
        self.assertEqual(int(tenant.client_info()["id"]), ids["tenant"])

    def test_tenant_cannot_unblock_another_networks_client(self):
        self.need("lists")
        admin, blocked, tenant = self.client("admin"), self.client("admin"), self.client("tenant")
        bid = blocked.client_id()
        got = []
        waiter = threading.Thread(target=lambda: got.append(blocked.blpop("tenant-iso-list", 120)))
        waiter.start()
        wait_until("the BLPOP to park",
                   lambda: any(c["id"] == str(bid) and c["cmd"] == "blpop" for c in admin.client_list()))
        self.assertEqual(tenant.client_unblock(bid), False)      # as if there were no such client
        self.assertEqual(tenant.client_unblock(bid, error=True), False)
        self.assertTrue(waiter.is_alive())
        self.assertEqual(admin.client_unblock(bid), True)        # the operator can
        waiter.join(60)
        self.assertEqual(got, [None])

    def test_tenant_cannot_unblock_a_client_of_another_tenant(self):
        self.need("lists")
        other, tenant = self.client("other"), self.client("tenant")
        oid = other.client_id()
        got = []

        def pop():
            try:
                got.append(other.blpop("l", 120))
            except redis.ResponseError as e:
                got.append(str(e))
        waiter = threading.Thread(target=pop)
        waiter.start()
        admin = self.client("admin")
        wait_until("the BLPOP to park",
                   lambda: any(c["id"] == str(oid) and c["cmd"] == "blpop" for c in admin.client_list()))
        self.assertEqual(tenant.client_unblock(oid), False)
        self.assertEqual(admin.client_unblock(oid, error=True), True)
        waiter.join(60)
        self.assertEqual(got, ["UNBLOCKED client unblocked via CLIENT UNBLOCK"])

    def test_pause_unpause_and_kill_need_admin(self):
        tenant, admin = self.client("tenant"), self.client("admin")
        for args in (("PAUSE", "60000"), ("PAUSE", "60000", "WRITE"), ("UNPAUSE",), ("KILL", "ID", "1")):
            why = refused(tenant.execute_command, "CLIENT", *args)
            self.assertIsNotNone(why, args)
            self.assertIn("needs the admin permission", why)
        self.assertTrue(admin.set("served", "1"))                 # nothing was paused
        ta = self.client("tenantadmin")                           # admin permission: allowed
        self.assertTrue(ta.client_pause(1, all=False))
        self.assertTrue(ta.client_unpause())

    # ---- functions and scripts ----

    def test_functions_are_managed_from_an_admin_network_and_called_in_the_namespace(self):
        self.need("scripting")
        self.need("strings")
        admin, tenant, other = self.client("admin"), self.client("tenant"), self.client("other")
        admin.function_flush()
        self.assertEqual(admin.function_load(LIBRARY), b"ops")
        for args in (("LOAD", "REPLACE", LIBRARY), ("LIST",), ("LIST", "WITHCODE"), ("DUMP",), ("STATS",),
                     ("DELETE", "ops"), ("FLUSH",), ("KILL",), ("RESTORE", "x")):
            why = refused(tenant.execute_command, "FUNCTION", *args)
            self.assertIsNotNone(why, args)
            self.assertIn("needs the admin permission", why, args)
        self.assertEqual(library_names(admin), [b"ops"])         # untouched
        self.assertEqual(tenant.fcall("bump", 1, "count"), 1)     # calling is allowed
        self.assertEqual(tenant.fcall("bump", 1, "count"), 2)
        self.assertEqual(other.fcall("bump", 1, "count"), 1)      # the other tenant's own key
        self.assertEqual(tenant.get("count"), b"2")
        self.assertIsNone(admin.get("count"))                     # not at the top
        ta = self.client("tenantadmin")                           # a locked network with admin
        self.assertEqual(ta.function_load(LIBRARY, replace=True), b"ops")
        admin.function_flush()

    def test_scripts_run_but_the_cache_is_flushed_and_scripts_killed_by_admins(self):
        self.need("scripting")
        self.need("strings")
        admin, tenant = self.client("admin"), self.client("tenant")
        sha = tenant.script_load("return redis.call('INCR', KEYS[1])")
        self.assertEqual(tenant.script_exists(sha), [True])
        self.assertEqual(tenant.evalsha(sha, 1, "s"), 1)
        self.assertEqual(tenant.eval("return redis.call('GET', KEYS[1])", 1, "s"), b"1")
        for args in (("FLUSH",), ("FLUSH", "ASYNC"), ("KILL",)):
            why = refused(tenant.execute_command, "SCRIPT", *args)
            self.assertIsNotNone(why, args)
            self.assertIn("needs the admin permission", why, args)
        self.assertEqual(admin.script_exists(sha), [True])        # the cache is untouched
        self.assertEqual(refused(admin.script_kill), "NOTBUSY No scripts in execution right now.")


if __name__ == "__main__":
    unittest.main(verbosity=2)
