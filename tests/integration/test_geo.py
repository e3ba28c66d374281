"""test_geo.py -- geo commands of zsets.so through python3-redis on a real keel-server with 2
threads: GEOADD (NX XX CH), GEOPOS, GEODIST, GEOHASH, GEOSEARCH, GEOSEARCHSTORE, GEORADIUS[_RO],
GEORADIUSBYMEMBER[_RO] with every option and error, values that stay ordinary sorted sets,
STORE destinations on the other thread, RESP3 coordinates as doubles, and a big search that
yields while other clients are served (progress counted, never timed).  Reply-by-reply
comparison with redis-server 7.0 is test_geo_compat.py's job.
"""
import math
import socket
import unittest

from keel_harness import KeelConfigServer, KeelServer, RespReader, raw_client, resp_command, served_meanwhile

# (longitude, latitude) of a few Sicilian towns, as GEOADD stores them.
TOWNS = {
    "Palermo": (13.361389, 38.115556), "Catania": (15.087269, 37.502669),
    "Messina": (15.556, 38.193), "Agrigento": (13.583333, 37.316667), "Siracusa": (15.293, 37.075),
}
EARTH_M = 6372797.560856


def haversine(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    u = math.sin((p2 - p1) / 2)
    v = math.sin(math.radians(lon2 - lon1) / 2)
    return 2 * EARTH_M * math.asin(math.sqrt(u * u + math.cos(p1) * math.cos(p2) * v * v))


def error_of(r, *args):
    try:
        r.execute_command(*args)
    except Exception as e:   # noqa: B902 -- the server's error text is the result
        return str(e)
    raise AssertionError("%r did not fail" % (args,))


def zvm_yields(r):
    return int(r.info("stats")["zvm_yields"])


class Geo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2, modules=["resp", "strings", "lists", "zsets"]).start()
        cls.r = cls.srv.client()
        cls.g = raw_client(cls.srv.client())   # geo replies as sent (no redis-py conversions)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def setUp(self):
        self.r.flushall()

    def add_towns(self, key="sicily"):
        args = []
        for name, (lon, lat) in TOWNS.items():
            args += [lon, lat, name]
        self.assertEqual(self.g.execute_command("GEOADD", key, *args), len(TOWNS))

    def dist_km(self, a, b):
        return haversine(*TOWNS[a], *TOWNS[b]) / 1000

    # ---- GEOADD ----

    def test_geo_add_stores_a_plain_sorted_set(self):
        r = self.r
        self.add_towns()
        self.assertEqual(r.type("sicily"), b"zset")
        self.assertEqual(r.zcard("sicily"), len(TOWNS))
        self.assertEqual(r.zscore("sicily", "Palermo"), 3479099956230698)
        self.assertEqual(r.zscore("sicily", "Catania"), 3479447370796909)
        # the members are ordered by their 52-bit geohashes
        by_score = sorted(TOWNS, key=lambda t: r.zscore("sicily", t))
        self.assertEqual(r.zrange("sicily", 0, -1), [t.encode() for t in by_score])
        self.assertEqual(r.zrem("sicily", "Messina"), 1)
        self.assertEqual(self.g.execute_command("GEOPOS", "sicily", "Messina"), [None])

    def test_geo_add_nx_xx_ch(self):
        r = self.r
        self.assertEqual(self.g.execute_command("GEOADD", "g", 13.361389, 38.115556, "Palermo"), 1)
        self.assertEqual(self.g.execute_command("GEOADD", "g", 13.361389, 38.115556, "Palermo"), 0)
        moved = [15.087269, 37.502669, "Palermo"]
        self.assertEqual(self.g.execute_command("GEOADD", "g", "NX", *moved), 0)
        self.assertEqual(r.zscore("g", "Palermo"), 3479099956230698)
        self.assertEqual(self.g.execute_command("GEOADD", "g", "XX", 1, 2, "new"), 0)
        self.assertIsNone(r.zscore("g", "new"))
        self.assertEqual(self.g.execute_command("GEOADD", "g", "XX", "CH", *moved), 1)
        self.assertEqual(r.zscore("g", "Palermo"), 3479447370796909)
        self.assertEqual(self.g.execute_command("GEOADD", "g", "CH", *moved, 1, 2, "x"), 1)
        self.assertEqual(self.g.execute_command("GEOADD", "g", "ch", "nx", 3, 4, "x", 5, 6, "y"), 1)
        self.assertEqual(self.g.execute_command("GEOADD", "nokey", "XX", 1, 2, "a"), 0)
        self.assertEqual(r.exists("nokey"), 0)

    def test_geo_add_errors(self):
        r = self.r
        r.set("str", "v")
        self.assertEqual(error_of(r, "GEOADD", "g", 200, 10, "a"),
                         "invalid longitude,latitude pair 200.000000,10.000000")
        self.assertEqual(error_of(r, "GEOADD", "g", 10, -85.06, "a"),
                         "invalid longitude,latitude pair 10.000000,-85.060000")
        self.assertEqual(error_of(r, "GEOADD", "g", "x", 10, "a"), "value is not a valid float")
        self.assertEqual(error_of(r, "GEOADD", "g", 1, "nan", "a"), "value is not a valid float")
        self.assertEqual(error_of(r, "GEOADD", "g", "NX", "XX", 1, 2, "a"), "syntax error")
        self.assertEqual(error_of(r, "GEOADD", "g", 1, 2, "a", 3), "syntax error")
        self.assertEqual(error_of(r, "GEOADD", "g", "GT", 1, 2, "a"), "syntax error")
        self.assertEqual(error_of(r, "GEOADD", "g", 1, 2), "wrong number of arguments for 'geoadd' command")
        # every point is checked before anything is added, and before the key's type
        self.assertEqual(error_of(r, "GEOADD", "g", 1, 2, "a", 1, 95, "b"),
                         "invalid longitude,latitude pair 1.000000,95.000000")
        self.assertEqual(r.exists("g"), 0)
        self.assertEqual(error_of(r, "GEOADD", "str", 1, 200, "a"), "invalid longitude,latitude pair 1.000000,200.000000")
        self.assertTrue(error_of(r, "GEOADD", "str", 1, 2, "a").startswith("WRONGTYPE"))

    # ---- GEOPOS GEOHASH GEODIST ----

    def test_geo_pos_hash_dist(self):
        r = self.r
        self.add_towns()
        self.assertEqual(self.g.execute_command("GEOPOS", "sicily", "Palermo", "nope", "Catania"),
                         [[b"13.36138933897018433", b"38.11555639549629859"], None,
                          [b"15.08726745843887329", b"37.50266842333162032"]])
        self.assertEqual(self.g.execute_command("GEOPOS", "nokey", "a", "b"), [None, None])
        self.assertEqual(self.g.execute_command("GEOPOS", "sicily"), [])
        self.assertEqual(self.g.execute_command("GEOHASH", "sicily", "Palermo", "Catania", "nope"),
                         [b"sqc8b49rny0", b"sqdtr74hyu0", None])
        self.assertEqual(self.g.execute_command("GEOHASH", "nokey", "a"), [None])
        self.assertEqual(self.g.execute_command("GEODIST", "sicily", "Palermo", "Catania"), b"166274.1516")
        self.assertEqual(self.g.execute_command("GEODIST", "sicily", "Palermo", "Catania", "km"), b"166.2742")
        self.assertEqual(self.g.execute_command("GEODIST", "sicily", "Palermo", "Catania", "MI"), b"103.3182")
        self.assertEqual(self.g.execute_command("GEODIST", "sicily", "Palermo", "Catania", "ft"), b"545518.8700")
        self.assertEqual(self.g.execute_command("GEODIST", "sicily", "Palermo", "Palermo"), b"0.0000")
        self.assertIsNone(self.g.execute_command("GEODIST", "sicily", "Palermo", "nope"))
        self.assertIsNone(self.g.execute_command("GEODIST", "nokey", "a", "b"))
        self.assertEqual(error_of(r, "GEODIST", "sicily", "Palermo", "Catania", "yd"),
                         "unsupported unit provided. please use M, KM, FT, MI")
        self.assertEqual(error_of(r, "GEODIST", "sicily", "Palermo", "Catania", "km", "x"), "syntax error")
        r.set("str", "v")
        for cmd in (["GEOPOS", "str", "a"], ["GEOHASH", "str", "a"], ["GEODIST", "str", "a", "b"],
                    ["GEOSEARCH", "str", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km"],
                    ["GEORADIUS", "str", 1, 2, 1, "km"], ["GEORADIUSBYMEMBER_RO", "str", "a", 1, "km"]):
            self.assertTrue(error_of(r, *cmd).startswith("WRONGTYPE"), cmd)
        # the unit is checked before the key
        self.assertEqual(error_of(r, "GEODIST", "str", "a", "b", "yd"),
                         "unsupported unit provided. please use M, KM, FT, MI")

    # ---- searches ----

    def test_geo_search_by_radius_and_box(self):
        r = self.r
        self.add_towns()
        near = sorted(TOWNS, key=lambda t: self.dist_km("Catania", t))
        within_100 = [t for t in near if self.dist_km("Catania", t) <= 100]
        got = self.g.execute_command("GEOSEARCH", "sicily", "FROMMEMBER", "Catania", "BYRADIUS", 100, "km", "ASC")
        self.assertEqual(got, [t.encode() for t in within_100])
        got = self.g.execute_command("GEOSEARCH", "sicily", "FROMMEMBER", "Catania", "BYRADIUS", 100, "km", "DESC")
        self.assertEqual(got, [t.encode() for t in within_100[::-1]])
        # a box 150 km wide and 20 km high around Catania: Messina is too far north, Siracusa south
        got = self.g.execute_command("GEOSEARCH", "sicily", "FROMMEMBER", "Catania", "BYBOX", 150, 20, "km", "ASC")
        self.assertEqual(got, [b"Catania"])
        got = self.g.execute_command("GEOSEARCH", "sicily", "FROMLONLAT", 14.5, 37.6, "BYBOX", 400, 200, "km", "ASC")
        want = sorted(TOWNS, key=lambda t: haversine(14.5, 37.6, *TOWNS[t]))
        self.assertEqual(got, [t.encode() for t in want])
        self.assertEqual(self.g.execute_command("GEOSEARCH", "sicily", "FROMLONLAT", 0, 0, "BYRADIUS", 10, "km"), [])
        self.assertEqual(self.g.execute_command("GEOSEARCH", "nokey", "FROMLONLAT", 0, 0, "BYRADIUS", 10, "km"), [])
        self.assertEqual(self.g.execute_command("GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", 10, "km"), [])

    def test_geo_search_count_any_and_with_options(self):
        r = self.r
        self.add_towns()
        near = sorted(TOWNS, key=lambda t: self.dist_km("Palermo", t))
        got = self.g.execute_command("GEOSEARCH", "sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 1000, "km", "COUNT", 2)
        self.assertEqual(got, [t.encode() for t in near[:2]])   # COUNT alone: the nearest
        got = self.g.execute_command("GEOSEARCH", "sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 1000, "km",
                                "COUNT", 2, "DESC")
        self.assertEqual(got, [t.encode() for t in near[::-1][:2]])
        got = self.g.execute_command("GEOSEARCH", "sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 1000, "km",
                                "COUNT", 3, "ANY")
        self.assertEqual(len(got), 3)
        self.assertTrue(set(got) <= {t.encode() for t in TOWNS})
        got = self.g.execute_command("GEOSEARCH", "sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 100, "km",
                                "WITHCOORD", "WITHDIST", "WITHHASH", "ASC")
        self.assertEqual(got[0], [b"Palermo", b"0.0000", 3479099956230698,
                                  [b"13.36138933897018433", b"38.11555639549629859"]])
        self.assertEqual(len(got), len([t for t in TOWNS if self.dist_km("Palermo", t) <= 100]))
        got = self.g.execute_command("GEOSEARCH", "sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 200, "km",
                                "WITHDIST", "ASC", "COUNT", 2)
        self.assertEqual(got[1][0], near[1].encode())
        self.assertAlmostEqual(float(got[1][1]), self.dist_km("Palermo", near[1]), delta=0.01)
        got = self.g.execute_command("GEOSEARCH", "sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 200, "mi",
                                "WITHDIST", "WITHHASH", "ASC", "COUNT", 1)
        self.assertEqual(got, [[b"Palermo", b"0.0000", 3479099956230698]])

    def test_geo_radius_forms(self):
        r = self.r
        self.add_towns()
        lon, lat = TOWNS["Catania"]
        a = self.g.execute_command("GEORADIUS", "sicily", lon, lat, 100, "km", "ASC", "WITHDIST")
        b = self.g.execute_command("GEORADIUS_RO", "sicily", lon, lat, 100, "km", "ASC", "WITHDIST")
        c = self.g.execute_command("GEORADIUSBYMEMBER", "sicily", "Catania", 100, "km", "ASC", "WITHDIST")
        d = self.g.execute_command("GEORADIUSBYMEMBER_RO", "sicily", "Catania", 100, "km", "ASC", "WITHDIST")
        self.assertEqual([x[0] for x in a], [x[0] for x in c])
        self.assertEqual(a, b)
        self.assertEqual(c, d)
        self.assertEqual(error_of(r, "GEORADIUS_RO", "sicily", lon, lat, 100, "km", "STORE", "x"), "syntax error")
        self.assertEqual(error_of(r, "GEORADIUSBYMEMBER_RO", "sicily", "Catania", 1, "km", "STOREDIST", "x"),
                         "syntax error")
        self.assertEqual(error_of(r, "GEORADIUSBYMEMBER", "sicily", "nope", 1, "km"),
                         "could not decode requested zset member")
        # a missing source: nothing else is read
        self.assertEqual(self.g.execute_command("GEORADIUSBYMEMBER", "nokey", "m", "x", "yd"), [])

    def test_geo_search_errors(self):
        r = self.r
        self.add_towns()
        cases = [
            (["GEOSEARCH", "sicily", "BYRADIUS", 1, "km", "ASC", "DESC"], "exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH"),
            (["geosearch", "sicily", "FROMLONLAT", 1, 2, "ASC", "DESC"], "exactly one of BYRADIUS and BYBOX can be specified for geosearch"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "FROMMEMBER", "Palermo", "BYRADIUS", 1, "km"], "syntax error"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "BYBOX", 1, 1, "km"], "syntax error"),
            (["GEOSEARCH", "sicily", "FROMMEMBER", "nope", "BYRADIUS", 1, "km"], "could not decode requested zset member"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 181, 2, "BYRADIUS", 1, "km"], "invalid longitude,latitude pair 181.000000,2.000000"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", "x", 2, "BYRADIUS", 1, "km"], "value is not a valid float"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYRADIUS", "x", "km"], "need numeric radius"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYRADIUS", -1, "km"], "radius cannot be negative"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "yd"], "unsupported unit provided. please use M, KM, FT, MI"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYBOX", "x", 1, "km"], "need numeric width"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYBOX", 1, "x", "km"], "need numeric height"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYBOX", 1, -1, "km"], "height or width cannot be negative"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "COUNT", 0], "COUNT must be > 0"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "COUNT", "x"], "value is not an integer or out of range"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "ANY"], "the ANY argument requires COUNT argument"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "STORE", "x"], "syntax error"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "STOREDIST"], "syntax error"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "FOO"], "syntax error"),
            (["GEOSEARCHSTORE", "d", "sicily", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km", "WITHDIST"],
             "GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"),
            (["GEORADIUS", "sicily", 1, 2, 1, "km", "STORE", "d", "WITHCOORD"],
             "STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"),
            (["GEORADIUS", "sicily", 1, 2, 1, "km", "FROMLONLAT", 1, 2], "syntax error"),
            (["GEORADIUS", "sicily", 1, 2, 1], "wrong number of arguments for 'georadius' command"),
            (["GEOSEARCH", "sicily", "FROMLONLAT", 1, 2], "wrong number of arguments for 'geosearch' command"),
        ]
        for cmd, want in cases:
            self.assertEqual(error_of(r, *cmd), want, cmd)
        self.assertEqual(r.zcard("sicily"), len(TOWNS))   # the server keeps serving

    def test_geo_store_forms_across_threads(self):
        r = self.r
        self.add_towns()
        near = sorted(TOWNS, key=lambda t: self.dist_km("Catania", t))
        within = [t for t in near if self.dist_km("Catania", t) <= 200]
        for i in range(8):   # destinations on either thread
            dst = "dst%d" % i
            n = self.g.execute_command("GEOSEARCHSTORE", dst, "sicily", "FROMMEMBER", "Catania", "BYRADIUS", 200, "km")
            self.assertEqual(n, len(within))
            self.assertEqual(r.type(dst), b"zset")
            self.assertEqual(r.zscore(dst, "Palermo"), r.zscore("sicily", "Palermo"))
            n = self.g.execute_command("GEOSEARCHSTORE", dst, "sicily", "FROMMEMBER", "Catania", "BYRADIUS", 200, "km",
                                  "STOREDIST", "COUNT", 2)
            self.assertEqual(n, 2)
            got = r.zrange(dst, 0, -1, withscores=True)
            self.assertEqual([m for m, _ in got], [t.encode() for t in near[:2]])
            self.assertEqual(got[0][1], 0)
            self.assertAlmostEqual(got[1][1], self.dist_km("Catania", near[1]), delta=0.01)
            lon, lat = TOWNS["Catania"]
            self.assertEqual(self.g.execute_command("GEORADIUS", "sicily", lon, lat, 200, "km", "STORE", dst), len(within))
            self.assertEqual(r.zcard(dst), len(within))
            self.assertEqual(self.g.execute_command("GEORADIUSBYMEMBER", "sicily", "Catania", 50, "km", "STOREDIST", dst), 1)
            self.assertEqual(r.zrange(dst, 0, -1, withscores=True), [(b"Catania", 0.0)])
            # an empty result, or a missing source, deletes the destination
            self.assertEqual(self.g.execute_command("GEOSEARCHSTORE", dst, "sicily", "FROMLONLAT", 0, 0, "BYRADIUS", 1, "km"), 0)
            self.assertEqual(r.exists(dst), 0)
            r.zadd(dst, {"x": 1})
            self.assertEqual(self.g.execute_command("GEORADIUS", "nokey", 0, 0, 1, "km", "STORE", dst), 0)
            self.assertEqual(r.exists(dst), 0)
        r.set("str", "v")
        self.assertTrue(error_of(r, "GEOSEARCHSTORE", "d", "str", "FROMLONLAT", 1, 2, "BYRADIUS", 1, "km").startswith("WRONGTYPE"))
        # the destination is overwritten whatever it held
        self.assertEqual(self.g.execute_command("GEOSEARCHSTORE", "str", "sicily", "FROMMEMBER", "Catania", "BYRADIUS", 1, "km"), 1)
        self.assertEqual(r.type("str"), b"zset")

    def test_geo_resp3_coordinates_are_doubles(self):
        self.add_towns()
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=30) as s:
            rd = RespReader(s)
            s.sendall(resp_command("HELLO", "3"))
            rd.reply()
            s.sendall(resp_command("GEOPOS", "sicily", "Palermo", "nope"))
            self.assertEqual(rd.reply(), b"*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n")
            s.sendall(resp_command("GEODIST", "sicily", "Palermo", "Catania", "km"))
            self.assertEqual(rd.reply(), b"$8\r\n166.2742\r\n")
            s.sendall(resp_command("GEOSEARCH", "sicily", "FROMMEMBER", "Palermo", "BYRADIUS", 1, "km", "WITHCOORD",
                                   "WITHDIST", "WITHHASH"))
            self.assertEqual(rd.reply(), b"*1\r\n*4\r\n$7\r\nPalermo\r\n$6\r\n0.0000\r\n:3479099956230698\r\n"
                                         b"*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n")

    # ---- big searches yield ----

    def test_geo_big_search_yields_while_others_are_served(self):
        r = self.r
        n, side = 200000, 400
        with socket.create_connection(("127.0.0.1", self.srv.port), timeout=600) as s:
            sent = 0
            for start in range(0, n, 1000):
                args = []
                for i in range(start, start + 1000):   # a grid over (0..4, 0..5) degrees
                    args += ["%.5f" % ((i % side) * 0.01), "%.5f" % ((i // side) * 0.01), "p%d" % i]
                s.sendall(resp_command("GEOADD", "big", *args))
                sent += 1
            buf = b""
            while buf.count(b"\r\n") < sent:
                buf += s.recv(65536)
        self.assertEqual(r.zcard("big"), n)
        r.set("small", "v")
        bigraw = raw_client(self.srv.client(socket_timeout=600))

        def job():
            return bigraw.execute_command("GEOSEARCH", "big", "FROMLONLAT", 2, 2.5, "BYBOX", 2000, 2000, "km", "ASC",
                                          "WITHDIST")

        def probe():
            self.assertEqual(other.get("small"), b"v")

        other = self.srv.client()
        y0 = zvm_yields(r)
        results, served = served_meanwhile(job, probe, want=3)
        for got in results:
            self.assertEqual(len(got), n)
            dists = [float(d) for _, d in got]
            self.assertEqual(dists, sorted(dists))
        self.assertGreater(zvm_yields(r) - y0, 10)
        self.assertGreater(served, 2)
        n_any = bigraw.execute_command("GEOSEARCH", "big", "FROMLONLAT", 2, 2.5, "BYRADIUS", 5000, "km", "COUNT", 10, "ANY")
        self.assertEqual(len(n_any), 10)
        self.assertEqual(bigraw.execute_command("GEOSEARCHSTORE", "copy", "big", "FROMLONLAT", 2, 2.5, "BYBOX", 2000,
                                             2000, "km"), n)
        self.assertEqual(r.zcard("copy"), n)


class GeoPermissions(unittest.TestCase):
    def test_geo_radius_writes_only_when_it_stores(self):
        # GEORADIUS is a write command only with STORE/STOREDIST (its access callback): a read-only
        # network runs the search and refuses the store
        config = {"networks": [{"name": "rw", "port": 0, "permissions": ["read", "write"]},
                               {"name": "ro", "port": 0, "permissions": ["read"]}]}
        with KeelConfigServer(config) as srv:
            rw, ro = raw_client(srv.client("rw")), raw_client(srv.client("ro"))
            rw.execute_command("GEOADD", "g", 13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania")
            for cmd in (["GEORADIUS", "g", 15, 37, 200, "km", "ASC"], ["GEORADIUSBYMEMBER", "g", "Catania", 200, "km", "ASC"],
                        ["GEOSEARCH", "g", "FROMLONLAT", 15, 37, "BYRADIUS", 200, "km", "ASC"]):
                self.assertEqual(ro.execute_command(*cmd), [b"Catania", b"Palermo"], cmd)
            for cmd in (["GEORADIUS", "g", 15, 37, 200, "km", "STORE", "d"],
                        ["GEORADIUSBYMEMBER", "g", "Catania", 200, "km", "STOREDIST", "d"],
                        ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", 15, 37, "BYRADIUS", 200, "km"],
                        ["GEOADD", "g", 1, 2, "x"]):
                self.assertIn("it needs the write permission", error_of(ro, *cmd), cmd)
            self.assertEqual(rw.exists("d"), 0)
            self.assertEqual(rw.execute_command("GEORADIUS", "g", 15, 37, 200, "km", "STORE", "d"), 2)


if __name__ == "__main__":
    unittest.main()
