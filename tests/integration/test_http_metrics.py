"""test_http_metrics.py -- the http protocol module (http.so): GET /metrics in the Prometheus text
format (read back with python3-prometheus-client's parser), /stats, /health, permissions (403 on a
network without stats), 404/405/400/413/431/505, HEAD, keep-alive, pipelining, Connection: close,
partial requests that never finish, and clients that leave in the middle of a reply.
"""
import json
import shutil
import socket
import subprocess
import unittest
import urllib.error
import urllib.request

import redis
from prometheus_client.parser import text_string_to_metric_families

from keel_harness import KeelConfigServer, SocketBuffer, have_module, wait_until

CONFIG = {
    "threads": 2,
    "networks": [
        {"name": "app", "host": "127.0.0.1", "port": 0, "protocol": "resp",
         "permissions": ["read", "write", "admin", "stats"]},
        {"name": "web", "host": "127.0.0.1", "port": 0, "protocol": "http", "permissions": ["stats"]},
        {"name": "webro", "host": "127.0.0.1", "port": 0, "protocol": "http", "permissions": ["read"]},
    ],
}


class HttpReader(SocketBuffer):
    """Reads whole HTTP/1.1 responses from a socket: (status, headers dict, body)."""

    def response(self, head=False):
        while b"\r\n\r\n" not in self.buf:
            self._more()
        end = self.buf.index(b"\r\n\r\n")
        lines = self.buf[:end].decode("latin-1").split("\r\n")
        self.buf = self.buf[end + 4:]
        version, status, _ = lines[0].split(" ", 2)
        assert version == "HTTP/1.1", lines[0]
        headers = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
        n = 0 if head else int(headers["content-length"])
        while len(self.buf) < n:
            self._more()
        body, self.buf = self.buf[:n], self.buf[n:]
        return int(status), headers, body

    def closed(self):
        """True once the server has closed the connection (with nothing more sent)."""
        self.sock.settimeout(60)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            return True
        self.buf += chunk
        return chunk == b""


def request(path, method="GET", version="1.1", headers=(), body=b""):
    lines = ["%s %s HTTP/%s" % (method, path, version), "Host: localhost"] + list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@unittest.skipUnless(have_module("http") and have_module("resp"), "http.so or resp.so not built")
class HttpMetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelConfigServer(CONFIG).start()
        cls.r = cls.srv.client("app")

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def url(self, path, network="web"):
        return "http://127.0.0.1:%d%s" % (self.srv.ports[network], path)

    def connect(self, network="web"):
        s = socket.create_connection(("127.0.0.1", self.srv.ports[network]), timeout=60)
        self.addCleanup(s.close)
        return s, HttpReader(s)

    def get(self, path, network="web"):
        """(status, content type, body) of GET path: with curl when it is installed, else urllib."""
        if shutil.which("curl"):
            out = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code} %{content_type}",
                                  self.url(path, network)], capture_output=True, check=True, timeout=120).stdout
            body, _, tail = out.rpartition(b"\n")
            code, _, ctype = tail.decode().partition(" ")
            return int(code), ctype, body
        try:
            with urllib.request.urlopen(self.url(path, network), timeout=120) as resp:
                return resp.status, resp.headers["Content-Type"], resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers["Content-Type"], e.read()

    def scrape(self):
        status, ctype, body = self.get("/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(ctype, "text/plain; version=0.0.4; charset=utf-8")
        return {f.name: f for f in text_string_to_metric_families(body.decode())}

    @staticmethod
    def value(families, name, **labels):
        """The value of sample `name` (a counter's with its _total) carrying labels, or None."""
        family = families[name[:-len("_total")] if name.endswith("_total") else name]
        for s in family.samples:
            if all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
        return None

    # ---- /metrics ----

    def test_memory_by_type_follows_the_values(self):
        """keel_memory_type_bytes (and STATS memory.by_type) sums each type's values, as the
        background walk last saw them: a big list shows up near its MEMORY USAGE, and the bytes go
        back to 0 when the values are deleted."""
        r = self.r

        def by_type():
            mem = json.loads(r.execute_command("STATS", "memory"))["memory"]
            return mem["by_type_passes"], mem["by_type"]

        def after_next_pass():   # a pass that started after now, so it saw every change made
            start = by_type()[0]
            wait_until("two more walk passes", lambda: by_type()[0] >= start + 2)
            return by_type()[1]

        r.delete("mt:list", "mt:set")
        self.assertEqual(after_next_pass().get("list", 0), 0)
        for i in range(0, 100000, 10000):
            r.rpush("mt:list", *["element-%d" % n for n in range(i, i + 10000)])
        r.sadd("mt:set", *range(1000))
        types = after_next_pass()
        usage = r.memory_usage("mt:list")
        self.assertGreater(types["list"], usage * 0.9)
        self.assertLessEqual(types["list"], usage)
        self.assertGreater(types["set"], 0)
        m = self.scrape()
        self.assertEqual(m["keel_memory_type_bytes"].type, "gauge")
        scraped = self.value(m, "keel_memory_type_bytes", type="list")
        self.assertGreater(scraped, usage * 0.9)
        r.delete("mt:list", "mt:set")
        types = after_next_pass()
        self.assertEqual(types["list"], 0)
        self.assertEqual(types["set"], 0)

    def test_metrics_has_every_kind_of_series(self):
        m = self.scrape()
        for name in ["keel_build_info", "keel_uptime_seconds", "keel_commands_processed", "keel_connections",
                     "keel_memory_bytes", "keel_keys", "keel_expired_keys", "keel_expiry_lag_seconds",
                     "keel_network_commands", "keel_network_receive_bytes", "keel_network_info",
                     "keel_thread_commands", "keel_shard_keys", "keel_module_info", "keel_module_commands",
                     "keel_command_calls", "keel_command_duration_seconds", "keel_errors", "keel_loading",
                     "keel_log_lines_written"]:
            self.assertIn(name, m)
        self.assertEqual(m["keel_commands_processed"].type, "counter")
        self.assertEqual(m["keel_keys"].type, "gauge")
        networks = {s.labels["network"]: s.labels for s in m["keel_network_info"].samples}
        self.assertEqual(set(networks), {"app", "web", "webro"})
        self.assertEqual(networks["web"]["protocol"], "http")
        self.assertEqual(networks["web"]["port"], str(self.srv.ports["web"]))
        threads = {s.labels["thread"] for s in m["keel_thread_commands"].samples}
        self.assertEqual(threads, {"0", "1"})
        stats = json.loads(self.r.execute_command("STATS", "process"))["process"]
        shards = {s.labels["shard"] for s in m["keel_shard_keys"].samples}
        self.assertEqual(shards, {str(i) for i in range(stats["shards"])})
        modules = {s.labels["module"] for s in m["keel_module_info"].samples}
        self.assertTrue({"http", "resp"} <= modules)
        kinds = {s.labels["kind"] for s in m["keel_memory_bytes"].samples}
        self.assertTrue({"used", "keyspace", "rss", "core"} <= kinds)
        quantiles = {s.labels["quantile"] for s in m["keel_expiry_lag_seconds"].samples}
        self.assertEqual(quantiles, {"0.5", "0.99", "0.999"})

    def test_metrics_values_follow_commands_over_resp(self):
        self.r.execute_command("SET", "hm:seed", "x")   # the command has a commandstats line from here on
        before = self.scrape()
        calls = self.value(before, "keel_command_calls_total", command="set")
        app = self.value(before, "keel_network_commands_total", network="app")
        keys = self.value(before, "keel_keys")
        for i in range(7):
            self.r.execute_command("SET", "hm:k%d" % i, "v")
        after = self.scrape()
        self.assertEqual(self.value(after, "keel_command_calls_total", command="set"), calls + 7)
        self.assertGreaterEqual(self.value(after, "keel_network_commands_total", network="app"), app + 7)
        self.assertEqual(self.value(after, "keel_keys"), keys + 7)
        shard_sum = sum(s.value for s in after["keel_shard_keys"].samples)
        self.assertEqual(shard_sum, self.value(after, "keel_keys"))
        self.r.execute_command("DEL", *["hm:k%d" % i for i in range(7)])

    def test_metrics_count_error_replies_by_code(self):
        self.r.set("hm:str", "v")
        before = self.value(self.scrape(), "keel_errors_total", code="WRONGTYPE") or 0
        for _ in range(3):
            with self.assertRaises(redis.ResponseError):
                self.r.lpush("hm:str", "x")
        self.assertEqual(self.value(self.scrape(), "keel_errors_total", code="WRONGTYPE"), before + 3)

    @unittest.skipUnless(have_module("scripting"), "scripting.so not built")
    def test_label_values_clients_choose_cannot_break_the_format(self):
        # a script picks its error's code word, which becomes errorstats' (and a label's) text
        for code in [b'Q"U\\OTE}', b"BAD\xff\x01BYTES", "\u00e9T\u00c9".encode()]:
            with self.assertRaises(redis.ResponseError):
                self.r.eval("return redis.error_reply(ARGV[1])", 0, code + b" message")
        body = self.get("/metrics")[2]
        body.decode("utf-8")   # strict: every byte of the exposition is UTF-8
        m = {f.name: f for f in text_string_to_metric_families(body.decode())}
        for label in ['Q"U\\OTE}', "BAD??BYTES", "\u00e9T\u00c9"]:
            self.assertGreaterEqual(self.value(m, "keel_errors_total", code=label), 1, label)

    def test_http_scrape_over_resp(self):
        text = self.r.execute_command("HTTP.SCRAPE", "metrics").decode()
        self.assertIn("keel_commands_processed", {f.name for f in text_string_to_metric_families(text)})
        with self.assertRaisesRegex(redis.ResponseError, "unknown resource"):
            self.r.execute_command("HTTP.SCRAPE", "nothing")

    # ---- /stats and /health ----

    def test_stats_is_the_json_of_stats(self):
        status, ctype, body = self.get("/stats")
        self.assertEqual((status, ctype), (200, "application/json"))
        doc = json.loads(body)
        self.assertEqual(set(doc), set(json.loads(self.r.execute_command("STATS"))))
        self.assertEqual(doc["network"]["web"]["protocol"], "http")
        self.assertEqual(len(doc["keyspace"]["per_shard"]), doc["process"]["shards"])

    def test_health(self):
        self.assertEqual(self.get("/health"), (200, "text/plain; charset=utf-8", b"ok\n"))

    # ---- permissions ----

    def test_network_without_stats_gets_403_on_everything(self):
        for path in ["/metrics", "/stats", "/health", "/nope"]:
            status, _, body = self.get(path, "webro")
            self.assertEqual(status, 403, path)
            self.assertIn(b"stats permission", body)
        s, rd = self.connect("webro")
        s.sendall(request("/metrics", "POST"))
        self.assertEqual(rd.response()[0], 403)

    # ---- bad requests ----

    def test_unknown_path_404_and_other_methods_405(self):
        self.assertEqual(self.get("/nope")[0], 404)
        self.assertEqual(self.get("/metrics/")[0], 404)
        self.assertEqual(self.get("/metrics?x=1")[0], 200)
        s, rd = self.connect()
        for method in ["POST", "PUT", "DELETE", "OPTIONS"]:
            s.sendall(request("/metrics", method))
            status, headers, _ = rd.response()
            self.assertEqual(status, 405)
            self.assertEqual(headers["allow"], "GET, HEAD")
        s.sendall(request("/health"))   # the connection still serves
        self.assertEqual(rd.response()[0], 200)

    def assert_refused(self, data, status):
        s, rd = self.connect()
        s.sendall(data)
        got, headers, _ = rd.response()
        self.assertEqual(got, status, data[:80])
        self.assertEqual(headers.get("connection"), "close")
        self.assertTrue(rd.closed())

    def test_malformed_requests_get_400_and_close(self):
        for data in [b"GARBAGE\r\n\r\n", b"GET /metrics\r\n\r\n", b"GET  /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"GET /metrics HTTP/1.1\r\n\r\n",                       # HTTP/1.1 without Host
                     b"GET /metrics HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                     b"GET /metrics HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
                     b"GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
                     b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                     b"GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                     b"GET /me\x01trics HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /metrics HTTP/1.1\rHost: x\r\n\r\n",
                     b"GET http:/ HTTP/1.1\r\nHost: x\r\n\r\n", b"\xff\xfe\r\n\r\n"]:
            self.assert_refused(data, 400)
        self.assert_refused(b"GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", 505)
        self.assert_refused(request("/metrics", headers=["Transfer-Encoding: chunked"]), 501)

    def test_oversize_head_431_and_body_413(self):
        self.assert_refused(request("/metrics", headers=["X-Big: " + "a" * 9000]), 431)
        self.assert_refused(request("/metrics", headers=["X-%d: v" % i for i in range(2000)]), 431)
        self.assert_refused(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n", 414)
        self.assert_refused(request("/metrics", headers=["Content-Length: 100000000"]), 413)
        s, rd = self.connect()   # a body within the limit is read and skipped
        s.sendall(request("/health", "GET", headers=["Content-Length: 5000"], body=b"z" * 5000) + request("/health"))
        self.assertEqual(rd.response(), rd.response())

    # ---- connections ----

    def test_keep_alive_two_requests_on_one_socket(self):
        s, rd = self.connect()
        s.sendall(request("/health"))
        status, headers, body = rd.response()
        self.assertEqual((status, body), (200, b"ok\n"))
        self.assertNotIn("connection", headers)
        s.sendall(request("/metrics"))
        status, _, body = rd.response()
        self.assertEqual(status, 200)
        self.assertIn(b"keel_commands_processed_total", body)

    def test_pipelined_requests_answered_in_order(self):
        s, rd = self.connect()
        s.sendall(request("/health") + request("/nope") + request("/metrics", "HEAD") + request("/stats", "POST") +
                  request("/health"))
        self.assertEqual(rd.response()[0], 200)
        self.assertEqual(rd.response()[0], 404)
        status, headers, body = rd.response(head=True)
        self.assertEqual(status, 200)
        self.assertGreater(int(headers["content-length"]), 1000)   # HEAD: the length, no body
        self.assertEqual(rd.response()[0], 405)
        self.assertEqual(rd.response()[2], b"ok\n")

    def test_connection_close_and_http10(self):
        s, rd = self.connect()
        s.sendall(request("/health", headers=["Connection: close"]) + request("/health"))
        status, headers, _ = rd.response()
        self.assertEqual((status, headers["connection"]), (200, "close"))
        self.assertTrue(rd.closed())
        self.assertEqual(rd.buf, b"")   # the request after it is not answered
        s, rd = self.connect()
        s.sendall(b"GET /health HTTP/1.0\r\n\r\n")
        self.assertEqual(rd.response()[0], 200)
        self.assertTrue(rd.closed())
        s, rd = self.connect()
        s.sendall(b"GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        self.assertEqual(rd.response()[0], 200)
        s.sendall(b"GET /health HTTP/1.0\r\n\r\n")
        self.assertEqual(rd.response()[0], 200)

    def test_partial_requests_do_not_hold_the_server(self):
        slow = []
        for i in range(20):
            s, rd = self.connect()
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * i)
            slow.append((s, rd))
        self.assertEqual(self.get("/health")[0], 200)   # served while twenty requests hang half-sent
        self.assertEqual(self.r.ping(), True)
        for s, rd in slow:
            s.sendall(b"\r\n\r\n")
            self.assertEqual(rd.response()[2], b"ok\n")

    def test_byte_by_byte_request(self):
        s, rd = self.connect()
        for b in request("/health"):
            s.sendall(bytes([b]))
        self.assertEqual(rd.response()[2], b"ok\n")

    def test_clients_leaving_mid_reply(self):
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", self.srv.ports["web"]))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            s.sendall(request("/metrics") * 50)
            s.close()   # reset while the replies are being written
        wait_until("the server to serve again", lambda: self.get("/health")[0] == 200)
        self.assertEqual(self.r.ping(), True)


@unittest.skipUnless(have_module("http") and have_module("resp") and have_module("strings"), "modules not built")
class HttpHealthWhileLoadingTest(unittest.TestCase):
    def test_health_is_503_while_the_log_replays_then_200(self):
        config = dict(CONFIG, appendonly=True, key_load_delay=5000)   # 5 ms per replayed command
        srv = KeelConfigServer(config).start()
        self.addCleanup(srv.stop)
        r = srv.client("app")
        for i in range(1000):
            r.set("k%d" % i, i)
        srv.stop()
        srv.start()
        r = srv.client("app")
        url = "http://127.0.0.1:%d/health" % srv.ports["web"]

        def health():
            try:
                with urllib.request.urlopen(url, timeout=120) as resp:
                    return resp.status, resp.read()
            except urllib.error.HTTPError as e:
                return e.code, e.read()

        def loading():
            return r.info("persistence")["loading"] == 1

        # a /health answered while INFO says loading both before and after it must say 503
        seen = []

        def bracketed():
            if not loading():
                return False
            answer = health()
            if loading():
                seen.append(answer)
            return seen

        if wait_until("the load to be observed", lambda: bracketed() or not loading(), timeout=120) and seen:
            status, body = seen[0]
            self.assertEqual(status, 503)
            self.assertIn(b"loading", body)
        self.assertTrue(seen, "the load ended before /health could be asked during it")
        wait_until("the load to end", lambda: not loading(), timeout=300)
        self.assertEqual(health(), (200, b"ok\n"))
        self.assertEqual(r.dbsize(), 1000)


if __name__ == "__main__":
    unittest.main()
