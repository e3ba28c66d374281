"""test_limits.py -- the operator's limits on clients, through real sockets and redis-py:
max_clients (per network too) with the admin reserve, the idle timeout, TCP keepalive,
client-output-buffer-limit, client-query-buffer-limit, proto-max-bulk-len, protected mode and
the bounds on a client that has not authenticated yet.  No assertion depends on speed: waits are
for conditions, with generous deadlines.
"""
import socket
import subprocess
import time
import unittest

import redis

from keel_harness import KeelConfigServer, KeelServer, resp_command, wait_until


def read_reply_line(s, timeout=30):
    """The first line the server sends on s, or b"" when it closes first."""
    s.settimeout(timeout)
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = s.recv(4096)
        if not chunk:
            return data
        data += chunk
    return data


def closed_by_server(s, deadline=30):
    """True once the server closed s (reads return EOF), False if still open at the deadline."""
    s.settimeout(0.5)
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            if s.recv(1 << 20) == b"":
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def ping_ok(host, port):
    s = socket.create_connection((host, port), timeout=30)
    try:
        s.sendall(b"PING\r\n")
        return read_reply_line(s)
    finally:
        s.close()


class MaxClients(unittest.TestCase):
    def test_limits_max_clients_per_network_and_the_admin_reserve(self):
        config = {"max_clients": 6, "admin_reserve": 2, "networks": [
            {"name": "app", "port": 0, "permissions": ["read", "write"], "max_clients": 4},
            {"name": "other", "port": 0, "permissions": ["read", "write"]},
            {"name": "ops", "port": 0, "permissions": ["admin", "stats"]}]}
        with KeelConfigServer(config) as srv:
            held = []
            try:
                for _ in range(4):   # the app network's own bound
                    s = srv.raw("app")
                    s.sendall(b"PING\r\n")
                    self.assertEqual(read_reply_line(s), b"+PONG\r\n")
                    held.append(s)
                s = srv.raw("app")
                s.sendall(b"PING\r\n")
                self.assertEqual(read_reply_line(s), b"-ERR max number of clients reached\r\n")
                self.assertTrue(closed_by_server(s))
                s.close()
                for _ in range(2):   # the server-wide bound: 6 clients
                    s = srv.raw("other")
                    s.sendall(b"PING\r\n")
                    self.assertEqual(read_reply_line(s), b"+PONG\r\n")
                    held.append(s)
                s = srv.raw("other")
                s.sendall(b"PING\r\n")
                self.assertEqual(read_reply_line(s), b"-ERR max number of clients reached\r\n")
                s.close()
                # the admin network still gets in: its reserve of 2, and no more
                ops = srv.client("ops")
                info = ops.info("clients")
                self.assertEqual(int(info["connected_clients"]), 7)
                self.assertEqual(ops.config_get("maxclients"), {"maxclients": "6"})
                s = srv.raw("ops")
                s.sendall(b"PING\r\n")
                self.assertEqual(read_reply_line(s), b"+PONG\r\n")
                held.append(s)
                s = srv.raw("ops")
                s.sendall(b"PING\r\n")
                self.assertEqual(read_reply_line(s), b"-ERR max number of clients reached\r\n")
                s.close()
                self.assertEqual(int(ops.info("stats")["rejected_connections"]), 3)
                # clients that leave give their places back
                for s in held[:4]:
                    s.close()
                wait_until("clients to go", lambda: int(ops.info("clients")["connected_clients"]) == 4)
                self.assertEqual(ping_ok(srv.hosts["app"], srv.ports["app"]), b"+PONG\r\n")
                # CONFIG SET maxclients applies to the next accept
                ops.config_set("maxclients", 4)
                self.assertEqual(ping_ok(srv.hosts["other"], srv.ports["other"]),
                                 b"-ERR max number of clients reached\r\n")
                ops.close()
            finally:
                for s in held:
                    s.close()

    def test_limits_memcached_network_refusal_is_a_server_error(self):
        config = {"max_clients": 1, "admin_reserve": 0, "networks": [
            {"name": "mc", "port": 0, "protocol": "memcache", "permissions": ["read", "write"]}]}
        with KeelConfigServer(config) as srv:
            a = srv.raw("mc")
            a.sendall(b"version\r\n")
            self.assertTrue(read_reply_line(a).startswith(b"VERSION "))
            b = srv.raw("mc")
            b.sendall(b"version\r\n")
            self.assertEqual(read_reply_line(b), b"SERVER_ERROR max number of clients reached\r\n")
            a.close()
            b.close()


