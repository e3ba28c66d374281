"""test_tls.py -- TLS networks through real clients: redis-cli --tls, redis-py with ssl=True,
`openssl s_client` and Python's ssl module, against certificates made here by `openssl req`.

RSA and ECDSA certificates on one listener (the client's offer picks), TLS 1.2 and 1.3, minimum
versions, optional and required client certificates, ADMIN TLS RELOAD with new certificates while
connections stay open, session tickets (resumption, across a reload, key rotation), and handshakes
that never hold a worker thread.
"""
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import redis

from keel_harness import KeelConfigServer, make_certs, wait_until


def s_client(port, *args, ca=None, input_=b"", host="127.0.0.1"):
    """Runs openssl s_client against port; returns (returncode, stdout+stderr text)."""
    cmd = ["openssl", "s_client", "-connect", "%s:%d" % (host, port), "-servername", "localhost"]
    if ca:
        cmd += ["-CAfile", ca, "-verify_return_error"]
    out = subprocess.run(cmd + list(args), input=input_, capture_output=True, timeout=30)
    return out.returncode, (out.stdout + out.stderr).decode(errors="replace")


def tls_context(ca, cert=None, key=None, minimum=None, maximum=None):
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    if minimum:
        ctx.minimum_version = minimum
    if maximum:
        ctx.maximum_version = maximum
    return ctx


