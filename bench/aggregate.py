#!/usr/bin/env python3
"""aggregate.py HOST PORT KEYS RUNS -- loads KEYS integer keys (agg:<i> = i % 1000), then times
AGG.SUM agg:* (aggregate.so, RUNS calls) against the same sum computed by a client with SCAN MATCH
agg:* COUNT 1000 and one MGET per page (RUNS runs); checks both give the same sum and prints one
JSON line: the keys, the median seconds of each path and their ratio."""
import json
import statistics
import sys
import time

import redis


def client_sum(r):
    total, n, cursor = 0, 0, 0
    while True:
        cursor, keys = r.scan(cursor, match="agg:*", count=1000)
        if keys:
            for v in r.mget(keys):
                if v is not None:
                    total += int(v)
                    n += 1
        if cursor == 0:
            return total, n


def main():
    host, port, nkeys, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    r = redis.Redis(host=host, port=port, socket_timeout=600)
    r.flushall()
    t0 = time.time()
    for base in range(0, nkeys, 1000):
        r.mset({"agg:%d" % i: i % 1000 for i in range(base, min(base + 1000, nkeys))})
    load_s = time.time() - t0
    want = sum(i % 1000 for i in range(nkeys))
    agg, cli = [], []
    for _ in range(runs):   # interleaved, so both see the same machine load
        t = time.time()
        got = r.execute_command("AGG.SUM", "agg:*")
        agg.append(time.time() - t)
        assert got == want, (got, want)
        t = time.time()
        got, n = client_sum(r)
        cli.append(time.time() - t)
        assert (got, n) == (want, nkeys), (got, n)
    a, c = statistics.median(agg), statistics.median(cli)
    print(json.dumps({"keys": nkeys, "load_s": load_s, "agg_s": a, "client_s": c, "ratio": c / a,
                      "agg_runs": agg, "client_runs": cli}))


if __name__ == "__main__":
    main()
