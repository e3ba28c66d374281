"""test_conn_move.py -- connections follow their keys (core/conn_move.c): a client that keeps
using a key of another thread moves to that thread and stops hopping; clients whose keys are
spread, or that hold MULTI/WATCH state or subscriptions, stay; a pipeline in flight, CLIENT KILL
and `"conn_move": false` behave.  Only counts are asserted (INFO's zvm_hops and
connections_moved, SELF STATS's thread), never timings.
"""
import json
import unittest

import redis

from keel_harness import KeelConfigServer, KeelServer, resp_command, wait_until


def info_stat(r, field):
    return int(r.info("stats")[field])


def thread_of(r):
    return json.loads(r.execute_command("SELF", "STATS"))["thread"]


def key_on_other_thread(r, prefix="k"):
    """A key whose shard is not on r's connection's thread: its GET makes one hop."""
    for i in range(1000):
        key = f"{prefix}{i}"
        before = info_stat(r, "zvm_hops")
        r.get(key)
        if info_stat(r, "zvm_hops") > before:
            return key
    raise AssertionError("no key of another thread found")


class ConnectionsFollowTheirKeys(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2)
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def test_a_client_hammering_another_threads_key_moves_there_and_stops_hopping(self):
        r = self.srv.client()
        home = thread_of(r)
        key = key_on_other_thread(r, "hot")
        moved_before = info_stat(r, "connections_moved")
        for _ in range(300):
            r.incr(key)
        self.assertNotEqual(thread_of(r), home)
        self.assertGreater(info_stat(r, "connections_moved"), moved_before)
        hops = info_stat(r, "zvm_hops")
        for _ in range(200):
            r.incr(key)
        self.assertEqual(info_stat(r, "zvm_hops"), hops)
        self.assertEqual(int(r.get(key)), 500)

    def test_a_client_using_keys_of_every_thread_stays(self):
        r = self.srv.client()
        home = thread_of(r)
        moved = info_stat(r, "connections_moved")
        for i in range(2000):
            r.set(f"spread{i}", i)
        self.assertEqual(thread_of(r), home)
        self.assertEqual(info_stat(r, "connections_moved"), moved)

    def test_pipelines_keep_their_order_and_counts_across_moves(self):
        clients = [self.srv.client() for _ in range(6)]
        keys = [key_on_other_thread(c, f"pipe{n}-") for n, c in enumerate(clients)]
        for round_ in range(20):
            for c, key in zip(clients, keys):
                p = c.pipeline(transaction=False)
                for _ in range(50):
                    p.incr(key)
                got = p.execute()
                self.assertEqual(got, list(range(round_ * 50 + 1, round_ * 50 + 51)))
        for c, key in zip(clients, keys):
            self.assertEqual(int(c.get(key)), 1000)

    def test_watch_and_multi_keep_a_client_where_it_is(self):
        r = self.srv.client()
        home = thread_of(r)
        key = key_on_other_thread(r, "watched")
        r.execute_command("WATCH", key)
        for _ in range(300):
            r.get(key)
        self.assertEqual(thread_of(r), home)
        r.execute_command("MULTI")
        r.execute_command("INCR", key)
        self.assertEqual(r.execute_command("EXEC"), [1])
        for _ in range(300):   # the watch is gone with EXEC: now it may move
            r.get(key)
        self.assertNotEqual(thread_of(r), home)

    def test_a_raw_client_pipelining_without_reading_moves_only_when_idle(self):
        r = self.srv.client()
        key = key_on_other_thread(r, "raw")
        s = self.srv.raw(timeout=60)
        s.sendall(b"".join(resp_command("INCR", key) for _ in range(5000)))
        want = b"".join(b":%d\r\n" % (n + 1) for n in range(5000))
        got = b""
        while len(got) < len(want):
            chunk = s.recv(1 << 16)
            self.assertTrue(chunk, "the server closed the connection")
            got += chunk
        self.assertEqual(got, want)
        s.close()

    def test_client_kill_reaches_a_client_that_moved(self):
        victim = self.srv.client(single_connection_client=True)
        home = thread_of(victim)
        key = key_on_other_thread(victim, "kill")
        for _ in range(300):
            victim.incr(key)
        self.assertNotEqual(thread_of(victim), home)
        vid = victim.client_id()
        admin = self.srv.client()
        self.assertEqual(admin.execute_command("CLIENT", "KILL", "ID", vid), 1)
        sock = victim.connection._sock   # the same socket: closed by the server, on its new thread
        sock.settimeout(60)
        self.assertEqual(sock.recv(1024), b"")
        wait_until("the moved client is gone",
                   lambda: all(int(c["id"]) != vid for c in admin.client_list()))


class MoveSwitchedOff(unittest.TestCase):
    def test_conn_move_false_keeps_every_client_on_its_thread(self):
        with KeelConfigServer({"conn_move": False, "networks": [{"name": "main", "port": 0}]},
                              "--threads", "2") as srv:
            r = srv.client("main")
            home = thread_of(r)
            key = key_on_other_thread(r)
            for _ in range(300):
                r.incr(key)
            self.assertEqual(thread_of(r), home)
            self.assertEqual(info_stat(r, "connections_moved"), 0)


if __name__ == "__main__":
    unittest.main()
