"""test_direct_replies.py -- replies written by the thread that ran the request
(core/conn_direct.c): a request on another thread's key, alone in flight, is answered from that
thread (INFO's zvm_direct_replies counts each one); every reply stays correct and in order with
pipelines, big replies, pushes (RESP3 client tracking), protocol switches (HELLO), CLIENT REPLY,
the slow log, command statistics, clients that vanish mid-request and CLIENT KILL; and
`"direct_replies": false` turns it off.  Only counts and replies are asserted, never timings.
"""
import json
import os
import random
import socket
import tempfile
import threading
import unittest

import redis

from keel_harness import KeelServer, RespReader, free_port, have_module, resp_command, wait_until


def info_stat(r, field):
    return int(r.info("stats")[field])


def key_on_other_thread(r, prefix):
    """A key whose shard is not on r's connection's thread: its GET makes one hop."""
    for i in range(1000):
        key = f"{prefix}{i}"
        before = info_stat(r, "zvm_hops")
        r.get(key)
        if info_stat(r, "zvm_hops") > before:
            return key
    raise AssertionError("no key of another thread found")


def raw_key_on_other_thread(r, s, rd, prefix):
    """A key whose shard is not on raw socket s's connection's thread (INFO read through r)."""
    for i in range(1000):
        key = f"{prefix}{i}"
        before = info_stat(r, "zvm_hops")
        s.sendall(resp_command("EXISTS", key))
        rd.reply()
        if info_stat(r, "zvm_hops") > before:
            return key
    raise AssertionError("no key of another thread found")