class IdleTimeout(unittest.TestCase):
    def test_limits_idle_clients_close_after_timeout_busy_ones_stay(self):
        config = {"timeout": 1, "networks": [
            {"name": "main", "port": 0},
            {"name": "forever", "port": 0, "timeout": 0}]}
        with KeelConfigServer(config) as srv:
            r = srv.client("main")
            self.assertEqual(r.config_get("timeout"), {"timeout": "1"})
            idle = srv.raw("main")
            idle.sendall(b"PING\r\n")
            self.assertEqual(read_reply_line(idle), b"+PONG\r\n")
            kept = srv.raw("forever")
            kept.sendall(b"PING\r\n")
            self.assertEqual(read_reply_line(kept), b"+PONG\r\n")
            blocked = srv.raw("main")   # a client waiting in BLPOP is not idle
            blocked.sendall(resp_command("BLPOP", "timeout:list", 0))
            self.assertTrue(closed_by_server(idle), "an idle client stayed open")
            # (asked on the network without a timeout: r itself may have idled past it meanwhile)
            stats = srv.client("forever").info("stats")
            self.assertGreaterEqual(int(stats["client_timeout_disconnections"]), 1)
            time.sleep(2.5)   # two more sweeps at least: the others must still be open
            kept.sendall(b"PING\r\n")
            self.assertEqual(read_reply_line(kept), b"+PONG\r\n")
            p = srv.client("forever")
            p.rpush("timeout:list", "x")
            want = b"*2\r\n$12\r\ntimeout:list\r\n$1\r\nx\r\n"
            got = b""
            while len(got) < len(want):
                chunk = blocked.recv(4096)
                self.assertTrue(chunk, got)
                got += chunk
            self.assertEqual(got, want)
            # CONFIG SET timeout 0 turns it off
            r2 = srv.client("forever")
            r2.config_set("timeout", 0)
            s = srv.raw("main")
            s.sendall(b"PING\r\n")
            self.assertEqual(read_reply_line(s), b"+PONG\r\n")
            time.sleep(2.5)
            s.sendall(b"PING\r\n")
            self.assertEqual(read_reply_line(s), b"+PONG\r\n")
            for c in (s, kept, blocked):
                c.close()


class Keepalive(unittest.TestCase):
    def keepalive_timers(self, port):
        out = subprocess.run(["ss", "-tnoH", "state", "established", "( sport = :%d )" % port],
                             capture_output=True, text=True, timeout=30).stdout
        return [line for line in out.splitlines() if line.strip()]

    def test_limits_tcp_keepalive_is_set_on_client_sockets(self):
        with KeelServer() as srv:
            r = srv.client()
            self.assertEqual(r.config_get("tcp-keepalive"), {"tcp-keepalive": "300"})
            r.ping()
            # ss shows one timer a socket: keepalive once no retransmission timer is on
            wait_until("a keepalive timer on the client's socket", lambda: [ln for ln in self.keepalive_timers(srv.port) if "keepalive" in ln])
            r.config_set("tcp-keepalive", 0)   # new clients get none
            r2 = srv.client()
            r2.ping()
            wait_until("both sockets idle", lambda: len(self.keepalive_timers(srv.port)) == 2 and
                     all("timer:(on" not in ln for ln in self.keepalive_timers(srv.port)))
            lines = self.keepalive_timers(srv.port)
            self.assertEqual(sum("keepalive" in line for line in lines), 1, lines)
            r.close()
            r2.close()


