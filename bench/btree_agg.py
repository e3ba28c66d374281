#!/usr/bin/python3
"""btree_agg.py -- bytes per row and in-server aggregation time of Keel's B-tree tables (btree.so).
usage: btree_agg.py HOST PORT ROWS LOOP_S
Loads ROWS rows twice, pipelined on one connection: `plain` (BTSET: a millisecond timestamp ->
an integer) and `ev` (BTSETF: a timestamp -> fields kind, amount), one day of timestamps; reports
used_memory growth per row for each.  Then loops, for LOOP_S seconds on one connection,
`BTAGG ev -inf +inf GROUPBY BUCKET 3600000 COUNT SUM @amount` (every row, 24 groups), and
reports iterations and ms per call.  Prints one JSON line."""
import json, random, socket, sys, time

host, port, rows, loop_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])


def cmd(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


s = socket.create_connection((host, port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def drain(n):
    """Reads n simple replies (integers, or the +OK / errors lines of these commands)."""
    buf, got = b"", 0
    while got < n:
        d = s.recv(1 << 20)
        if not d:
            raise SystemExit("closed")
        buf += d
        got = buf.count(b"\r\n")
    if b"-" in buf[:1] or b"\r\n-" in buf:
        raise SystemExit("error reply: %r" % buf[:200])


def one(*args):
    s.sendall(cmd(*args))
    buf = b""
    while True:
        buf += s.recv(1 << 20)
        if buf.startswith((b":", b"+", b"-", b"$")) and buf.endswith(b"\r\n"):
            if buf.startswith(b"$") and len(buf) < int(buf[1:buf.index(b"\r\n")]) + buf.index(b"\r\n") + 4:
                continue
            return buf


def used_memory():
    info = one("INFO", "memory").decode()
    return int(info.split("used_memory:")[1].split("\r\n")[0])


def load(key, fields):
    base, step = 1733443200000, 86400000 // rows
    rnd = random.Random(1)
    before = used_memory()
    t0 = time.perf_counter()
    batch = []
    for i in range(rows):
        ts = base + i * step
        if fields:
            batch.append(cmd("BTSETF", key, ts, "kind", rnd.choice(("buy", "sell")), "amount", rnd.randrange(1, 1000)))
        else:
            batch.append(cmd("BTSET", key, ts, rnd.randrange(1, 1000)))
        if len(batch) == 1000:
            s.sendall(b"".join(batch))
            drain(len(batch))
            batch = []
    if batch:
        s.sendall(b"".join(batch))
        drain(len(batch))
    secs = time.perf_counter() - t0
    card = int(one("BTCARD", key)[1:-2])
    if card != rows:
        raise SystemExit("%s has %d rows, not %d" % (key, card, rows))
    return round((used_memory() - before) / rows, 1), round(rows / secs)


plain_bpr, plain_rate = load("plain", False)
ev_bpr, ev_rate = load("ev", True)
agg = cmd("BTAGG", "ev", "-inf", "+inf", "GROUPBY", "BUCKET", 3600000, "COUNT", "SUM", "@amount")
times = []
t_end = time.perf_counter() + loop_s
while time.perf_counter() < t_end:
    t0 = time.perf_counter()
    s.sendall(agg + cmd("PING"))
    tail = b""
    while not tail.endswith(b"+PONG\r\n"):
        d = s.recv(1 << 16)
        if not d:
            raise SystemExit("closed")
        tail = (tail + d)[-64:]
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"rows": rows, "plain_bytes_per_row": plain_bpr, "plain_rows_per_s": plain_rate,
                  "fields_bytes_per_row": ev_bpr, "fields_rows_per_s": ev_rate,
                  "agg_iterations": len(times), "agg_ms_avg": round(sum(times) / max(1, len(times)), 1),
                  "agg_ms_min": round(times[0], 1) if times else None,
                  "agg_ms_max": round(times[-1], 1) if times else None}))
