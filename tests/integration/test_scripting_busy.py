"""test_scripting_busy.py -- a script that never ends stalls nobody: while it loops, other clients'
commands on other keys keep being answered (on both threads); past busy-reply-threshold, commands
on its keys get Redis's BUSY error (also those that were already waiting); SCRIPT KILL stops it,
FUNCTION KILL stops a function, and a script that wrote is UNKILLABLE.  Progress is asserted by
counts and order, never by speed."""
import os
import threading
import unittest

import redis

from keel_harness import KeelServer, wait_until

BUSY_EVAL = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
BUSY_FUNCTION = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."


class Background:
    """Runs one blocking call in a thread and keeps its reply or error."""

    def __init__(self, fn, *args):
        self.result = self.error = None
        self.thread = threading.Thread(target=self.run, args=(fn, args), daemon=True)
        self.thread.start()

    def run(self, fn, args):
        try:
            self.result = fn(*args)
        except (redis.ResponseError, redis.ConnectionError) as e:
            self.error = str(e)

    def done(self):
        return not self.thread.is_alive()

    def join(self):
        self.thread.join(300)
        assert not self.thread.is_alive(), "the call did not return"


def busy_error(r, key):
    """The error a GET of key answers now, or None."""
    try:
        r.get(key)
        return None
    except redis.ResponseError as e:
        return str(e)


def other_keys(r, n):
    """n keys, some on each of the server's threads."""
    seen = {}
    for i in range(400):
        k = "other:%d" % i
        line = [l for l in r.execute_command("DEBUG", "ZVM", "EXPLAIN", "GET", k) if b" thread " in l][0]
        seen.setdefault(line.split(b" thread ")[1], []).append(k)
        if len(seen) == 2 and all(len(v) >= n for v in seen.values()):
            return seen[list(seen)[0]][:n] + seen[list(seen)[1]][:n]
    raise AssertionError("keys on two threads not found")


class ScriptingBusy(unittest.TestCase):
    def setUp(self):
        env = None
        if self._testMethodName == "test_scripting_script_that_wrote_is_unkillable":
            # ends with SHUTDOWN NOSAVE while the script still runs, as Redis prescribes; the core
            # does not free work still in flight at exit, so leak detection is off for this one
            env = {"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"}
        self.srv = KeelServer(threads=2, env=env).start()
        self.r = self.srv.client()
        self.r.config_set("busy-reply-threshold", 100)

    def tearDown(self):
        self.srv.stop()

    def kill(self, command):
        """Sends SCRIPT KILL or FUNCTION KILL until the busy script is asked to stop."""
        def killed():
            try:
                return self.r.execute_command(*command) in (b"OK", True)
            except redis.ResponseError as e:
                if "NOTBUSY" not in str(e):
                    raise
                return False
        wait_until(" ".join(command), killed, 120)

    def test_scripting_endless_loop_is_killed_while_other_keys_are_served(self):
        keys = other_keys(self.r, 4)
        for k in keys:
            self.r.set(k, k)
        self.r.set("hot", "before")
        loop = Background(self.srv.client().eval, "while true do end", 1, "hot")
        wait_until("the script is busy", lambda: busy_error(self.r, "hot") == BUSY_EVAL, 120)
        served = 0
        for _ in range(50):   # every other key answers, on both threads, while the loop runs
            for k in keys:
                self.assertEqual(self.r.get(k), k.encode())
                served += 1
        self.assertEqual(served, 400)
        self.assertFalse(loop.done())
        self.assertEqual(self.r.info("scripting")["scripts_busy"], 1)
        self.kill(["SCRIPT", "KILL"])
        loop.join()
        self.assertIsNone(loop.result)
        self.assertTrue(loop.error.startswith("Script killed by user with SCRIPT KILL..."), loop.error)
        self.assertEqual(self.r.get("hot"), b"before")
        self.assertEqual(self.r.info("scripting")["scripts_killed"], 1)
        with self.assertRaisesRegex(redis.ResponseError, "^NOTBUSY No scripts in execution right now.$"):
            self.r.script_kill()

    def test_scripting_waiters_queued_before_the_threshold_get_busy(self):
        self.r.config_set("busy-reply-threshold", 1000)
        self.r.set("hot", "v")
        loop = Background(self.srv.client().eval, "while true do end", 1, "hot")
        wait_until("the script runs", lambda: self.r.info("scripting")["scripts_running"] == 1, 120)
        waiter = Background(self.srv.client().get, "hot")   # queued behind the script's lock
        waiter.join()   # answered once the script goes past the threshold, not when it ends
        self.assertEqual(waiter.error, BUSY_EVAL)
        self.assertFalse(loop.done())
        self.kill(["SCRIPT", "KILL"])
        loop.join()
        self.assertTrue(loop.error.startswith("Script killed by user"))

    def test_scripting_killed_script_cannot_hide_in_pcall(self):
        script = "while true do pcall(function() while true do end end) end"
        loop = Background(self.srv.client().eval, script, 1, "hot")
        wait_until("the script is busy", lambda: busy_error(self.r, "hot") == BUSY_EVAL, 120)
        self.kill(["SCRIPT", "KILL"])
        loop.join()
        self.assertTrue(loop.error.startswith("Script killed by user"), loop.error)

    def test_scripting_script_that_wrote_is_unkillable(self):
        keys = other_keys(self.r, 2)
        loop = Background(self.srv.client().eval, "redis.call('SET', KEYS[1], 'w') while true do end", 1, "hot")
        wait_until("the script is busy", lambda: busy_error(self.r, "hot") == BUSY_EVAL, 120)
        with self.assertRaisesRegex(redis.ResponseError, "^UNKILLABLE Sorry the script already executed write commands"):
            self.r.script_kill()
        with self.assertRaisesRegex(redis.ResponseError, "^UNKILLABLE"):
            self.r.execute_command("FUNCTION", "KILL")
        for k in keys:
            self.r.set(k, 1)
            self.assertEqual(self.r.incr(k), 2)
        self.assertFalse(loop.done())
        try:   # the only way out, as in Redis
            self.r.execute_command("SHUTDOWN", "NOSAVE")
        except redis.ConnectionError:
            pass
        self.srv.proc.wait(120)

    def test_scripting_function_kill(self):
        self.r.function_load("#!lua name=spin\nredis.register_function('spin', function(keys) while true do end end)")
        loop = Background(self.srv.client().fcall, "spin", 1, "hot")
        wait_until("the function is busy", lambda: busy_error(self.r, "hot") == BUSY_FUNCTION, 120)
        with self.assertRaisesRegex(redis.ResponseError, "^" + BUSY_FUNCTION.replace(".", "\\.") + "$"):
            self.r.script_kill()
        stats = self.r.execute_command("FUNCTION", "STATS")
        running = dict(zip(stats[1][::2], stats[1][1::2]))
        self.assertEqual(running[b"name"], b"spin")
        self.assertEqual(running[b"command"], [b"FCALL", b"spin", b"1", b"hot"])
        self.kill(["FUNCTION", "KILL"])
        loop.join()
        self.assertTrue(loop.error.startswith("Script killed by user with SCRIPT KILL..."), loop.error)
        self.assertIsNone(self.r.execute_command("FUNCTION", "STATS")[1])


if __name__ == "__main__":
    unittest.main()
