#!/usr/bin/python3
"""Expiry lag: how long after a key's deadline the server removes it, when nobody touches it.
usage: expiry_lag_probe.py HOST PORT N [PROBES=1000] [LEAD_MS=2000] [WAIT_S=60] [METHODS="events poll"]

FLUSHALL, then N other keys `other:%d` with a 1 h TTL (they never come due during the run), then
PROBES keys `probe:%d` sharing one PXAT deadline LEAD_MS after they are set; each probe's lag is
measured for at most WAIT_S seconds after the deadline, by one or both methods (a round each):
  events  CONFIG SET notify-keyspace-events Ex, SUBSCRIBE __keyevent@0__:expired, lag = arrival of
          a probe's `expired` event - deadline.  Skipped (events_supported false) when the server
          refuses the CONFIG SET (Keel before keyspace notifications).
  poll    DBSIZE in a tight loop on one connection: the k-th probe is counted removed when DBSIZE
          - N first reads <= PROBES - k (DBSIZE touches no key, so lazy expiry plays no part; EXISTS
          or GET would remove a key on access and measure nothing).  Resolution: one round trip.
Also reads INFO stats' expired_lag_* fields where the server has them (Keel: removal time minus
deadline of every key expired since start, i.e. the probes of the rounds run so far).
Prints one JSON line per method; lag figures in ms over all PROBES probes, a probe not seen within
WAIT_S counted as later than every one seen (p50/p99/max are then null when not reached).
Standard library only.
"""
import json, select, socket, sys, time

BATCH = 10000


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, *cmds):
        out = []
        for c in cmds:
            out.append(b"*%d\r\n" % len(c))
            for a in c:
                a = a if isinstance(a, bytes) else str(a).encode()
                out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))

    def _fill(self, timeout=None):
        self.s.settimeout(timeout)
        d = self.s.recv(1 << 20)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def reply(self):
        ln = self._line()
        t, rest = ln[:1], ln[1:]
        if t in (b"+", b"-"):
            return rest.decode() if t == b"+" else Exception(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            d, self.buf = self.buf[:n], self.buf[n + 2:]
            return d
        if t in (b"*", b">"):
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ValueError("bad reply line %r" % ln)

    def call(self, *args):
        self.send(args)
        return self.reply()

    def pipeline(self, cmds):
        for i in range(0, len(cmds), BATCH):
            self.send(*cmds[i:i + BATCH])
            for _ in cmds[i:i + BATCH]:
                r = self.reply()
                if isinstance(r, Exception):
                    raise r


def now_ms():
    return time.time() * 1000.0


def set_probes(c, probes, lead_ms):
    deadline = int(now_ms()) + lead_ms
    c.pipeline([("SET", "probe:%d" % i, "v", "PXAT", deadline) for i in range(probes)])
    if now_ms() >= deadline:
        raise SystemExit("the probes took longer than LEAD_MS to set: raise LEAD_MS")
    return deadline


def summary(lags, probes, wait_s):
    """Lag figures (ms) over all probes; those never seen count as later than every one seen."""
    lags = sorted(lags)
    within = sum(1 for x in lags if x <= wait_s * 1000)

    def q(f):
        k = min(probes - 1, int(f * probes + 0.999999) - 1)
        return round(lags[k], 3) if k < len(lags) else None
    return {"arrived": within, "p50_ms": q(0.5), "p99_ms": q(0.99),
            "max_ms": round(lags[-1], 3) if len(lags) == probes else None,
            "min_ms": round(lags[0], 3) if lags else None}


def by_events(host, port, c, probes, lead_ms, wait_s):
    if isinstance(c.call("CONFIG", "SET", "notify-keyspace-events", "Ex"), Exception):
        return None
    sub = Conn(host, port)
    sub.send(("SUBSCRIBE", "__keyevent@0__:expired"))
    sub.reply()
    deadline = set_probes(c, probes, lead_ms)
    seen = {}
    end = deadline + wait_s * 1000
    while len(seen) < probes and now_ms() < end:
        if b"\r\n" not in sub.buf:
            r, _, _ = select.select([sub.s], [], [], max(0.0, (end - now_ms()) / 1000))
            if not r:
                break
            sub._fill(0)
        at = now_ms()
        while b"\r\n" in sub.buf:
            m = sub.reply()
            if isinstance(m, list) and len(m) == 3 and m[0] == b"message" and m[2].startswith(b"probe:"):
                seen.setdefault(m[2], at - deadline)
            if b"\r\n" not in sub.buf:
                break
    sub.s.close()
    c.call("CONFIG", "SET", "notify-keyspace-events", "")
    return list(seen.values())


def by_polling(c, n_other, probes, lead_ms, wait_s):
    deadline = set_probes(c, probes, lead_ms)
    lags, gone = [], 0
    end = deadline + wait_s * 1000
    while gone < probes and now_ms() < end:
        left = c.call("DBSIZE") - n_other
        at = now_ms()
        while gone < probes - left:
            lags.append(at - deadline)
            gone += 1
    return lags


def info_lag(c):
    r = c.call("INFO", "stats")
    if not isinstance(r, bytes):
        return None
    f = dict(ln.split(":", 1) for ln in r.decode().split("\r\n") if ":" in ln)
    keys = ["expired_lag_samples", "expired_lag_p50_us", "expired_lag_p99_us", "expired_lag_max_us"]
    return {k: int(f[k]) for k in keys} if all(k in f for k in keys) else None


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    probes = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    lead_ms = int(sys.argv[5]) if len(sys.argv) > 5 else 2000
    wait_s = float(sys.argv[6]) if len(sys.argv) > 6 else 60.0
    methods = (sys.argv[7] if len(sys.argv) > 7 else "events poll").split()
    c = Conn(host, port)
    c.call("FLUSHALL")
    t0 = time.time()
    c.pipeline([("SET", "other:%d" % i, "v", "EX", 3600) for i in range(n)])
    load_s = time.time() - t0
    for method in methods:
        if method == "events":
            lags = by_events(host, port, c, probes, lead_ms, wait_s)
        elif method == "poll":
            lags = by_polling(c, n, probes, lead_ms, wait_s)
        else:
            raise SystemExit("unknown method %r" % method)
        rec = {"method": method, "n_other": n, "probes": probes, "lead_ms": lead_ms, "wait_s": wait_s,
               "load_s": round(load_s, 2)}
        if lags is None:
            rec["events_supported"] = False
        else:
            rec.update(summary(lags, probes, wait_s))
        rec["info_lag"] = info_lag(c)
        print(json.dumps(rec), flush=True)
        # the next round starts clean: probes not removed yet go now (DEL, not counted as expired)
        c.pipeline([("DEL", "probe:%d" % i) for i in range(probes)])


if __name__ == "__main__":
    main()
