#!/usr/bin/python3
"""unread.py HOST PORT CLIENTS PIPELINE SECONDS CMD... -- CLIENTS connections each send CMD
PIPELINE times in one go and never read the replies; after SECONDS they all close.  Prints how
many connections were opened."""
import socket, sys, time

host, port, n, pipeline = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
secs = float(sys.argv[5])
args = [a.encode() for a in sys.argv[6:]]
req = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
socks = []
for _ in range(n):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(req * pipeline)
    socks.append(s)
print("opened %d" % len(socks), flush=True)
time.sleep(secs)
for s in socks:
    s.close()