def config_file(settings):
    fd, path = tempfile.mkstemp(prefix="keel-direct-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(settings, f)
    return path


def start_server(mc_port=0, **settings):
    # connections stay on their thread, so their requests keep hopping
    settings.setdefault("conn_move", False)
    return KeelServer("--memcache-port", str(mc_port), threads=2,
                      config=config_file(settings)).start()


class DirectReplies(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = start_server()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_each_lone_request_on_another_threads_key_is_answered_from_there(self):
        r = self.srv.client()
        key = key_on_other_thread(r, "lone")
        direct = info_stat(r, "zvm_direct_replies")
        calls = int(r.info("commandstats").get("cmdstat_incr", {}).get("calls", 0))
        for i in range(1, 201):
            self.assertEqual(r.execute_command("INCR", key), i)
        self.assertEqual(info_stat(r, "zvm_direct_replies") - direct, 200)
        # counted by the thread that answered, at once: exact from any connection
        other = self.srv.client()
        self.assertEqual(int(other.info("commandstats")["cmdstat_incr"]["calls"]), calls + 200)

    def test_replies_stay_in_order_under_mixed_load_from_many_clients(self):
        errors = []

        def client(n):
            try:
                rng = random.Random(n)
                r = self.srv.client()
                model = {}
                for step in range(400):
                    key = f"mix{n}:{rng.randrange(40)}"
                    choice = rng.random()
                    if choice < 0.4:
                        got = r.incr(key)
                        model[key] = model.get(key, 0) + 1
                        assert got == model[key], (key, got, model[key])
                    elif choice < 0.6:
                        assert r.get(key) == (str(model[key]).encode() if key in model else None)
                    elif choice < 0.85:  # a pipeline: several requests in flight at once
                        p = r.pipeline(transaction=False)
                        want = []
                        for _ in range(rng.randrange(2, 12)):
                            k = f"mix{n}:{rng.randrange(40)}"
                            p.incr(k)
                            model[k] = model.get(k, 0) + 1
                            want.append(model[k])
                        assert p.execute() == want
                    else:  # a reply too big to be written from the other thread
                        lk = f"mixlist{n}:{rng.randrange(4)}"
                        r.delete(lk)
                        r.rpush(lk, *[b"x" * 100] * 400)
                        assert r.lrange(lk, 0, -1) == [b"x" * 100] * 400
                        assert r.llen(lk) == 400
            except Exception as e:  # reported by the main thread
                errors.append(f"client {n}: {e!r}")

        threads = [threading.Thread(target=client, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertGreater(info_stat(self.srv.client(), "zvm_direct_replies"), 0)

    def test_pushes_and_replies_interleave_whole_under_resp3(self):
        r = self.srv.client()
        keys = [key_on_other_thread(r, f"push{n}-") for n in range(4)]
        for k in keys:
            r.set(k, k)
        s = self.srv.raw(timeout=120)
        rd = RespReader(s)
        s.sendall(resp_command("HELLO", "3"))
        self.assertTrue(rd.reply().startswith(b"%"))
        s.sendall(resp_command("SUBSCRIBE", "news"))
        self.assertTrue(rd.reply().startswith(b">3\r\n$9\r\nsubscribe"))
        stop = threading.Event()

        def publisher():
            p = self.srv.client()
            n = 0
            while not stop.is_set():
                p.publish("news", f"m{n}")
                n += 1

        pub = threading.Thread(target=publisher)
        pub.start()
        try:
            messages = []
            i = 0
            while i < 300 or len(messages) < 20:  # until replies and messages have mixed
                k = keys[i % len(keys)]
                i += 1
                s.sendall(resp_command("GET", k))
                while True:  # messages may come before the reply, whole
                    frame = rd.reply()
                    if frame.startswith(b">"):
                        self.assertTrue(frame.startswith(b">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n"), frame)
                        messages.append(int(frame.split(b"\r\n")[-2][1:]))
                        continue
                    break
                self.assertEqual(frame, b"$%d\r\n%s\r\n" % (len(k), k.encode()))
        finally:
            stop.set()
            pub.join()
        self.assertEqual(messages, sorted(messages))  # in order, none twice
        self.assertEqual(len(messages), len(set(messages)))
        s.close()

    def test_hello_switches_the_protocol_at_its_own_reply(self):
        r = self.srv.client()
        key = key_on_other_thread(r, "hello")
        r.delete(key)
        r.hset(key, "f", "v")
        s = self.srv.raw(timeout=120)
        rd = RespReader(s)
        for version, want in ((3, b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n"),
                              (2, b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n"),
                              (3, b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n")):
            s.sendall(resp_command("HELLO", version))
            rd.reply()
            for _ in range(5):
                s.sendall(resp_command("HGETALL", key))
                self.assertEqual(rd.reply(), want)
        s.close()

    def test_client_reply_off_and_skip_send_nothing(self):
        r = self.srv.client()
        key = key_on_other_thread(r, "quiet")
        r.delete(key)
        s = self.srv.raw(timeout=120)
        rd = RespReader(s)
        s.sendall(resp_command("CLIENT", "REPLY", "OFF"))
        for _ in range(10):
            s.sendall(resp_command("INCR", key))
        s.sendall(resp_command("CLIENT", "REPLY", "SKIP"))
        s.sendall(resp_command("INCR", key))
        s.sendall(resp_command("CLIENT", "REPLY", "ON"))
        self.assertEqual(rd.reply(), b"+OK\r\n")
        s.sendall(resp_command("INCR", key))
        self.assertEqual(rd.reply(), b":12\r\n")
        s.close()

    def test_the_slow_log_has_the_last_request_before_the_next_one_runs(self):
        r = self.srv.client()
        key = key_on_other_thread(r, "slow")
        admin = self.srv.client()
        admin.config_set("slowlog-log-slower-than", 0)
        try:
            for i in range(20):
                r.set(key, f"value{i}")
                entries = r.slowlog_get(5)
                self.assertIn([b"SET", key.encode(), f"value{i}".encode()],
                              [e["command"].split() if isinstance(e["command"], bytes) else
                               [a if isinstance(a, bytes) else a.encode() for a in e["command"]]
                               for e in entries])
        finally:
            admin.config_set("slowlog-log-slower-than", 10000)

    def test_clients_that_vanish_or_are_killed_mid_request(self):
        r = self.srv.client()
        key = key_on_other_thread(r, "gone")
        r.delete(key)
        for _ in range(200):  # the write still runs: as Redis, every command read is run
            s = self.srv.raw(timeout=120)
            s.sendall(resp_command("INCR", key))
            s.close()
        wait_until("every INCR ran", lambda: r.get(key) == b"200")
        stop = threading.Event()
        failures = []

        def victim(n):
            while not stop.is_set():
                try:
                    c = self.srv.client(socket_timeout=120)
                    c.client_setname(f"victim{n}")
                    for _ in range(50):
                        c.incr(f"victim{n}")
                except redis.exceptions.ConnectionError:
                    continue
                except Exception as e:
                    failures.append(repr(e))
                    return

        threads = [threading.Thread(target=victim, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        killer = self.srv.client()
        killed = 0
        while killed < 60 and any(t.is_alive() for t in threads):
            for line in killer.client_list():
                if line.get("name", "").startswith("victim"):
                    killed += killer.client_kill_filter(_id=line["id"]) or 0
        stop.set()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])
        self.assertTrue(killer.ping())

    def test_replies_before_a_blocking_command_are_not_held_for_it(self):
        r = self.srv.client()
        for n, blocking in enumerate((("BLPOP", "hold:list{n}", "0"),
                                      ("XREAD", "BLOCK", "0", "STREAMS", "hold:stream{n}", "$"))):
            key = key_on_other_thread(r, f"held{n}-")
            r.set(key, "before")
            s = self.srv.raw(timeout=60)
            rd = RespReader(s)
            cmd = [a.replace("{n}", str(n)) for a in blocking]
            s.sendall(resp_command("GET", key) + resp_command(*cmd))
            self.assertEqual(rd.reply(), b"$6\r\nbefore\r\n")  # while the second one waits
            if cmd[0] == "BLPOP":
                r.rpush(cmd[1], "x")
                self.assertEqual(rd.reply(), b"*2\r\n$%d\r\n%s\r\n$1\r\nx\r\n" % (len(cmd[1]), cmd[1].encode()))
            else:
                r.xadd(cmd[4], {"f": "v"})
                self.assertTrue(rd.reply().startswith(b"*1\r\n*2\r\n"))
            s.close()

    def test_a_transaction_pipeline_answers_whole(self):
        r = self.srv.client()
        keys = [key_on_other_thread(r, f"txp{n}-") for n in range(3)]
        for k in keys:
            r.delete(k)
        s = self.srv.raw(timeout=120)
        rd = RespReader(s)
        counts = [0, 0, 0]
        for i in range(300):
            counts[i % 3] += 1
            s.sendall(resp_command("MULTI") + resp_command("INCR", keys[i % 3]) + resp_command("EXEC"))
            self.assertEqual(rd.reply(), b"+OK\r\n")
            self.assertEqual(rd.reply(), b"+QUEUED\r\n")
            self.assertEqual(rd.reply(), b"*1\r\n:%d\r\n" % counts[i % 3])
        s.close()

    def test_a_transaction_goes_out_whole_from_its_keys_thread(self):
        # MULTI's +OK and +QUEUED wait for EXEC; EXEC runs on the key's thread, which writes
        # them and its own reply in one go
        r = self.srv.client()
        s = self.srv.raw(timeout=120)
        rd = RespReader(s)
        key = raw_key_on_other_thread(r, s, rd, "txd")
        r.delete(key)
        direct = info_stat(r, "zvm_direct_replies")
        for i in range(1, 201):
            s.sendall(resp_command("MULTI") + resp_command("INCR", key) + resp_command("EXEC"))
            self.assertEqual(rd.reply(), b"+OK\r\n")
            self.assertEqual(rd.reply(), b"+QUEUED\r\n")
            self.assertEqual(rd.reply(), b"*1\r\n:%d\r\n" % i)
        self.assertEqual(info_stat(r, "zvm_direct_replies") - direct, 200)
        s.close()

    def test_transactions_to_a_client_that_does_not_read_stay_whole_and_in_order(self):
        # the socket fills: a reply written from another thread goes out in part, and what is
        # left (held replies included) is written by the connection's own thread, in order
        r = self.srv.client()
        s = self.srv.raw(timeout=120)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rd = RespReader(s)
        keys = [raw_key_on_other_thread(r, s, rd, f"txfull{n}-") for n in range(2)]
        values = [os.urandom(3000).hex().encode(), os.urandom(2500).hex().encode()]
        for k, v in zip(keys, values):
            r.set(k, v)

        def execs():
            return int(r.info("commandstats").get("cmdstat_exec", {}).get("calls", 0))

        def unsent():
            return sum(int(c.get("omem", 0)) for c in r.client_list())

        rounds = full_at = 0
        # one at a time, each alone in flight, none read, until the sockets' buffers are full
        # and replies wait in the server (then a few more)
        while rounds < 10000 and (not full_at or rounds < full_at + 20):
            before = execs()
            s.sendall(resp_command("MULTI") + resp_command("GET", keys[rounds % 2]) +
                      resp_command("APPEND", keys[rounds % 2], "") + resp_command("EXEC"))
            wait_until("EXEC %d ran" % rounds, lambda: execs() > before, interval=0.001)
            rounds += 1
            if not full_at and unsent() > 65536:
                full_at = rounds
        self.assertTrue(full_at, "the replies never filled the sockets")
        for i in range(rounds):
            v = values[i % 2]
            self.assertEqual(rd.reply(), b"+OK\r\n")
            self.assertEqual(rd.reply(), b"+QUEUED\r\n")
            self.assertEqual(rd.reply(), b"+QUEUED\r\n")
            self.assertEqual(rd.reply(), b"*2\r\n$%d\r\n%s\r\n:%d\r\n" % (len(v), v, len(v)))
        self.assertEqual(r.ping(), True)
        s.close()

    def test_half_closed_client_gets_its_replies(self):
        r = self.srv.client()
        key = key_on_other_thread(r, "half")
        r.set(key, "x")
        s = self.srv.raw(timeout=120)
        s.sendall(resp_command("GET", key) + resp_command("APPEND", key, "y"))
        s.shutdown(socket.SHUT_WR)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        self.assertEqual(data, b"$1\r\nx\r\n:2\r\n")
        s.close()


@unittest.skipUnless(have_module("memcache") and have_module("mcitems"), "no memcache module")
class DirectRepliesMemcached(unittest.TestCase):
    def test_memcached_text_and_binary_replies_from_other_threads(self):
        from pymemcache.client.base import Client
        port = free_port()
        srv = start_server(mc_port=port)
        try:
            r = srv.client()
            direct = info_stat(r, "zvm_direct_replies")
            mc = Client(("127.0.0.1", port), timeout=60, connect_timeout=60)
            for i in range(300):
                mc.set(f"mc{i}", f"value{i}".encode(), expire=0)
            for i in range(300):
                self.assertEqual(mc.get(f"mc{i}"), f"value{i}".encode())
            self.assertEqual(mc.get_many([f"mc{i}" for i in range(0, 300, 7)]),
                             {f"mc{i}": f"value{i}".encode() for i in range(0, 300, 7)})
            self.assertEqual(mc.incr("mcnum", 1), None)  # not there: memcached's NOT_FOUND
            mc.set("mcnum", b"5")
            self.assertEqual(mc.incr("mcnum", 3), 8)
            mc.close()
            # the binary protocol: a get of a missing key, then a hit, on one connection
            s = socket.create_connection(("127.0.0.1", port), timeout=60)
            for key, want_status in ((b"absent-key", 1), (b"mc1", 0)):
                s.sendall(bytes([0x80, 0x00]) + len(key).to_bytes(2, "big") + bytes(4) +
                          len(key).to_bytes(4, "big") + bytes(12) + key)
                head = b""
                while len(head) < 24:
                    head += s.recv(24 - len(head))
                body_len = int.from_bytes(head[8:12], "big")
                body = b""
                while len(body) < body_len:
                    body += s.recv(body_len - len(body))
                self.assertEqual(head[0], 0x81)
                self.assertEqual(int.from_bytes(head[6:8], "big"), want_status)
                if want_status == 0:
                    self.assertEqual(body[head[4]:], b"value1")
            s.close()
            self.assertGreater(info_stat(r, "zvm_direct_replies"), direct)
        finally:
            srv.stop()


class DirectRepliesAndTheLog(unittest.TestCase):
    def test_everysec_writes_go_direct_and_always_writes_wait_for_the_disk(self):
        for fsync, want_direct in (("everysec", True), ("always", False)):
            srv = start_server(appendonly="yes", appendfsync=fsync)
            try:
                r = srv.client()
                key = key_on_other_thread(r, "log")
                direct = info_stat(r, "zvm_direct_replies")
                for i in range(1, 51):
                    self.assertEqual(r.execute_command("INCR", key), i)
                got = info_stat(r, "zvm_direct_replies") - direct
                # under always a reply leaves only once its record is on disk: never direct
                self.assertEqual(got, 50 if want_direct else 0, fsync)
            finally:
                srv.stop()


class DirectRepliesOff(unittest.TestCase):
    def test_direct_replies_false_sends_every_reply_home(self):
        srv = start_server(direct_replies=False)
        try:
            r = srv.client()
            key = key_on_other_thread(r, "off")
            for i in range(1, 101):
                self.assertEqual(r.incr(key), i)
            self.assertEqual(info_stat(r, "zvm_direct_replies"), 0)
            self.assertGreater(info_stat(r, "zvm_hops"), 100)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
