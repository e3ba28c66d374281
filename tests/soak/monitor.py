"""monitor.py -- watches the server under soak: its RSS (/proc/PID/status VmRSS) and INFO's
used_memory every few seconds with their peaks, and that it is the same process throughout
(alive, same process_id and run_id)."""
import os
import threading
import time

from wire import Resp


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS for pid %d" % pid)


def cpu_seconds(pid):
    """User + system CPU seconds the process has used."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def info(conn, *sections):
    """INFO as a dict of str -> str."""
    text = conn.call("INFO", *sections)
    if not isinstance(text, bytes):
        raise RuntimeError("INFO answered %r" % (text,))
    out = {}
    for line in text.decode().splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


class Monitor(threading.Thread):
    """Samples every `every` seconds until stopped; identity problems go to the tally."""

    def __init__(self, proc, addr, tally, every=2.0):
        super().__init__(name="monitor", daemon=True)
        self.proc, self.addr, self.tally, self.every = proc, addr, tally, every
        self.conn = Resp(*addr)
        first = info(self.conn, "server")
        self.identity = (first["process_id"], first["run_id"])
        self.samples = []          # (monotonic seconds, rss, used_memory)
        self.peak_rss = self.peak_used = self.server_peak = 0
        self.stop_event = threading.Event()
        self.lock = threading.Lock()

    def sample(self):
        """One sample now: (rss, used_memory); checks the server is the one started."""
        if self.proc.poll() is not None:
            self.tally.fail("server died", "keel-server exited with status %s" % self.proc.returncode)
            raise RuntimeError("keel-server exited with status %s" % self.proc.returncode)
        with self.lock:
            rss = rss_bytes(self.proc.pid)
            i = info(self.conn, "server", "memory")
        if (i["process_id"], i["run_id"]) != self.identity:
            self.tally.fail("server restarted", "process_id/run_id %s became %s" %
                            (self.identity, (i["process_id"], i["run_id"])))
        used = int(i["used_memory"])
        self.samples.append((time.monotonic(), rss, used))
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_used = max(self.peak_used, used)
        self.server_peak = int(i["used_memory_peak"])   # the server's own, sampled every 100 ms
        return rss, used

    def lazyfree_pending(self):
        with self.lock:
            return int(info(self.conn, "memory")["lazyfree_pending_objects"])

    def call(self, *args):
        with self.lock:
            return self.conn.call(*args)

    def run(self):
        while not self.stop_event.wait(self.every):
            try:
                self.sample()
            except Exception as e:   # noqa: BLE001 -- a monitor that cannot sample is a failure
                self.tally.fail("monitor cannot sample", repr(e))
                return