class OutputBuffers(unittest.TestCase):
    def fill_list(self, r, key, n):
        for i in range(0, n, 10000):
            r.rpush(key, *range(i, min(n, i + 10000)))

    def test_limits_output_hard_limit_closes_a_client_that_does_not_read(self):
        with KeelServer() as srv:
            r = srv.client()
            self.fill_list(r, "big", 200000)
            r.config_set("client-output-buffer-limit", "normal 1mb 0 0")
            self.assertEqual(r.config_get("client-output-buffer-limit")["client-output-buffer-limit"],
                             "normal 1048576 0 0 pubsub 33554432 8388608 60")
            s = srv.raw()
            s.sendall(resp_command("LRANGE", "big", 0, -1))
            self.assertTrue(closed_by_server(s))
            s.close()
            wait_until("the log line", lambda: "output buffer limit" in srv.read_log())
            self.assertEqual(int(r.info("stats")["client_output_buffer_limit_disconnections"]), 1)
            self.assertEqual(r.llen("big"), 200000)   # everyone else is served
            # a small reply passes
            r.config_set("client-output-buffer-limit", "normal 1mb 0 0")
            self.assertEqual(len(r.lrange("big", 0, 999)), 1000)

    def test_limits_output_soft_limit_closes_after_its_seconds(self):
        with KeelServer() as srv:
            r = srv.client()
            self.fill_list(r, "big", 1000000)   # ~13 MB of reply: more than the sockets' buffers
            r.config_set("client-output-buffer-limit", "normal 0 256kb 1")
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.connect(("127.0.0.1", srv.port))
            s.sendall(resp_command("CLIENT", "ID"))
            cid = int(read_reply_line(s)[1:])
            s.sendall(resp_command("LRANGE", "big", 0, -1))   # and never read
            wait_until("the client above the soft limit to be closed", lambda: "id=%d " % cid not in r.execute_command("CLIENT", "LIST").decode(), 60)
            s.close()
            self.assertEqual(r.ping(), True)

    def test_limits_bad_output_buffer_settings_are_refused(self):
        with KeelServer() as srv:
            r = srv.client()
            for bad in ("normal 1mb 0", "weird 1 2 3", "normal x 0 0", "normal 1 2 -3"):
                with self.assertRaises(redis.ResponseError):
                    r.config_set("client-output-buffer-limit", bad)
            r.config_set("client-output-buffer-limit", "pubsub 64mb 16mb 30 replica 0 0 0")
            self.assertEqual(r.config_get("client-output-buffer-limit")["client-output-buffer-limit"],
                             "normal 0 0 0 pubsub 67108864 16777216 30")

    def test_limits_unread_pipelined_replies_stay_bounded(self):
        """100 pipelined LRANGEs never read: the server stops reading the client instead of
        building every reply (Redis: 1.6 GB for a 1M list; here the bound is the 64 MB output
        pause plus the reply being built)."""
        with KeelServer() as srv:
            r = srv.client()
            n = 300000
            self.fill_list(r, "big", n)
            base = srv.used_memory()
            s = srv.raw()
            s.sendall(resp_command("LRANGE", "big", 0, -1) * 100)
            done0 = int(r.info("stats")["total_commands_processed"])
            peak, mine = 0, 1   # mine: the INFO commands this test sends itself
            end = time.monotonic() + 8
            while time.monotonic() < end:
                peak = max(peak, srv.used_memory())
                mine += 1
                time.sleep(0.05)
            # one reply of 300,000 elements is ~15 MB of reply tree; 100 would be 1.5 GB
            self.assertLess(peak - base, 200 * 1024 * 1024, "used_memory grew by %d" % (peak - base))
            lranges = int(r.info("stats")["total_commands_processed"]) - done0 - mine
            self.assertLess(lranges, 100)
            s.close()
            wait_until("memory to come back after the client left", lambda: srv.used_memory() < base + 8 * 1024 * 1024, 60)


class InputLimits(unittest.TestCase):
    def test_limits_proto_max_bulk_len(self):
        with KeelServer() as srv:
            r = srv.client()
            self.assertEqual(r.config_get("proto-max-bulk-len"), {"proto-max-bulk-len": "536870912"})
            r.config_set("proto-max-bulk-len", "1mb")
            s = srv.raw()
            s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % (2 * 1024 * 1024))
            self.assertEqual(read_reply_line(s), b"-ERR Protocol error: invalid bulk length\r\n")
            self.assertTrue(closed_by_server(s))
            s.close()
            r.set("k", "x" * (1024 * 1024))   # at the limit: fine
            self.assertEqual(r.strlen("k"), 1024 * 1024)
            with self.assertRaises(redis.ResponseError):
                r.config_set("proto-max-bulk-len", "1kb")   # below 1mb: refused

    def test_limits_query_buffer_limit_closes_the_client(self):
        with KeelServer() as srv:
            r = srv.client()
            r.config_set("client-query-buffer-limit", "1mb")
            self.assertEqual(r.config_get("client-query-buffer-limit"),
                             {"client-query-buffer-limit": "1048576"})
            s = srv.raw()
            s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$%d\r\n" % (4 * 1024 * 1024) + b"x" * 65536)
            self.assertTrue(closed_by_server(s))
            s.close()
            wait_until("the log line", lambda: "client-query-buffer-limit" in srv.read_log())
            self.assertEqual(int(r.info("stats")["client_query_buffer_limit_disconnections"]), 1)
            self.assertIsNone(r.get("k"))

    def test_limits_unauthenticated_requests_are_small(self):
        config = {"networks": [{"name": "locked", "port": 0, "requirepass": "s3cret"}]}
        with KeelConfigServer(config) as srv:
            s = srv.raw()
            s.sendall(resp_command(*(["ECHO"] * 11)))
            self.assertEqual(read_reply_line(s), b"-ERR Protocol error: unauthenticated multibulk length\r\n")
            self.assertTrue(closed_by_server(s))
            s.close()
            s = srv.raw()
            s.sendall(b"*2\r\n$4\r\nECHO\r\n$%d\r\n" % (16 * 1024 + 1))
            self.assertEqual(read_reply_line(s), b"-ERR Protocol error: unauthenticated bulk length\r\n")
            s.close()
            # AUTH and a big value in one write: the AUTH runs before the SET is read
            s = srv.raw()
            big = b"v" * (100 * 1024)
            s.sendall(resp_command("AUTH", "s3cret") + resp_command("SET", "k", big) + resp_command("STRLEN", "k"))
            data = b""
            while data.count(b"\r\n") < 3:
                chunk = s.recv(4096)
                self.assertTrue(chunk, data)
                data += chunk
            self.assertEqual(data, b"+OK\r\n+OK\r\n:102400\r\n")
            s.close()


