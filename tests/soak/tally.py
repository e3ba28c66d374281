"""tally.py -- the soak test's shared counters: operations per family, disconnects by kind,
error replies by kind (expected ones apart), and the failures that make the run fail."""
import threading
from collections import Counter


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.ops = Counter()           # family -> operations (a pipelined command counts once)
        self.disconnects = Counter()   # kind -> clients that left that way
        self.malformed = Counter()     # kind -> malformed or oversized requests sent
        self.expected_errors = Counter()     # error kind the worker provoked on purpose
        self.unexpected_errors = Counter()   # error kind (or connection trouble) nobody asked for
        self.failures = []             # (what, detail), the first 50
        self.nfailures = 0

    def op(self, family, n=1):
        with self.lock:
            self.ops[family] += n

    def disconnect(self, kind):
        with self.lock:
            self.disconnects[kind] += 1

    def bad_input(self, kind):
        with self.lock:
            self.malformed[kind] += 1

    def expected(self, kind):
        with self.lock:
            self.expected_errors[kind] += 1

    def fail(self, what, detail):
        """A wrong reply, an unexpected error, a lost connection or a hang: the run fails."""
        with self.lock:
            self.unexpected_errors[what] += 1
            self.nfailures += 1
            if len(self.failures) < 50:
                self.failures.append((what, detail[:600]))

    def absorb_failures(self, other, label):
        """Takes another tally's failures (the warm-up's) as this one's, labelled."""
        with self.lock:
            for what, n in other.unexpected_errors.items():
                self.unexpected_errors["%s: %s" % (label, what)] += n
            self.failures += [("%s: %s" % (label, what), d) for what, d in other.failures][:50 - len(self.failures)]
            self.nfailures += other.nfailures
