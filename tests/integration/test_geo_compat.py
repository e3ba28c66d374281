"""test_geo_compat.py -- zsets.so's geo commands reply as redis-server 7.0 does.

Runs the same command scripts, then a few thousand random points and searches (fixed seed:
circles and boxes of every size, near the poles' limits and across the antimeridian, with
every option and the STORE forms), against keel-server and a real redis-server (when one is on
PATH), comparing every reply exactly as sent: RESP2 through redis-py without conversions, and
RESP3 as raw bytes (coordinates are RESP3 doubles with Redis's "%.17Lf" text, distances "%.4f"
bulk strings).  Ties in distance are the one place Redis's order is not specified (its partial
sort when COUNT cuts the result); the random points are drawn so that no two are equally far.
"""
import random
import shutil
import socket
import unittest

from keel_harness import KeelServer, RedisServer, RespReader, raw_client, reply_of, resp_command

SCRIPTS = {
    "add": [
        ["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"],
        ["GEOADD", "g", "13.361389", "38.115556", "Palermo"], ["GEOADD", "g", "NX", "1", "2", "Palermo", "3", "4", "x"],
        ["GEOADD", "g", "XX", "1", "2", "Palermo", "3", "4", "y"], ["GEOADD", "g", "XX", "CH", "5", "6", "Palermo"],
        ["GEOADD", "g", "CH", "NX", "5", "6", "Palermo", "7", "8", "z"], ["GEOADD", "g", "ch", "xx", "ch", "9", "9", "z"],
        ["GEOADD", "g", "NX", "XX", "1", "2", "a"], ["GEOADD", "g", "GT", "1", "2", "a"], ["GEOADD", "g", "1", "2", "a", "3"],
        ["GEOADD", "g", "NX", "CH"], ["GEOADD", "g", "1", "2"], ["GEOADD", "g", "x", "2", "a"], ["GEOADD", "g", "1", "inf", "a"],
        ["GEOADD", "g", "180.0000001", "0", "a"], ["GEOADD", "g", "-180", "-85.05112878", "sw"],
        ["GEOADD", "g", "180", "85.05112878", "ne"], ["GEOADD", "g", "0", "85.05112879", "a"],
        ["GEOADD", "g", "1", "2", "ok", "1", "95", "bad"], ["EXISTS", "ok"], ["ZRANGE", "g", "0", "-1", "WITHSCORES"],
        ["GEOADD", "nokey", "XX", "1", "2", "a"], ["EXISTS", "nokey"], ["SET", "str", "v"],
        ["GEOADD", "str", "1", "2", "a"], ["GEOADD", "str", "1", "200", "a"], ["TYPE", "g"],
    ],
    "read": [
        ["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania", "-0.1", "51.5", "London",
         "-180", "-85.05112878", "sw", "180", "85.05112878", "ne", "0", "0", "zero"],
        ["GEOPOS", "g", "Palermo", "Catania", "nope", "London", "sw", "ne", "zero"], ["GEOPOS", "g"], ["GEOPOS", "nokey", "a"],
        ["GEOHASH", "g", "Palermo", "Catania", "nope", "London", "sw", "ne", "zero"], ["GEOHASH", "nokey", "a", "b"],
        ["GEODIST", "g", "Palermo", "Catania"], ["GEODIST", "g", "Palermo", "London", "km"],
        ["GEODIST", "g", "Palermo", "London", "MI"], ["GEODIST", "g", "sw", "ne", "ft"], ["GEODIST", "g", "zero", "zero"],
        ["GEODIST", "g", "Palermo", "nope"], ["GEODIST", "nokey", "a", "b"], ["GEODIST", "g", "a", "b", "yd"],
        ["GEODIST", "g", "a", "b", "km", "x"], ["GEODIST", "nokey", "a", "b", "yd"], ["SET", "str", "v"],
        ["GEOPOS", "str", "a"], ["GEOHASH", "str", "a"], ["GEODIST", "str", "a", "b"], ["GEODIST", "str", "a", "b", "x"],
        ["ZADD", "z", "-1", "neg", "1e20", "huge", "0.5", "half", "inf", "inf", "-inf", "ninf", "-1e300", "nbig",
         "9.3e18", "b63", "1.8e19", "b64", "-9.3e18", "nb63", "4503599627370495", "max52", "9007199254740993", "b53"],
        ["GEOPOS", "z", "neg", "huge", "half", "inf", "ninf", "nbig", "b63", "b64", "nb63", "max52", "b53"],
        ["GEOHASH", "z", "neg", "huge", "half", "inf", "ninf", "nbig", "b63", "b64", "nb63", "max52", "b53"],
        ["GEODIST", "z", "neg", "huge"], ["GEODIST", "z", "b63", "nb63", "km"], ["GEODIST", "z", "inf", "max52"],
        ["GEOSEARCH", "z", "FROMMEMBER", "b63", "BYRADIUS", "100", "km", "WITHCOORD", "WITHHASH"],
        ["GEOSEARCH", "z", "FROMLONLAT", "-180", "-85.05112878", "BYRADIUS", "100", "km", "WITHCOORD", "WITHHASH"],
    ],
    "search": [
        ["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania", "15.556", "38.193",
         "Messina", "13.583333", "37.316667", "Agrigento", "15.293", "37.075", "Siracusa"],
        ["GEOSEARCH", "g", "FROMMEMBER", "Catania", "BYRADIUS", "100", "km"],
        ["GEOSEARCH", "g", "FROMMEMBER", "Catania", "BYRADIUS", "100", "km", "ASC", "WITHCOORD", "WITHDIST", "WITHHASH"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "DESC", "WITHDIST"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "200", "50", "mi", "WITHHASH"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "2"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "2", "DESC"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "2000", "km", "COUNT", "3", "ANY"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200000", "ft", "COUNT", "3", "ANY", "ASC"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "0", "m"], ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "0", "m"],
        ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "0", "0", "m", "WITHDIST"],
        ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "inf", "km"],
        ["GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", "1", "km"], ["GEOSEARCH", "nokey", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "nokey", "FROMLONLAT", "1", "200", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "g", "BYRADIUS", "1", "km", "ASC", "DESC"], ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "ASC", "DESC"],
        ["GEOSEARCH", "g", "FROMMEMBER", "Palermo", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYBOX", "1", "1", "km", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "g", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"], ["GEOSEARCH", "g", "FROMLONLAT", "x", "2", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "x", "km"], ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "-1", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "yd"], ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYBOX", "x", "1", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYBOX", "1", "x", "km"], ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYBOX", "-1", "1", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYBOX", "1", "1", "yd"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "COUNT", "0"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "COUNT", "-3"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "COUNT", "x"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "COUNT"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "ANY"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "STORE", "d"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "STOREDIST"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km", "FOO"],
        ["GEOSEARCH", "g", "FROMLONLAT", "1", "2"], ["GEOSEARCH", "g", "FROMLONLAT", "1", "2", "BYBOX", "1", "1"],
        ["SET", "str", "v"], ["GEOSEARCH", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "str", "FOO", "1", "2", "BYRADIUS", "1", "km"],
    ],
    "store": [
        ["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania", "15.556", "38.193",
         "Messina", "13.583333", "37.316667", "Agrigento", "15.293", "37.075", "Siracusa"],
        ["GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Catania", "BYRADIUS", "150", "km"], ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        ["GEOSEARCHSTORE", "d", "g", "FROMMEMBER", "Catania", "BYRADIUS", "150", "km", "STOREDIST", "COUNT", "2"],
        ["ZRANGE", "d", "0", "-1", "WITHSCORES"], ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
        ["EXISTS", "d"], ["ZADD", "d", "1", "x"], ["GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
        ["EXISTS", "d"], ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "150", "km", "WITHDIST"],
        ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "150", "km", "STORE", "x"],
        ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYBOX", "300", "300", "km", "STOREDIST", "DESC", "COUNT", "2"],
        ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        ["GEORADIUS", "g", "15", "37", "200", "km", "ASC", "WITHDIST", "WITHCOORD", "WITHHASH", "COUNT", "3"],
        ["GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d"], ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        ["GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "d", "COUNT", "2", "DESC"], ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        ["GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d", "WITHDIST"],
        ["GEORADIUS", "g", "15", "37", "200", "km", "STORE"], ["GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST"],
        ["GEORADIUS", "g", "15", "37", "200", "km", "FROMLONLAT", "1", "2"], ["GEORADIUS", "g", "200", "37", "200", "km"],
        ["GEORADIUS", "g", "15", "37", "x", "km"], ["GEORADIUS", "g", "15", "37", "1", "yd"],
        ["GEORADIUS_RO", "g", "15", "37", "200", "km", "DESC"], ["GEORADIUS_RO", "g", "15", "37", "200", "km", "STORE", "d"],
        ["GEORADIUSBYMEMBER", "g", "Catania", "100", "km", "WITHDIST", "ASC"],
        ["GEORADIUSBYMEMBER", "g", "Catania", "100", "km", "STOREDIST", "d"], ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        ["GEORADIUSBYMEMBER", "g", "nope", "100", "km"], ["GEORADIUSBYMEMBER", "g", "Catania", "x", "km"],
        ["GEORADIUSBYMEMBER", "nokey", "nope", "x", "yd"], ["GEORADIUSBYMEMBER", "nokey", "a", "1", "km", "STORE", "d"],
        ["EXISTS", "d"], ["GEORADIUSBYMEMBER_RO", "g", "Catania", "100", "km", "COUNT", "1"],
        ["GEORADIUSBYMEMBER_RO", "g", "Catania", "100", "km", "STOREDIST", "d"], ["GEORADIUS", "nokey", "1", "2", "1", "km"],
        ["SET", "str", "v"], ["GEORADIUS", "str", "1", "2", "1", "km"], ["GEORADIUS", "g", "1", "2", "1", "km", "STORE", "str"],
        ["TYPE", "str"],
    ],
    "edges": [["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania", "0", "0", "z"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "-0", "km"], ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1e400", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "inf", "inf", "km", "WITHDIST"], ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYBOX", "inf", "0", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1e308", "km", "COUNT", "9223372036854775807"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1e308", "km", "COUNT", "9223372036854775808"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "5", "km", "ASC", "DESC", "ASC", "WITHDIST", "WITHDIST"],
        ["GEOSEARCH", "g", "FROMLONLAT", "-180", "85.05112878", "BYRADIUS", "30000", "km", "ASC"],
        ["GEOSEARCH", "g", "FROMLONLAT", "180", "-85.05112878", "BYBOX", "40000", "20000", "km", "DESC", "WITHCOORD"],
        ["GEOSEARCH", "g", "FROMMEMBER", "z", "FROMMEMBER", "z", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km", "BYRADIUS", "2", "km"],
        ["GEORADIUS", "g", "0", "0", "1", "km", "STORE", "a", "STOREDIST", "b"], ["TYPE", "a"], ["ZRANGE", "b", "0", "-1", "WITHSCORES"],
        ["GEORADIUS", "g", "0", "0", "1", "km", "COUNT", "1", "ANY", "STORE", "a"],
        ["GEOSEARCHSTORE", "g", "g", "FROMMEMBER", "z", "BYRADIUS", "10000", "km", "STOREDIST"], ["ZRANGE", "g", "0", "-1", "WITHSCORES"],
        ["GEOADD", "h", "-180", "0", "a", "180", "0", "b"], ["GEODIST", "h", "a", "b"], ["GEOHASH", "h", "a", "b"], ["GEOPOS", "h", "a", "b"],
        ["GEOSEARCH", "h", "FROMLONLAT", "179.9", "0", "BYRADIUS", "50", "km", "WITHCOORD"],
        ["GEOADD", "h", "0x10", "0", "hex"], ["GEOADD", "h", "1e1", "-1e1", "e"], ["GEOPOS", "h", "hex", "e"],
    ],
}


