"""test_client_lifecycle.py -- what happens to a client's requests and memory when it goes away,
half-closes, or sends a huge argument, through real sockets:
  - a client closing in the middle of a big reply leaves nothing behind (used_memory comes back);
  - a client that shuts down its sending side still gets the replies to what it sent, and every
    write it sent is carried out (mass insertion through `nc`-style pipes);
  - a refused MULTI does not let the commands meant for the transaction run;
  - a huge SET is moved from the read buffer and copied in slices, so its thread keeps serving.
"""
import socket
import struct
import threading
import time
import unittest

from keel_harness import KeelServer


def command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def wait_for(cond, deadline=60, what="condition"):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def read_all(s, timeout=60):
    """Everything the server sends on s until it closes the connection."""
    s.settimeout(timeout)
    data = b""
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            return data
        data += chunk


class ClosingMidReply(unittest.TestCase):
    def test_lifecycle_clients_closing_mid_reply_leave_nothing_behind(self):
        with KeelServer() as srv:
            r = srv.client()
            n = 300000
            p = r.pipeline(transaction=False)
            for i in range(0, n, 10000):
                p.rpush("big:list", *range(i, i + 10000))
                p.sadd("big:set", *range(i, i + 10000))
                p.hset("big:map", mapping={"f%d" % j: "v" for j in range(i, i + 10000)})
                p.mset({"k:%d" % j: "v" for j in range(i // 10, i // 10 + 1000)})
            p.execute()
            requests = [command("LRANGE", "big:list", 0, -1), command("SMEMBERS", "big:set"),
                        command("HGETALL", "big:map"), command("KEYS", "*"),
                        command("SCAN", 0, "COUNT", 1000000), command("GET", "big:map"),
                        command("GET", "big:list")]
            base = srv.used_memory()
            for rounds in range(3):
                for req in requests:
                    s = srv.raw()
                    s.sendall(req * 3)   # pipelined, some not started when the client leaves
                    s.recv(1000)         # the reply has begun
                    s.close()
            wait_for(lambda: int(r.info("clients")["connected_clients"]) == 1, what="the clients to be gone")
            # every process and reply tree is given back (a little slack for allocator caches)
            wait_for(lambda: srv.used_memory() < base + 4 * 1024 * 1024,
                     what="used_memory to come back to %d (now %d)" % (base, srv.used_memory()))
            self.assertEqual(r.llen("big:list"), n)
            r.delete("big:list", "big:set", "big:map")
            self.assertEqual(r.ping(), True)


class HalfClose(unittest.TestCase):
    def test_lifecycle_half_closed_client_gets_its_replies(self):
        with KeelServer() as srv:
            s = srv.raw()
            s.sendall(command("SET", "hc", "v") + command("GET", "hc") + b"PING\r\n")
            s.shutdown(socket.SHUT_WR)
            self.assertEqual(read_all(s), b"+OK\r\n$1\r\nv\r\n+PONG\r\n")
            s.close()

    def test_lifecycle_mass_insertion_through_a_pipe_applies_every_write(self):
        """Like `cat cmds | nc -q0 host port`: 20,000 SETs then EOF; all are carried out and
        answered, although the server pauses reading at 1024 pending requests."""
        with KeelServer() as srv:
            n = 20000
            s = srv.raw()
            s.sendall(b"".join(command("SET", "m:%d" % i, i) for i in range(n)) + command("DEL", "m:0"))
            s.shutdown(socket.SHUT_WR)
            data = read_all(s)
            self.assertEqual(data, b"+OK\r\n" * n + b":1\r\n")
            s.close()
            r = srv.client()
            self.assertEqual(r.dbsize(), n - 1)
            self.assertEqual(r.get("m:%d" % (n - 1)), str(n - 1).encode())

    def test_lifecycle_blocked_client_that_leaves_is_gone(self):
        with KeelServer() as srv:
            r = srv.client()
            s = srv.raw()
            s.sendall(command("BLPOP", "nobody", 0))
            wait_for(lambda: int(r.info("clients")["blocked_clients"]) == 1, what="the client to block")
            s.shutdown(socket.SHUT_WR)
            self.assertIn(read_all(s), (b"", b"*-1\r\n", b"$-1\r\n"))   # ended at once (nil), closed
            s.close()
            wait_for(lambda: int(r.info("clients")["blocked_clients"]) == 0 and
                     int(r.info("clients")["connected_clients"]) == 1, what="the blocked client to go")
            r.rpush("nobody", "x")   # nobody takes it
            self.assertEqual(r.lrange("nobody", 0, -1), [b"x"])

    def test_lifecycle_blocked_request_of_a_client_leaving_at_once_ends(self):
        """BLPOP, then EOF or a close straight away, while the pop is still on its way to park on
        its key's thread (or behind a lock): it ends all the same (nil, then EOF), and no client
        stays behind blocked.  Found by scripts/soak: about one try in ten used to hang."""
        with KeelServer() as srv:   # 2 threads: half the keys live on the client's other thread
            r = srv.client()
            for i in range(300):
                s = srv.raw()
                s.sendall(command("BLPOP", "nobody:%d" % (i % 16), 0))
                s.shutdown(socket.SHUT_WR)
                self.assertIn(read_all(s), (b"*-1\r\n", b"$-1\r\n"), "try %d" % i)
                s.close()
            for i in range(300):   # gone entirely, with a FIN or an RST
                s = srv.raw()
                if i % 2:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.sendall(command("BLPOP", "nobody:%d" % (i % 16), 0))
                s.close()
            wait_for(lambda: int(r.info("clients")["blocked_clients"]) == 0 and
                     int(r.info("clients")["connected_clients"]) == 1, what="the blocked clients to go")


class RefusedMulti(unittest.TestCase):
    def exchange(self, s, req, nreplies):
        s.sendall(req)
        data = b""
        s.settimeout(30)
        while data.count(b"\r\n") < nreplies:
            chunk = s.recv(4096)
            self.assertTrue(chunk)
            data += chunk
        return data.split(b"\r\n")[:nreplies]

    def test_lifecycle_commands_after_a_refused_multi_do_not_run(self):
        with KeelServer() as srv:
            r = srv.client()
            s = srv.raw()
            replies = self.exchange(s, command("MULTI") + command("SET", "tx:k", "1") + command("INCR", "tx:n") +
                                    command("EXEC") + command("SET", "after", "1"), 5)
            self.assertTrue(replies[0].startswith(b"-ERR unknown command 'MULTI'"), replies[0])
            self.assertTrue(replies[1].startswith(b"-ERR command not run"), replies[1])
            self.assertTrue(replies[2].startswith(b"-ERR command not run"), replies[2])
            self.assertTrue(replies[3].startswith(b"-EXECABORT"), replies[3])
            self.assertEqual(replies[4], b"+OK")   # after EXEC, commands run again
            self.assertIsNone(r.get("tx:k"))
            self.assertIsNone(r.get("tx:n"))
            self.assertEqual(r.get("after"), b"1")
            replies = self.exchange(s, command("MULTI") + command("DEL", "after") + command("DISCARD") +
                                    command("EXISTS", "after"), 4)
            self.assertTrue(replies[1].startswith(b"-ERR command not run"), replies[1])
            self.assertTrue(replies[2].startswith(b"-EXECABORT"), replies[2])
            self.assertEqual(replies[3], b":1")
            s.close()


class HugeSet(unittest.TestCase):
    def test_lifecycle_huge_set_keeps_its_thread_serving(self):
        """One thread: a 128 MB SET is copied into its value a slice at a time (zvm_yields grows
        by one a slice at least) and PINGs on other connections are answered meanwhile."""
        with KeelServer(threads=1) as srv:
            r = srv.client()
            size = 128 * 1024 * 1024
            payload = b"x" * size
            yields0 = int(r.info("stats")["zvm_yields"])
            answered, stop = [], threading.Event()

            def probe():
                p = srv.client()
                while not stop.is_set():
                    self.assertTrue(p.ping())
                    answered.append(time.monotonic())

            t = threading.Thread(target=probe, daemon=True)
            t.start()
            s = srv.raw(timeout=120)
            s.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % size)
            s.sendall(payload)
            sent = time.monotonic()
            s.sendall(b"\r\n" + command("STRLEN", "big"))
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = s.recv(4096)
                self.assertTrue(chunk)
                reply += chunk
            stop.set()
            t.join(60)
            self.assertEqual(reply, b"+OK\r\n:%d\r\n" % size)
            yields = int(r.info("stats")["zvm_yields"]) - yields0
            self.assertGreaterEqual(yields, size // (2 * 1024 * 1024), "zvm_yields grew by %d" % yields)
            self.assertGreaterEqual(sum(1 for a in answered if a > sent), 1, "no PING answered after the value")
            self.assertEqual(r.getrange("big", size - 3, -1), b"xxx")
            s.close()


if __name__ == "__main__":
    unittest.main()
