"""test_transactions_compat.py -- MULTI/EXEC/DISCARD/WATCH/UNWATCH answer exactly as redis-server
7.0 does: the same raw exchanges are sent to both servers over RESP2 and RESP3, and the bytes
each server answers are compared (QUEUED, EXECABORT, errors inside EXEC's array, the null array
of a failed WATCH, nested MULTI, WATCH inside MULTI, blocking commands inside a transaction),
each script sent one command at a time and also all in one write.
"""
import shutil
import socket
import unittest

from keel_harness import KeelServer, RedisServer, resp_command


class Reader:
    """Reads whole RESP2/RESP3 replies from a socket, as the raw bytes the server sent."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("connection closed")
            self.buf += chunk
        i = self.buf.index(b"\r\n") + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:-2]
        if kind in b"$=!" and rest != b"-1":
            return line + self.exact(int(rest) + 2)
        if kind in b"*~>%" and rest != b"-1":
            n = int(rest) * (2 if kind == b"%" else 1)
            return line + b"".join(self.reply() for _ in range(n))
        return line


# Each script runs on a fresh connection after FLUSHALL; every reply is compared.
SCRIPTS = {
    "basic": [["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["GET", "a"], ["LPUSH", "l", "x", "y"],
              ["LRANGE", "l", "0", "-1"], ["EXEC"], ["GET", "a"]],
    "empty": [["MULTI"], ["EXEC"]],
    "without_multi": [["EXEC"], ["DISCARD"], ["UNWATCH"]],
    "nested": [["MULTI"], ["MULTI"], ["SET", "x", "1"], ["EXEC"], ["GET", "x"]],
    "unknown_aborts": [["MULTI"], ["SET", "y", "1"], ["NOSUCHCMD", "a"], ["INCR", "y"], ["EXEC"],
                       ["GET", "y"], ["EXEC"]],
    "arity_aborts": [["MULTI"], ["SET", "y"], ["SET", "z", "1"], ["EXEC"], ["GET", "z"]],
    "errors_inside": [["SET", "s", "text"], ["MULTI"], ["INCR", "s"], ["SET", "t", "1"], ["LPUSH", "s", "x"],
                      ["EXEC"], ["GET", "t"]],
    "watch_inside": [["MULTI"], ["WATCH", "k"], ["SET", "k", "1"], ["EXEC"], ["GET", "k"]],
    "discard": [["MULTI"], ["SET", "d", "1"], ["DISCARD"], ["GET", "d"], ["DISCARD"], ["MULTI"], ["PING"],
                ["EXEC"]],
    "watch_own_write": [["WATCH", "w"], ["SET", "w", "1"], ["MULTI"], ["PING"], ["EXEC"], ["GET", "w"]],
    "watch_untouched": [["SET", "w", "1"], ["WATCH", "w", "other"], ["SET", "other2", "x"], ["MULTI"],
                        ["INCR", "w"], ["EXEC"], ["GET", "w"]],
    "watch_missing": [["WATCH", "none"], ["MULTI"], ["PING"], ["EXEC"]],
    "watch_deleted": [["SET", "w", "1"], ["WATCH", "w"], ["DEL", "w"], ["MULTI"], ["PING"], ["EXEC"]],
    "watch_renamed_onto": [["SET", "src", "1"], ["WATCH", "dst"], ["RENAME", "src", "dst"], ["MULTI"],
                           ["PING"], ["EXEC"]],
    "watch_flushall": [["SET", "w", "1"], ["WATCH", "w"], ["FLUSHALL"], ["MULTI"], ["PING"], ["EXEC"]],
    "watch_flushall_missing": [["WATCH", "none"], ["FLUSHALL"], ["MULTI"], ["PING"], ["EXEC"]],
    "watch_expire": [["SET", "w", "1"], ["WATCH", "w"], ["EXPIRE", "w", "100"], ["MULTI"], ["PING"], ["EXEC"]],
    "unwatch": [["SET", "w", "1"], ["WATCH", "w"], ["UNWATCH"], ["SET", "w", "2"], ["MULTI"], ["PING"],
                ["EXEC"]],
    "exec_unwatches": [["WATCH", "w"], ["MULTI"], ["PING"], ["EXEC"], ["SET", "w", "1"], ["MULTI"], ["PING"],
                       ["EXEC"]],
    "failed_exec_unwatches": [["WATCH", "w"], ["SET", "w", "1"], ["MULTI"], ["PING"], ["EXEC"], ["SET", "w", "2"],
                              ["MULTI"], ["PING"], ["EXEC"]],
    "discard_unwatches": [["WATCH", "w"], ["SET", "w", "1"], ["MULTI"], ["DISCARD"], ["MULTI"], ["PING"],
                          ["EXEC"]],
    "unwatch_queued": [["WATCH", "w"], ["MULTI"], ["UNWATCH"], ["PING"], ["EXEC"]],
    "blocking_inside": [["MULTI"], ["BLPOP", "nolist", "0"], ["BRPOP", "nolist", "1"], ["RPUSH", "bl", "a"],
                        ["BLPOP", "bl", "0"], ["EXEC"]],
    "multi_key": [["MULTI"], ["MSET", "a", "1", "b", "2", "c", "3"], ["MGET", "a", "b", "c"], ["DEL", "a", "b"],
                  ["EXISTS", "a", "b", "c"], ["RENAME", "c", "d"], ["EXEC"], ["GET", "d"]],
    "select_inside": [["SET", "k", "db0"], ["MULTI"], ["SELECT", "1"], ["SET", "k", "db1"], ["GET", "k"],
                      ["SELECT", "0"], ["GET", "k"], ["EXEC"], ["GET", "k"], ["SELECT", "1"], ["GET", "k"]],
    "watch_remembers_db": [["SELECT", "1"], ["SET", "x", "1"], ["WATCH", "x"], ["SELECT", "0"], ["SET", "x", "2"],
                           ["MULTI"], ["PING"], ["EXEC"]],
    "watch_flushdb": [["SET", "w", "1"], ["WATCH", "w"], ["FLUSHDB"], ["MULTI"], ["PING"], ["EXEC"]],
    "watch_flushdb_other_db": [["SET", "w", "1"], ["WATCH", "w"], ["SELECT", "2"], ["FLUSHDB"], ["SELECT", "0"],
                               ["MULTI"], ["PING"], ["EXEC"]],
    "watch_swapdb_existing": [["SET", "w", "1"], ["WATCH", "w"], ["SWAPDB", "0", "1"], ["MULTI"], ["PING"],
                              ["EXEC"], ["SWAPDB", "0", "1"]],
    "watch_swapdb_incoming": [["SELECT", "1"], ["SET", "w", "1"], ["SELECT", "0"], ["WATCH", "w"],
                              ["SWAPDB", "0", "1"], ["MULTI"], ["PING"], ["EXEC"], ["SWAPDB", "0", "1"]],
    "watch_swapdb_missing_both": [["WATCH", "nothere"], ["SWAPDB", "0", "1"], ["MULTI"], ["PING"], ["EXEC"],
                                  ["SWAPDB", "0", "1"]],
    "watch_move": [["SET", "w", "1"], ["WATCH", "w"], ["MOVE", "w", "3"], ["MULTI"], ["PING"], ["EXEC"]],
    "aggregates": [["RPUSH", "li", "1", "2", "3"], ["SADD", "se", "a"], ["MULTI"], ["LRANGE", "li", "0", "-1"],
                   ["SMEMBERS", "se"], ["HSET", "h", "f", "v"], ["HGETALL", "h"], ["EXEC"]],
}


def run_script(port, script, resp3, pipelined=False):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    rd = Reader(s)
    out = []
    if resp3:
        s.sendall(resp_command("HELLO", "3"))
        rd.reply()
    s.sendall(resp_command("FLUSHALL"))
    rd.reply()
    if pipelined:   # every command in one write: none waits for the one before it to finish
        s.sendall(b"".join(resp_command(*cmd) for cmd in script))
    for cmd in script:
        if not pipelined:
            s.sendall(resp_command(*cmd))
        out.append((" ".join(cmd), rd.reply()))
    s.close()
    return out


@unittest.skipUnless(shutil.which("redis-server"), "redis-server is not installed")
class TransactionsCompat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisServer()
        cls.keel = KeelServer().start()

    @classmethod
    def tearDownClass(cls):
        cls.keel.stop()
        cls.redis.stop()

    def compare(self, resp3, pipelined=False):
        for name, script in SCRIPTS.items():
            with self.subTest(script=name, resp3=resp3, pipelined=pipelined):
                want = run_script(self.redis.port, script, resp3, pipelined)
                got = run_script(self.keel.port, script, resp3, pipelined)
                self.assertEqual(got, want)

    def test_transactions_compat_resp2(self):
        self.compare(False)

    def test_transactions_compat_resp3(self):
        self.compare(True)

    def test_transactions_compat_pipelined(self):
        # what each command does must not depend on whether the one before it had finished when
        # it arrived: WATCH's keys, MULTI and DISCARD take effect in request order
        self.compare(False, pipelined=True)
        self.compare(True, pipelined=True)


if __name__ == "__main__":
    unittest.main()
