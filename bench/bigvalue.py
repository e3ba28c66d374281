#!/usr/bin/python3
"""bigvalue.py HOST PORT MB SECONDS set|get -- for SECONDS, repeatedly SET (streaming MB megabytes)
or GET (reading it all back) the key `bigvalue`; prints one JSON line: ops done, seconds per op."""
import json, socket, sys, time

host, port, mb, secs, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
size = mb << 20
s = socket.create_connection((host, port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
chunk = b"x" * (1 << 20)


def reply_line():
    buf = b""
    while not buf.endswith(b"\r\n"):
        d = s.recv(1)
        if not d:
            raise SystemExit("closed")
        buf += d
    return buf


def do_set():
    s.sendall(b"*3\r\n$3\r\nSET\r\n$8\r\nbigvalue\r\n$%d\r\n" % size)
    for _ in range(mb):
        s.sendall(chunk)
    s.sendall(b"\r\n")
    line = reply_line()
    if line != b"+OK\r\n":
        raise SystemExit("SET replied %r" % line)


def do_get():
    s.sendall(b"*2\r\n$3\r\nGET\r\n$8\r\nbigvalue\r\n")
    line = reply_line()
    left = int(line[1:-2]) + 2
    while left:
        d = s.recv(min(left, 1 << 20))
        if not d:
            raise SystemExit("closed")
        left -= len(d)


if mode == "get":
    do_set()
times = []
end = time.perf_counter() + secs
while time.perf_counter() < end:
    t0 = time.perf_counter()
    do_set() if mode == "set" else do_get()
    times.append(time.perf_counter() - t0)
print(json.dumps({"mode": mode, "mb": mb, "ops": len(times), "s_per_op_avg": round(sum(times) / max(1, len(times)), 3),
                  "s_per_op_max": round(max(times or [0]), 3)}))