def random_point(rng):
    kind = rng.randrange(6)
    if kind == 0:   # near the latitude limits
        return rng.uniform(-180, 180), rng.choice([1, -1]) * rng.uniform(80, 85.05)
    if kind == 1:   # around the antimeridian
        return rng.choice([1, -1]) * rng.uniform(175, 180), rng.uniform(-60, 60)
    if kind == 2:   # a dense city
        return 2.35 + rng.uniform(-0.2, 0.2), 48.85 + rng.uniform(-0.2, 0.2)
    return rng.uniform(-180, 180), rng.uniform(-85.05, 85.05)


def random_search(rng, centre, members):
    lon, lat = centre
    frm = (["FROMMEMBER", rng.choice(members)] if rng.random() < 0.3
           else ["FROMLONLAT", "%.6f" % lon, "%.6f" % lat])
    unit = rng.choice(["m", "km", "mi", "ft"])
    scale = {"m": 1000, "km": 1, "mi": 0.62, "ft": 3280}[unit]
    size = rng.choice([0.5, 5, 30, 200, 1000, 4000, 9000])
    if rng.random() < 0.5:
        by = ["BYRADIUS", "%g" % (size * scale), unit]
    else:
        by = ["BYBOX", "%g" % (size * scale * rng.uniform(0.5, 2)), "%g" % (size * scale * rng.uniform(0.5, 2)), unit]
    opts = rng.choice([[], ["ASC"], ["DESC"], ["COUNT", str(rng.randrange(1, 6))], ["COUNT", "4", "DESC"],
                       ["COUNT", str(rng.randrange(1, 4)), "ANY"], ["COUNT", "3", "ANY", "ASC"]])
    withs = [w for w in ("WITHCOORD", "WITHDIST", "WITHHASH") if rng.random() < 0.5]
    return frm, by, opts, withs


