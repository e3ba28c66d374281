"""test_exporter.py -- Debian's prometheus-redis-exporter scrapes Keel as it scrapes redis-server:
every series it makes from redis-server 7.0 it also makes from Keel (less a short, documented list
of mechanisms Keel does not have), and the values follow what clients did.

The exporter reads INFO ALL (and CONFIG GET maxmemory etc.), so this is the test of INFO's field
names and formats that tools rely on.  The page is parsed with python3-prometheus-client's text
parser.
"""
import shutil
import subprocess
import time
import unittest
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from keel_harness import KeelServer, RedisServer, free_port, wait_until

EXPORTER = shutil.which("prometheus-redis-exporter")

# Series redis-server has and Keel does not (docs/compatibility.md, "INFO"): Keel keeps no table
# of blocked clients by timeout apart from its blocked count.
NOT_IN_KEEL = {"redis_clients_in_timeout_table"}


class Exporter:
    """One exporter process pointed at one server."""

    def __init__(self, port):
        self.listen = free_port()
        self.proc = subprocess.Popen(
            [EXPORTER, "-redis.addr", "redis://127.0.0.1:%d" % port,
             "-web.listen-address", "127.0.0.1:%d" % self.listen, "-redis-only-metrics"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until("the exporter to listen", self._answers)

    def _answers(self):
        try:
            return bool(self.scrape_text())
        except OSError:
            return False

    def scrape_text(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.listen, timeout=60) as f:
            return f.read().decode()

    def scrape(self):
        """{series name: [(labels, value), ...]} of the redis_ series."""
        out = {}
        for family in text_string_to_metric_families(self.scrape_text()):
            for sample in family.samples:
                if sample.name.startswith("redis_"):
                    out.setdefault(sample.name, []).append((sample.labels, sample.value))
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def value(series, name, **labels):
    for got, v in series.get(name, []):
        if all(got.get(k) == want for k, want in labels.items()):
            return v
    raise AssertionError("no %s%r in the scrape" % (name, labels))


@unittest.skipUnless(EXPORTER, "prometheus-redis-exporter is not installed (scripts/deps.sh)")
class ExporterScrapesKeel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer(threads=2).start()
        cls.redis = RedisServer()
        cls.k_exp = Exporter(cls.keel.port)
        cls.r_exp = Exporter(cls.redis.port)

    @classmethod
    def tearDownClass(cls):
        cls.k_exp.stop()
        cls.r_exp.stop()
        cls.redis.stop()
        cls.keel.stop()

    def fill(self, c):
        c.flushall()
        for i in range(50):
            c.set("s%d" % i, "v")
        c.set("ttl", "v", ex=1000)
        c.rpush("l", "a", "b")
        c.sadd("set", "m")
        c.hset("h", "f", "v")
        c.zadd("z", {"m": 1})
        c.get("missing")
        try:
            c.execute_command("LPUSH", "s1", "x")
        except Exception:
            pass

    def test_every_series_redis_has_keel_has(self):
        for server in (self.keel, self.redis):
            self.fill(server.client())
        keel = self.k_exp.scrape()
        redis_series = self.r_exp.scrape()
        self.assertEqual(value(keel, "redis_up"), 1)
        missing = sorted(set(redis_series) - set(keel) - NOT_IN_KEEL)
        self.assertEqual(missing, [], "series the exporter makes from redis-server but not from Keel")
        # the per-command and per-error series carry the same labels for the same commands
        for name, labels in (("redis_commands_total", {"cmd": "set"}),
                             ("redis_commands_duration_seconds_total", {"cmd": "rpush"}),
                             ("redis_errors_total", {"err": "WRONGTYPE"}),
                             ("redis_db_keys", {"db": "db0"}),
                             ("redis_db_keys_expiring", {"db": "db0"})):
            self.assertIn(name, keel)
            value(keel, name, **labels)
            value(redis_series, name, **labels)

    def test_values_follow_what_clients_did(self):
        c = self.keel.client()
        self.fill(c)
        before = self.k_exp.scrape()
        self.assertEqual(value(before, "redis_db_keys", db="db0"), 55)
        self.assertEqual(value(before, "redis_db_keys_expiring", db="db0"), 1)
        self.assertGreaterEqual(value(before, "redis_connected_clients"), 1)
        self.assertGreaterEqual(value(before, "redis_keyspace_misses_total"), 1)
        sets = value(before, "redis_commands_total", cmd="set")
        for i in range(7):
            c.set("more%d" % i, "v")
        after = self.k_exp.scrape()
        self.assertEqual(value(after, "redis_commands_total", cmd="set"), sets + 7)
        self.assertGreater(value(after, "redis_commands_processed_total"),
                           value(before, "redis_commands_processed_total"))
        self.assertGreater(value(after, "redis_net_input_bytes_total"),
                           value(before, "redis_net_input_bytes_total"))
        self.assertGreater(value(after, "redis_total_reads_processed_total"), 0)
        self.assertGreater(value(after, "redis_memory_used_dataset_bytes"), 0)

    def test_pubsub_counts(self):
        sub = self.keel.client().pubsub()
        sub.subscribe("news", "weather")
        sub.psubscribe("n*")
        wait_until("three subscriptions",
                   lambda: value(self.k_exp.scrape(), "redis_pubsub_channels") == 2)
        page = self.k_exp.scrape()
        self.assertEqual(value(page, "redis_pubsub_patterns"), 1)
        sub.close()
        wait_until("the subscriptions to go",
                   lambda: value(self.k_exp.scrape(), "redis_pubsub_channels") == 0)


if __name__ == "__main__":
    unittest.main()
