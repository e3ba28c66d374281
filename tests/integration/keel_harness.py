"""keel_harness.py -- starts a real keel-server for integration tests and talks to it.

Tests run under Debian's /usr/bin/python3 (it has python3-redis and python3-pymemcache).
The server binary and module directory come from the environment `make check` sets
(KEEL_SERVER, KEEL_MODULE_DIR); run a test by hand with those two set.

    with KeelServer() as srv:            # free port, default modules, 2 threads
        r = srv.client()                  # redis.Redis (decode_responses=False)
        r.set("k", "v")
        out = srv.cli("GET", "k")         # redis-cli, returns stdout text
"""
import os
import signal
import socket
import subprocess
import tempfile
import time

import redis

SERVER = os.environ.get("KEEL_SERVER", "keel-server")
MODULE_DIR = os.environ.get("KEEL_MODULE_DIR", "")


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

    def start(self, timeout=20):
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
        kw.setdefault("socket_timeout", 30)
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

    def stop(self, timeout=20):
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

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