def resp3_exchange(port, commands):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    try:
        rd = RespReader(s)
        s.sendall(resp_command("HELLO", "3"))
        rd.reply()
        out = []
        for cmd in commands:
            s.sendall(resp_command(*cmd))
            out.append(rd.reply())
        return out
    finally:
        s.close()


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not on PATH")
class GeoLikeRedis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keel = KeelServer(threads=2, modules=["resp", "strings", "zsets"]).start()
        try:
            cls.redis = RedisServer()
        except Exception:
            cls.keel.stop()
            raise
        cls.k = raw_client(cls.keel.client())
        cls.r = raw_client(cls.redis.client())

    @classmethod
    def tearDownClass(cls):
        cls.keel.stop()
        cls.redis.stop()

    def setUp(self):
        self.k.flushall()
        self.r.flushall()

    def check(self, cmd):
        got, want = reply_of(self.k, cmd), reply_of(self.r, cmd)
        self.assertEqual(got, want, cmd)
        return got

    def test_geo_compat_scripts(self):
        for name, script in SCRIPTS.items():
            with self.subTest(script=name):
                self.k.flushall()
                self.r.flushall()
                for cmd in script:
                    self.check(cmd)

    def add_random_points(self, rng, key, n):
        members, at = [], {}
        for start in range(0, n, 100):
            args = []
            for i in range(start, min(n, start + 100)):
                lon, lat = random_point(rng)
                args += ["%.6f" % lon, "%.6f" % lat, "p%d" % i]
                members.append("p%d" % i)
                at["p%d" % i] = (lon, lat)
            self.check(["GEOADD", key] + args)
        return members, at

    def test_geo_compat_random_points_and_searches(self):
        rng = random.Random(20261206)
        members, at = self.add_random_points(rng, "pts", 3000)
        self.check(["ZRANGE", "pts", "0", "-1", "WITHSCORES"])
        for i in range(0, 3000, 250):
            self.check(["GEOPOS", "pts"] + members[i:i + 250])
            self.check(["GEOHASH", "pts"] + members[i:i + 250])
        for _ in range(300):
            a, b = rng.choice(members), rng.choice(members)
            self.check(["GEODIST", "pts", a, b, rng.choice(["m", "km", "mi", "ft"])])
        for i in range(600):
            centre = at[rng.choice(members)] if rng.random() < 0.5 else random_point(rng)
            frm, by, opts, withs = random_search(rng, centre, members)
            self.check(["GEOSEARCH", "pts"] + frm + by + opts + withs)
            if i % 5 == 0:
                dst = rng.choice(["d1", "d2", "d3"])
                extra = ["STOREDIST"] if rng.random() < 0.5 else []
                self.check(["GEOSEARCHSTORE", dst, "pts"] + frm + by + opts + extra)
                self.check(["ZRANGE", dst, "0", "-1", "WITHSCORES"])
            if i % 7 == 0 and frm[0] == "FROMLONLAT" and by[0] == "BYRADIUS":
                self.check(["GEORADIUS", "pts", frm[1], frm[2], by[1], by[2]] + opts + withs)
            if i % 7 == 1 and frm[0] == "FROMMEMBER" and by[0] == "BYRADIUS":
                self.check(["GEORADIUSBYMEMBER_RO", "pts", frm[1], by[1], by[2]] + opts + withs)

    def test_geo_compat_moves_and_removals(self):
        rng = random.Random(99)
        members, _ = self.add_random_points(rng, "pts", 500)
        for _ in range(300):
            m = rng.choice(members)
            lon, lat = random_point(rng)
            opt = rng.choice([[], ["NX"], ["XX"], ["CH"], ["XX", "CH"]])
            self.check(["GEOADD", "pts"] + opt + ["%.6f" % lon, "%.6f" % lat, m])
            if rng.random() < 0.2:
                self.check(["ZREM", "pts", rng.choice(members)])
        self.check(["ZRANGE", "pts", "0", "-1", "WITHSCORES"])
        for _ in range(100):
            frm, by, opts, withs = random_search(rng, random_point(rng), members)
            if frm[0] == "FROMMEMBER":
                frm = ["FROMLONLAT", "1", "1"]
            self.check(["GEOSEARCH", "pts"] + frm + by + opts + withs)

    def test_geo_compat_resp3_bytes(self):
        rng = random.Random(5)
        cmds = [["GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania", "0", "0", "zero",
                 "-180", "-85.05112878", "sw"]]
        for i in range(40):
            lon, lat = random_point(rng)
            cmds.append(["GEOADD", "g", "%.6f" % lon, "%.6f" % lat, "r%d" % i])
        cmds += [["GEOPOS", "g", "Palermo", "nope", "zero", "sw"] + ["r%d" % i for i in range(40)],
                 ["GEOHASH", "g", "Palermo", "nope"], ["GEODIST", "g", "Palermo", "Catania", "km"], ["GEODIST", "g", "a", "b"],
                 ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "300", "km", "ASC", "WITHCOORD", "WITHDIST", "WITHHASH"],
                 ["GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "20000", "km", "ASC", "WITHCOORD", "WITHDIST"],
                 ["GEOSEARCH", "nokey", "FROMLONLAT", "15", "37", "BYRADIUS", "300", "km"],
                 ["GEORADIUSBYMEMBER", "g", "Palermo", "500", "km", "WITHCOORD", "COUNT", "2"],
                 ["GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "300", "km", "COUNT", "0"]]
        got = resp3_exchange(self.keel.port, cmds)
        want = resp3_exchange(self.redis.port, cmds)
        for cmd, g, w in zip(cmds, got, want):
            self.assertEqual(g, w, cmd)


if __name__ == "__main__":
    unittest.main()