class ProtectedMode(unittest.TestCase):
    @staticmethod
    def outside_address():
        out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True,
                             text=True, timeout=30).stdout
        for line in out.splitlines():
            parts = line.split()
            if "inet" in parts:
                return parts[parts.index("inet") + 1].split("/")[0]
        return None

    def test_limits_protected_mode_refuses_non_loopback_clients_without_a_password(self):
        addr = self.outside_address()
        if not addr:
            self.skipTest("this machine has no non-loopback IPv4 address to connect from")
        config = {"networks": [{"name": "open", "host": "0.0.0.0", "port": 0},
                               {"name": "pw", "host": "0.0.0.0", "port": 0, "requirepass": "pw"}]}
        with KeelConfigServer(config) as srv:
            s = socket.create_connection((addr, srv.ports["open"]), timeout=30)
            s.sendall(b"PING\r\n")
            line = read_reply_line(s)
            self.assertTrue(line.startswith(b"-DENIED Keel is running in protected mode"), line)
            self.assertTrue(closed_by_server(s))
            s.close()
            self.assertEqual(ping_ok("127.0.0.1", srv.ports["open"]), b"+PONG\r\n")   # loopback: fine
            self.assertTrue(ping_ok(addr, srv.ports["pw"]).startswith(b"-NOAUTH"))   # a password: fine
            r = srv.client("open")
            self.assertEqual(r.config_get("protected-mode"), {"protected-mode": "yes"})
            r.config_set("protected-mode", "no")
            self.assertEqual(ping_ok(addr, srv.ports["open"]), b"+PONG\r\n")
        with KeelConfigServer(dict(config, protected_mode=False)) as srv:
            self.assertEqual(ping_ok(addr, srv.ports["open"]), b"+PONG\r\n")


class ConfigFile(unittest.TestCase):
    def test_limits_config_fields_are_checked(self):
        bad = {"timeout": -1, "client_output_buffer_limit": {"normal": {"hard": "lots"}},
               "proto_max_bulk_len": "1kb", "client_query_buffer_limit": 12, "protected_mode": "yes",
               "networks": [{"name": "a", "port": 0, "max_clients": -2}]}
        srv = KeelConfigServer(bad)
        out = subprocess.run(srv.cmd[:1] + ["--check-config", srv.config_path], capture_output=True, text=True,
                             timeout=60)
        self.assertEqual(out.returncode, 1)
        for path in ("$.timeout", "$.client_output_buffer_limit.normal.hard", "$.proto_max_bulk_len",
                     "$.client_query_buffer_limit", "$.protected_mode", "$.networks[0].max_clients"):
            self.assertIn(path, out.stderr)
        good = {"client_output_buffer_limit": "normal 10mb 5mb 10 pubsub 0 0 0", "tcp_keepalive": 60,
                "proto_max_bulk_len": "2mb", "networks": [{"name": "a", "port": 0}]}
        with KeelConfigServer(good) as srv:
            r = srv.client()
            self.assertEqual(r.config_get("client-output-buffer-limit")["client-output-buffer-limit"],
                             "normal 10485760 5242880 10 pubsub 0 0 0")
            self.assertEqual(r.config_get("tcp-keepalive"), {"tcp-keepalive": "60"})
            self.assertEqual(r.config_get("proto-max-bulk-len"), {"proto-max-bulk-len": "2097152"})


if __name__ == "__main__":
    unittest.main()
