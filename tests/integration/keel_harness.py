"""keel_harness.py -- starts a real keel-server for integration tests and talks to it.

Tests run under Debian's /usr/bin/python3 (it has python3-redis and python3-pymemcache).
The server binary and module directory come from the environment `make check` sets
(KEEL_SERVER, KEEL_MODULE_DIR); run a test by hand with those two set.

    with KeelServer() as srv:            # free port, default modules, 2 threads
        r = srv.client()                  # redis.Redis (decode_responses=False)
        r.set("k", "v")
        out = srv.cli("GET", "k")         # redis-cli, returns stdout text
"""
import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import redis

SERVER = os.environ.get("KEEL_SERVER", "keel-server")
MODULE_DIR = os.environ.get("KEEL_MODULE_DIR", "")

# Data directories of servers that stopped cleanly, removed when the test program exits (a
# server may be started again on its directory); a failed server's directory stays for its log,
# and KEEL_KEEP_TEST_DIRS=1 keeps them all.
_clean_dirs = []


@atexit.register
def _remove_clean_dirs():
    if os.environ.get("KEEL_KEEP_TEST_DIRS"):
        return
    for d in _clean_dirs:
        shutil.rmtree(d, ignore_errors=True)


def wait_until(what, predicate, timeout=60.0, interval=0.01):
    """Polls predicate until it returns something true, and returns that.  Fails after timeout
    seconds, a generous deadline: a test waits for a condition, never for an amount of time, and
    the suite must pass on a loaded machine and under the sanitizers."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %ss waiting for %s" % (timeout, what))
        time.sleep(interval)


def served_meanwhile(job, probe, want=1, rounds=20):
    """Runs job() on another thread and probe() over and over on this one until the job ends.
    Returns (the job's results, one per round, and the probes of the last round).  A round with
    fewer than `want` probes runs again, up to `rounds` times: on a loaded machine this thread
    may not get a core before the job ends.  Counted, never timed: a server that serves nobody
    while the job runs fails every round.  The job must give the same answer when repeated."""
    results = []
    served = 0
    for _ in range(rounds):
        done, result = threading.Event(), {}

        def run():
            try:
                result["value"] = job()
            except BaseException as e:   # noqa: B902 -- re-raised below
                result["error"] = e
            done.set()

        t = threading.Thread(target=run)
        t.start()
        served = 0
        try:
            while not done.is_set():
                probe()
                served += 1
        finally:
            t.join()
        if "error" in result:
            raise result["error"]
        results.append(result["value"])
        if served >= want:
            break
    return results, served


def have_module(name):
    """True when NAME.so was built (tests of an optional module skip without it)."""
    return bool(MODULE_DIR) and os.path.exists(os.path.join(MODULE_DIR, name + ".so"))


class SocketBuffer:
    """What a reader of replies from a socket has read and not used yet (RespReader, and the
    HTTP reader of test_http_metrics.py)."""

    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk


class RespReader(SocketBuffer):
    """Reads whole RESP2/RESP3 replies and pushes from a socket, as the raw bytes sent."""

    def line(self):
        while b"\r\n" not in self.buf:
            self._more()
        i = self.buf.index(b"\r\n") + 2
        line, self.buf = self.buf[:i], self.buf[i:]
        return line

    def exact(self, n):
        while len(self.buf) < n:
            self._more()
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


def resp_command(*args):
    """The RESP multibulk request for args (bytes, or anything str() can spell)."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def blocked_clients(r):
    return int(r.info("clients")["blocked_clients"])


def wait_blocked(r, n, timeout=60.0):
    """Waits until the server counts n clients parked by blocking commands (INFO clients)."""
    wait_until("%d blocked clients (INFO clients)" % n, lambda: blocked_clients(r) == n, timeout)


class Expiry:
    """What a TTL reading may be, whatever the speed of the machine.  Made just before the
    command that sets a time to live of `ms` milliseconds; a reading taken after it can be any
    value from what is left if all the time since went by before the reading (the most that can
    have passed) up to `ms`, and -2 (gone) once that much time has passed:

        e = Expiry(100000); r.expire("k", 100); assertIn(r.ttl("k"), e.ttl())

    On a quick machine this is the exact value; on a stalled one, a wider but still right range."""

    def __init__(self, ms):
        self.ms = ms
        self.t0 = time.monotonic()

    def elapsed_ms(self):   # (+2: the server's clock reads whole milliseconds)
        return int((time.monotonic() - self.t0) * 1000) + 2

    def pttl(self):
        """The PTTL readings possible now."""
        low = self.ms - self.elapsed_ms()
        values = list(range(max(low, 0), self.ms + 1))
        return values + [-2] if low <= 0 else values

    def ttl(self):
        """The TTL readings possible now (seconds, rounded to the nearest as Redis does)."""
        low = self.ms - self.elapsed_ms()
        values = list(range(max((low + 500) // 1000, 0), (self.ms + 500) // 1000 + 1))
        return values + [-2] if low <= 0 else values


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class KeelServer:
    """One keel-server process on a free port; stopped (and checked) on exit."""

    def __init__(self, *args, threads=2, modules=None, port=None, config=None, env=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="keel-test-")
        self.log_path = os.path.join(self.dir, "keel.log")
        cmd = [SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self.dir,
               "--threads", str(threads)]
        if MODULE_DIR:
            cmd += ["--module-dir", MODULE_DIR]
        if modules is not None:
            cmd += ["--modules", ",".join(modules)]
        # the embedded default also listens for memcached on 11211: pick a free port instead,
        # so tests can run side by side (only when the memcache module will be loaded)
        mod_dir = args[list(args).index("--module-dir") + 1] if "--module-dir" in args else MODULE_DIR
        mc_loaded = mod_dir and os.path.exists(os.path.join(mod_dir, "memcache.so")) and \
            (modules is None or "memcache" in modules)
        if mc_loaded and "--memcache-port" not in args and not config:
            cmd += ["--memcache-port", "0"]
        if config:
            cmd += ["--config", config]
        cmd += list(args)
        self.cmd = cmd
        self.env = dict(os.environ, **(env or {}))
        self.proc = None

    def start(self, timeout=60):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("keel-server exited with %s:\n%s" % (self.proc.returncode, self.read_log()))
            try:
                if self.client(socket_timeout=1).ping():
                    return self
            except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                time.sleep(0.02)
        raise RuntimeError("keel-server did not answer PING on port %d:\n%s" % (self.port, self.read_log()))

    def client(self, **kw):
        kw.setdefault("socket_timeout", 120)   # generous: ASan on a busy machine is slow
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def raw(self, timeout=10):
        """A plain socket to the server (for malformed input)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return s

    def cli(self, *args, input=None, check=True):
        """Runs redis-cli against the server; returns its stdout as text."""
        out = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port)] + [str(a) for a in args],
                             input=input, capture_output=True, text=True, timeout=60)
        if check and out.returncode != 0:
            raise RuntimeError("redis-cli failed: %s %s" % (out.stdout, out.stderr))
        return out.stdout

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def used_memory(self):
        return int(self.client().info("memory")["used_memory"])

    def stop(self, timeout=60):
        """SIGTERM, wait, and fail if the server crashed or a sanitizer complained."""
        if not self.proc:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("keel-server did not stop within %ss:\n%s" % (timeout, self.read_log()[-4000:]))
        self.log.close()
        log = self.read_log()
        rc = self.proc.returncode
        self.proc = None
        if "ERROR: AddressSanitizer" in log or "runtime error:" in log or "ERROR: LeakSanitizer" in log:
            raise AssertionError("sanitizer report:\n" + log[-8000:])
        if rc not in (0,):
            raise AssertionError("keel-server exited with %s:\n%s" % (rc, log[-4000:]))
        if self.dir not in _clean_dirs:
            _clean_dirs.append(self.dir)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


class SharedServerTest(unittest.TestCase):
    """A test class whose tests share one keel-server (every module, 2 threads), started for the
    class as cls.srv and stopped after its last test."""

    @classmethod
    def setUpClass(cls):
        cls.srv = KeelServer(threads=2).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()


class KeelConfigServer(KeelServer):
    """A keel-server started from a JSON config (a dict, written to <dir>/keel.json) and nothing
    else but --module-dir and --dir: the networks are exactly the config's.  Once started,
    ports[name] and hosts[name] give each network's address (the chosen one for port 0, read
    from the server's log), and client(name)/cli(name, ...) talk to it.

        with KeelConfigServer({"networks": [{"name": "app", "port": 0}]}) as srv:
            srv.client("app").ping()
    """

    def __init__(self, config, *args, env=None, files=None):
        self.dir = tempfile.mkdtemp(prefix="keel-test-")
        self.log_path = os.path.join(self.dir, "keel.log")
        for name, data in (files or {}).items():     # certificates, scripts ... beside the config
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(data)
        self.config_path = os.path.join(self.dir, "keel.json")
        with open(self.config_path, "w") as f:
            json.dump(config, f, indent=1)
        self.config = config
        cmd = [SERVER, "--config", self.config_path, "--dir", self.dir]
        if MODULE_DIR:
            cmd += ["--module-dir", MODULE_DIR]
        self.cmd = cmd + list(args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.ports, self.hosts = {}, {}
        self.port = None

    def start(self, timeout=60):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.time() + timeout
        listening = re.compile(r"network (\S+): \S+(?: over TLS)? listening on (\S+):(\d+)")
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("keel-server exited with %s:\n%s" % (self.proc.returncode, self.read_log()))
            text = self.read_log()
            found = listening.findall(text)
            # the ready line (stdout) may come before the log thread has written every network
            if " ready (pid " in text and len(found) >= len(self.config.get("networks", [])) and found:
                for name, host, port in found:
                    self.ports[name], self.hosts[name] = int(port), host
                self.port = self.ports[found[0][0]]
                return self
            time.sleep(0.02)
        raise RuntimeError("keel-server did not become ready:\n%s" % self.read_log())

    def read_log(self):
        """The server's output, then its log file when the config names one."""
        text = KeelServer.read_log(self)
        log_file = (self.config.get("log") or {}).get("file")
        if log_file and os.path.isfile(log_file):
            with open(log_file, "rb") as f:
                text += f.read().decode(errors="replace")
        return text

    def client(self, name=None, **kw):
        """redis.Redis for network name (default: the first), keyword arguments passed on
        (ssl=True, ssl_ca_certs=..., ssl_certfile=... for TLS networks)."""
        name = name or next(iter(self.ports))
        kw.setdefault("socket_timeout", 120)
        return redis.Redis(host=self.hosts[name], port=self.ports[name], **kw)

    def raw(self, name=None, timeout=10):
        name = name or next(iter(self.ports))
        return socket.create_connection((self.hosts[name], self.ports[name]), timeout=timeout)

    def cli(self, name, *args, tls=None, input=None, check=True):
        """redis-cli against network name; tls is a list of redis-cli TLS flags
        (["--tls", "--cacert", ca, ...]) or None."""
        cmd = ["redis-cli", "-h", self.hosts[name], "-p", str(self.ports[name])] + (tls or [])
        out = subprocess.run(cmd + [str(a) for a in args], input=input, capture_output=True, text=True, timeout=60)
        if check and out.returncode != 0:
            raise RuntimeError("redis-cli failed: %s %s" % (out.stdout, out.stderr))
        return out.stdout


def make_certs(directory, prefix=""):
    """Generates with `openssl` a test CA and, signed by it, an RSA and an ECDSA (P-256) server
    certificate for localhost / 127.0.0.1 / ::1 and an RSA client certificate.  Returns a dict of
    paths: ca, rsa_crt, rsa_key, ec_crt, ec_key, client_crt, client_key.  prefix makes a second
    set (another CA) in the same directory."""
    def path(name):
        return os.path.join(directory, prefix + name)

    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=60)

    ext = path("san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("ca.key"), "-out", path("ca.crt"),
        "-days", "2", "-subj", "/CN=Keel test CA " + prefix)
    keys = {"rsa": ["-newkey", "rsa:2048"], "ec": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
            "client": ["-newkey", "rsa:2048"]}
    for name, newkey in keys.items():
        cn = "keel-client" if name == "client" else "localhost"
        run("req", *newkey, "-nodes", "-keyout", path(name + ".key"), "-out", path(name + ".csr"),
            "-subj", "/CN=" + cn)
        run("x509", "-req", "-in", path(name + ".csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-out", path(name + ".crt"), "-days", "2", "-extfile", ext)
    return {"ca": path("ca.crt"), "rsa_crt": path("rsa.crt"), "rsa_key": path("rsa.key"),
            "ec_crt": path("ec.crt"), "ec_key": path("ec.key"),
            "client_crt": path("client.crt"), "client_key": path("client.key")}


class RedisServer:
    """A throw-away redis-server on a free port (no persistence), to compare Keel's replies and
    memory with."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="keel-redis-")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while True:
            try:
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    break
            except redis.exceptions.ConnectionError:
                if time.time() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.02)

    def client(self):
        return redis.Redis(port=self.port, socket_timeout=60)

    def used_memory(self):
        return int(self.client().info("memory")["used_memory"])

    def rss(self):
        return int(self.client().info("memory")["used_memory_rss"])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)


def raw_client(c):
    """The client with redis-py's reply conversions removed, so replies compare as sent."""
    c.response_callbacks.clear()
    return c


def error_of(r, *args):
    """The error message the command args gets on client r (redis-py drops a leading "ERR ");
    fails the test when it succeeds."""
    kind, reply = reply_of(r, args)
    if kind != "error":
        raise AssertionError("no error for %r: %r" % (args, reply))
    return reply


def reply_of(r, cmd):
    """("ok", reply) or ("error", message) for cmd on client r."""
    try:
        return ("ok", r.execute_command(*cmd))
    except redis.ResponseError as e:
        return ("error", str(e))
