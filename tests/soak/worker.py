"""worker.py -- the shape every soak worker shares: a thread that runs random steps of its family
until told to stop, checking each reply against its own model of its own keys, and turning a
wrong reply, an unexpected error, a lost connection or a hang into a recorded failure."""
import random
import socket
import threading
import traceback

from wire import Closed, Memcache, Mismatch, ReplyError, Resp


class Ctx:
    """What the workers share: addresses by network name, the tally, the stop flag, the names and
    sizes of the big shared values, and a seed."""

    def __init__(self, addrs, tally, big, seed):
        self.addrs = addrs
        self.tally = tally
        self.big = big
        self.seed = seed
        self.stop = threading.Event()


def check(cond, what, *args):
    if not cond:
        raise Mismatch(what % args if args else what)


def want(reply, expected, what):
    if reply != expected:
        if isinstance(reply, dict) and isinstance(expected, dict):
            raise Mismatch("%s: %s" % (what, "; ".join(diff(expected, reply))))
        raise Mismatch("%s: expected %r, got %r" % (what, _short(expected), _short(reply)))
    return reply


def diff(expected, got, path=""):
    """What differs between two nested dicts, as short lines (the first 10)."""
    out = []
    for k in sorted(set(expected) | set(got), key=repr):
        where = "%s/%s" % (path, k.decode(errors="replace") if isinstance(k, bytes) else k)
        if k not in got:
            out.append("%s missing (expected %s)" % (where, _short(expected[k])))
        elif k not in expected:
            out.append("%s unexpected (got %s)" % (where, _short(got[k])))
        elif isinstance(expected[k], dict) and isinstance(got[k], dict):
            out += diff(expected[k], got[k], where)
        elif expected[k] != got[k]:
            out.append("%s: expected %s, got %s" % (where, _short(expected[k]), _short(got[k])))
    return out[:10]


def no_error(reply, what):
    if isinstance(reply, ReplyError):
        raise Mismatch("%s: unexpected error reply %r" % (what, reply))
    return reply


def _short(v):
    r = repr(v)
    return r if len(r) < 200 else r[:200] + "...(%d chars)" % len(r)


class Worker(threading.Thread):
    family = "?"

    def __init__(self, ctx, wid):
        super().__init__(name="%s-%d" % (self.family, wid), daemon=True)
        self.ctx = ctx
        self.wid = wid
        self.rng = random.Random(ctx.seed * 1000 + wid)
        self.pfx = "%s:%d:" % (self.family, wid)
        self.conns = []
        self.ops = []   # (weight, bound method), filled by subclasses

    # --- connections -------------------------------------------------------------------------------
    def resp(self, network="resp", timeout=60.0):
        host, port = self.ctx.addrs[network]
        c = Resp(host, port, timeout)
        self.conns.append(c)
        return c

    def memcache(self, network="mc", timeout=60.0):
        host, port = self.ctx.addrs[network]
        c = Memcache(host, port, timeout)
        self.conns.append(c)
        return c

    def drop(self, c, reset=False):
        c.close(reset)
        if c in self.conns:
            self.conns.remove(c)

    def close_all(self):
        for c in self.conns:
            c.close()
        self.conns = []

    # --- the loop ----------------------------------------------------------------------------------
    def setup(self):
        """Opens the worker's connections and makes its starting state (subclasses)."""

    def step(self):
        weights = [w for w, _ in self.ops]
        op = self.rng.choices(self.ops, weights)[0][1]
        op()

    def stopping(self):
        return self.ctx.stop.is_set()

    def run(self):
        tally = self.ctx.tally
        ready = False
        while not self.stopping():
            try:
                if not ready:
                    self.close_all()
                    self.setup()
                    ready = True
                self.step()
            except Mismatch as e:
                tally.fail("wrong reply", "%s: %s" % (self.name, e))
                ready = False
            except socket.timeout:
                tally.fail("hang (no reply in 60 s)", "%s: %s" % (self.name, traceback.format_exc(limit=3)))
                ready = False
            except Closed as e:
                tally.fail("connection closed by the server", "%s: %s" % (self.name, traceback.format_exc(limit=3)))
                ready = False
            except OSError as e:
                tally.fail("connection error: %s" % type(e).__name__, "%s: %s" % (self.name, e))
                ready = False
            except Exception as e:   # a bug in the worker is a failure too, never silent
                tally.fail("worker exception: %s" % type(e).__name__, "%s: %s" % (self.name, traceback.format_exc()))
                ready = False
            if not ready and not self.stopping():
                self.ctx.stop.wait(0.5)
        self.close_all()
