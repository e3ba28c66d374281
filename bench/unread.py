#!/usr/bin/python3
"""unread.py HOST PORT CLIENTS SECONDS CMD... -- CLIENTS connections each send CMD once and never
read the reply; after SECONDS they all close.  Prints how many connections were opened."""
import socket, sys, time

host, port, n, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
args = [a.encode() for a in sys.argv[5:]]
req = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
socks = []
for _ in range(n):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(req)
    socks.append(s)
print("opened %d" % len(socks), flush=True)
time.sleep(secs)
for s in socks:
    s.close()
