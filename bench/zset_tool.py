#!/usr/bin/python3
"""Sorted set load for 12_zrange_bigop.sh.
usage: zset_tool.py HOST PORT load KEY N          ZADD N members "m<i>" (score i) in batches of 1000
       zset_tool.py HOST PORT loop KEY SECONDS START STOP
Loop: ZRANGE KEY START STOP on one connection for SECONDS, each followed by a pipelined PING (the
reply ends in +PONG; members are "m<digits>", so that cannot occur inside it).  Prints JSON:
iterations, ms per ZRANGE."""
import json
import socket
import sys
import time


def command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def load(s, key, n):
    sent = 0
    for start in range(0, n, 1000):
        args = []
        for i in range(start, min(n, start + 1000)):
            args += [i, "m%d" % i]
        s.sendall(command("ZADD", key, *args))
        sent += 1
    got, tail = 0, b""
    while got < sent:
        chunk = s.recv(1 << 16)
        if not chunk:
            raise SystemExit("closed")
        data = tail + chunk
        got += data.count(b"\r\n")
        tail = data[data.rfind(b"\r\n") + 2:]
    print(json.dumps({"loaded": n, "commands": sent}))


def loop(s, key, secs, a, b):
    req = command("ZRANGE", key, a, b) + command("PING")
    buf = bytearray(8 << 20)
    mv = memoryview(buf)
    times, nbytes = [], 0
    t_end = time.perf_counter() + secs
    while time.perf_counter() < t_end:
        t0 = time.perf_counter()
        s.sendall(req)
        tail, got = b"", 0
        while True:
            n = s.recv_into(mv)
            if n == 0:
                raise SystemExit("closed")
            got += n
            tail = (tail + bytes(mv[max(0, n - 7):n]))[-7:]
            if tail == b"+PONG\r\n":
                break
        times.append((time.perf_counter() - t0) * 1000)
        nbytes = got
    times.sort()
    print(json.dumps({"iterations": len(times), "reply_bytes": nbytes,
                      "avg_ms": round(sum(times) / max(1, len(times)), 1),
                      "min_ms": round(times[0], 1) if times else None,
                      "max_ms": round(times[-1], 1) if times else None}))


def main():
    host, port, mode, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    s = socket.create_connection((host, port), timeout=3600)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if mode == "load":
        load(s, key, int(sys.argv[5]))
    else:
        loop(s, key, float(sys.argv[5]), sys.argv[6], sys.argv[7])


if __name__ == "__main__":
    main()