def ping_once(port, ctx, session=None):
    """One TLS connection sending PING; returns (reply, session, reused)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost", session=session) as s:
            s.sendall(b"PING\r\n")
            reply = s.recv(100)
            return reply, s.session, s.session_reused


class TLSNetworks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="keel-tls-")
        cls.c = make_certs(cls.tmp)
        cls.other = make_certs(cls.tmp, prefix="other-")     # a second CA, for reload and strangers
        c = cls.c
        # the reload network reads copies, beside the config (relative names), that tests overwrite
        copies = {}
        for name in ("rsa.crt", "rsa.key", "ec.crt", "ec.key"):
            with open(os.path.join(cls.tmp, name), "rb") as f:
                copies["reload-" + name] = f.read()
        both = [{"cert": c["rsa_crt"], "key": c["rsa_key"]}, {"cert": c["ec_crt"], "key": c["ec_key"]}]
        cls.srv = KeelConfigServer({
            "modules": ["resp", "strings"], "threads": 2,
            "networks": [
                {"name": "plain", "port": 0},
                {"name": "ro", "port": 0, "permissions": ["read", "stats"]},
                {"name": "tls", "port": 0, "tls": {"certs": both, "ca": c["ca"]}},
                {"name": "tls13", "port": 0, "tls": {"certs": both, "min_version": "1.3"}},
                {"name": "tls12", "port": 0, "tls": {"certs": both, "max_version": "1.2"}},
                {"name": "mtls", "port": 0, "tls": {"certs": both[1:], "ca": c["ca"], "client_certs": "required"}},
                {"name": "rot", "port": 0, "tls": {"certs": both[:1], "ticket_rotation": 1}},
                {"name": "reload", "port": 0, "permissions": ["read", "write", "admin", "stats"],
                 "tls": {"certs": [{"cert": "reload-rsa.crt", "key": "reload-rsa.key"},
                                   {"cert": "reload-ec.crt", "key": "reload-ec.key"}]}},
            ]}, files=copies).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def port(self, name):
        return self.srv.ports[name]

    def tls_client(self, name, **kw):
        kw.setdefault("ssl_ca_certs", self.c["ca"])
        return self.srv.client(name, ssl=True, ssl_cert_reqs="required", **kw)

    def network_stats(self, name):
        import json
        return json.loads(self.srv.client("plain").execute_command("STATS", "network"))["network"][name]

    # ---- clients ----

    def test_redis_cli_over_tls(self):
        flags = ["--tls", "--cacert", self.c["ca"]]
        self.assertEqual(self.srv.cli("tls", "SET", "cli:k", "v", tls=flags).strip(), "OK")
        self.assertEqual(self.srv.cli("tls", "GET", "cli:k", tls=flags).strip(), "v")
        with_cert = flags + ["--cert", self.c["client_crt"], "--key", self.c["client_key"]]
        self.assertEqual(self.srv.cli("mtls", "GET", "cli:k", tls=with_cert).strip(), "v")

    def test_redis_py_big_values_and_pipelines(self):
        r = self.tls_client("tls")
        big = os.urandom(3 * 1024 * 1024 + 7)
        r.set("big", big)
        self.assertEqual(r.get("big"), big)          # many records, partial writes both ways
        p = r.pipeline(transaction=False)
        for i in range(2000):
            p.set("p:%d" % i, "x" * (i % 50))
            p.get("p:%d" % i)
        out = p.execute()
        self.assertEqual(out[1::2], [b"x" * (i % 50) for i in range(2000)])
        r.delete("big")

    def test_plain_client_on_a_tls_port_is_refused_and_the_server_carries_on(self):
        before = self.network_stats("tls")["tls_handshake_failures"]
        s = self.srv.raw("tls")
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        s.settimeout(5)
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
        self.assertNotIn(b"PONG", data)
        s.close()
        wait_until("the failed handshake to be counted",
                   lambda: self.network_stats("tls")["tls_handshake_failures"] > before)
        self.assertTrue(self.tls_client("tls").ping())

    def test_a_stalled_handshake_holds_no_thread(self):
        stalled = []
        for _ in range(4):                           # a half ClientHello on each worker thread
            s = self.srv.raw("tls")
            s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
            stalled.append(s)
        # a handshake that held its thread would leave these unanswered (the clients' timeouts
        # would fail the test): answered at all is the check, not how fast
        for _ in range(8):
            self.assertTrue(self.tls_client("tls").ping())
            self.assertTrue(self.srv.client("plain").ping())
        for s in stalled:
            s.close()

    # ---- which certificate: the client's offer picks ----

    def public_key_bits(self, text):
        for line in text.splitlines():
            if line.startswith("Server public key is"):
                return int(line.split()[4])
        self.fail("no server public key in:\n" + text)

    def test_ecdsa_only_offer_gets_the_ecdsa_certificate(self):
        for args in (["-tls1_3", "-sigalgs", "ECDSA+SHA256"],
                     ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"]):
            rc, out = s_client(self.port("tls"), *args, ca=self.c["ca"])
            self.assertEqual(rc, 0, out)
            self.assertEqual(self.public_key_bits(out), 256, args)

    def test_rsa_only_offer_gets_the_rsa_certificate(self):
        for args in (["-tls1_3", "-sigalgs", "rsa_pss_rsae_sha256"],
                     ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]):
            rc, out = s_client(self.port("tls"), *args, ca=self.c["ca"])
            self.assertEqual(rc, 0, out)
            self.assertEqual(self.public_key_bits(out), 2048, args)

    # ---- versions ----

    def test_tls_1_2_and_1_3_both_work_by_default(self):
        for flag, name in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
            rc, out = s_client(self.port("tls"), flag, ca=self.c["ca"])
            self.assertEqual(rc, 0, out)
            self.assertIn("New, %s, Cipher is" % name, out)

    def test_tls_1_1_is_refused_when_the_minimum_is_1_2(self):
        rc, out = s_client(self.port("tls"), "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("Cipher is (NONE)", out)
        self.assertIn("alert protocol version", out)     # the server's answer to a 1.1 hello
        rc, out = s_client(self.port("tls"), "-tls1_2", ca=self.c["ca"])
        self.assertEqual(rc, 0, out)

    def test_minimum_1_3_refuses_1_2(self):
        rc, out = s_client(self.port("tls13"), "-tls1_2")
        self.assertNotEqual(rc, 0, out)
        rc, out = s_client(self.port("tls13"), "-tls1_3", ca=self.c["ca"])
        self.assertEqual(rc, 0, out)

    def test_maximum_1_2_refuses_1_3(self):
        rc, out = s_client(self.port("tls12"), "-tls1_3")
        self.assertNotEqual(rc, 0, out)
        rc, out = s_client(self.port("tls12"), ca=self.c["ca"])
        self.assertIn("New, TLSv1.2, Cipher is", out)

    # ---- client certificates ----

    def test_required_client_certificate(self):
        flags = ["--tls", "--cacert", self.c["ca"]]
        out = subprocess.run(["redis-cli", "-p", str(self.port("mtls"))] + flags + ["PING"],
                             capture_output=True, text=True, timeout=30)
        self.assertNotIn("PONG", out.stdout)
        r = self.tls_client("mtls", ssl_certfile=self.c["client_crt"], ssl_keyfile=self.c["client_key"])
        self.assertTrue(r.ping())
        import json
        me = json.loads(r.execute_command("SELF", "STATS"))
        self.assertIn("keel-client", me["tls"]["client_cert"])
        self.assertEqual(me["network"], "mtls")

    def test_optional_client_certificate_must_verify_when_given(self):
        import json
        plain = self.tls_client("tls")
        self.assertIsNone(json.loads(plain.execute_command("SELF", "STATS"))["tls"]["client_cert"])
        mine = self.tls_client("tls", ssl_certfile=self.c["client_crt"], ssl_keyfile=self.c["client_key"])
        self.assertIn("keel-client", json.loads(mine.execute_command("SELF", "STATS"))["tls"]["client_cert"])
        stranger = self.tls_client("tls", ssl_certfile=self.other["client_crt"], ssl_keyfile=self.other["client_key"])
        with self.assertRaises((redis.ConnectionError, ssl.SSLError, OSError)):
            stranger.ping()

    # ---- reload ----

    def test_reload_swaps_certificates_and_keeps_connections(self):
        admin = self.tls_client("reload")
        admin.set("reload:k", "before")
        old_ctx = tls_context(self.c["ca"])
        self.assertEqual(ping_once(self.port("reload"), old_ctx)[0], b"+PONG\r\n")
        for name in ("rsa.crt", "rsa.key", "ec.crt", "ec.key"):   # certificates of another CA
            shutil.copy(os.path.join(self.tmp, "other-" + name), os.path.join(self.srv.dir, "reload-" + name))
        self.assertEqual(admin.execute_command("ADMIN", "TLS", "RELOAD", "reload"), 1)
        self.assertEqual(admin.get("reload:k"), b"before")             # the open connection goes on
        with self.assertRaises(ssl.SSLError):
            ping_once(self.port("reload"), old_ctx)                    # new ones get the new chain
        self.assertEqual(ping_once(self.port("reload"), tls_context(self.other["ca"]))[0], b"+PONG\r\n")
        # broken files: the reload fails, says why, and the current certificates stay
        with open(os.path.join(self.srv.dir, "reload-ec.key"), "w") as f:
            f.write("not a key\n")
        with self.assertRaises(redis.ResponseError) as e:
            admin.execute_command("ADMIN", "TLS", "RELOAD")
        self.assertIn("tls.certs[1].key", str(e.exception))
        self.assertEqual(ping_once(self.port("reload"), tls_context(self.other["ca"]))[0], b"+PONG\r\n")
        self.assertEqual(admin.get("reload:k"), b"before")
        for name in ("rsa.crt", "rsa.key", "ec.crt", "ec.key"):
            shutil.copy(os.path.join(self.tmp, "other-" + name), os.path.join(self.srv.dir, "reload-" + name))
        admin.execute_command("ADMIN", "TLS", "RELOAD")

    def test_reload_needs_admin(self):
        with self.assertRaises(redis.ResponseError) as e:
            self.srv.client("ro").execute_command("ADMIN", "TLS", "RELOAD")
        self.assertIn("needs the admin permission", str(e.exception))
        with self.assertRaises(redis.ResponseError) as e:
            self.srv.client("plain").execute_command("ADMIN", "TLS", "RELOAD", "plain")
        self.assertIn("no TLS network named 'plain'", str(e.exception))

    # ---- sessions ----

    def test_tls13_session_tickets_resume(self):
        ctx = tls_context(self.c["ca"], minimum=ssl.TLSVersion.TLSv1_3)
        reply, session, reused = ping_once(self.port("tls"), ctx)
        self.assertEqual(reply, b"+PONG\r\n")
        self.assertFalse(reused)
        reply, _, reused = ping_once(self.port("tls"), ctx, session)
        self.assertEqual(reply, b"+PONG\r\n")
        self.assertTrue(reused)
        self.assertGreater(self.network_stats("tls")["tls"]["resumed"], 0)

    def test_tls12_session_tickets_resume(self):
        ctx = tls_context(self.c["ca"], maximum=ssl.TLSVersion.TLSv1_2)
        _, session, _ = ping_once(self.port("tls"), ctx)
        self.assertTrue(ping_once(self.port("tls"), ctx, session)[2])

    def test_tickets_survive_a_reload(self):
        ctx = tls_context(self.other["ca"], minimum=ssl.TLSVersion.TLSv1_3)
        _, session, _ = ping_once(self.port("reload"), ctx)
        self.tls_client("reload", ssl_ca_certs=self.other["ca"]).execute_command("ADMIN", "TLS", "RELOAD", "reload")
        self.assertTrue(ping_once(self.port("reload"), ctx, session)[2])

    def test_ticket_keys_rotate(self):
        ctx = tls_context(self.c["ca"], minimum=ssl.TLSVersion.TLSv1_3)
        # within the period a ticket resumes.  Tickets stay valid 2 to 3 periods (2 s here): only
        # a resumption that began within 2 s of the ticket is held to it, and a machine too
        # stalled for that tries again
        for attempt in range(5):
            t_first = time.monotonic()
            _, session, _ = ping_once(self.port("rot"), ctx)
            reused = ping_once(self.port("rot"), ctx, session)[2]
            if reused or time.monotonic() - t_first < 2.0:
                break
        self.assertTrue(reused, "a ticket did not resume within its rotation period")
        time.sleep(3.3)        # three rotations of 1 s: the key that made the ticket is gone
        reply, _, reused = ping_once(self.port("rot"), ctx, session)
        self.assertEqual(reply, b"+PONG\r\n")
        self.assertFalse(reused)

    # ---- stats ----

    def test_stats_describe_tls_networks(self):
        n = self.network_stats("tls")
        self.assertEqual(n["tls"]["key_types"], "RSA,ECDSA")
        self.assertEqual(n["tls"]["min_version"], "1.2")
        self.assertEqual(n["tls"]["client_certs"], "optional")
        self.assertGreater(n["tls_handshakes"], 0)
        self.assertFalse(self.network_stats("plain")["tls"])
        import json
        me = json.loads(self.tls_client("tls").execute_command("SELF", "STATS"))
        self.assertIn(me["tls"]["version"], ("TLSv1.2", "TLSv1.3"))
        self.assertTrue(me["tls"]["cipher"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
