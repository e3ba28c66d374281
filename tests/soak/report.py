"""report.py -- prints the soak test's figures: operations per family, disconnects and bad input
by kind, error replies (expected and not), memory at start, peak and end, and the failures."""


def mb(n):
    return "%.1f MB" % (n / (1 << 20))


def _table(title, counter, total_label="total"):
    print("%s:" % title)
    if not counter:
        print("  (none)")
        return
    width = max(len(k) for k in counter)
    for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
        print("  %-*s %10d" % (width, k, n))
    print("  %-*s %10d" % (width, total_label, sum(counter.values())))


def print_summary(tally, figures, warnings, args):
    elapsed = figures.get("elapsed", 0) or 1
    print("\n==== soak summary (%.0f s of load, seed %d, server threads %d)" % (
        figures.get("elapsed", 0), args.seed, args.threads))
    if "cpu" in figures:
        print("cpu: server %.0f s (%.2f cores), soak clients %.0f s (%.2f cores)" % (
            figures["cpu"][0], figures["cpu"][0] / elapsed, figures["cpu"][1], figures["cpu"][1] / elapsed))
    _table("operations by family (%.0f/s overall)" % (sum(tally.ops.values()) / elapsed), tally.ops)
    _table("disconnects by kind", tally.disconnects)
    _table("malformed or oversized input sent", tally.malformed)
    _table("error replies provoked on purpose (checked)", tally.expected_errors)
    _table("unexpected errors seen by clients", tally.unexpected_errors)
    print("memory:")
    boot = figures.get("boot")
    if boot:
        print("  at boot               rss %-10s used_memory %s" % (mb(boot[0]), mb(boot[1])))
    rows = (("start (after warm-up)", "start"), ("peak (sampled, 2 s)", "peak"), ("end (after FLUSHALL)", "end"))
    for label, key in rows:
        if key in figures:
            rss, used = figures[key]
            print("  %-21s rss %-10s used_memory %s" % (label, mb(rss), mb(used)))
    if "server_peak" in figures:
        print("  used_memory_peak (the server's own)  %s" % mb(figures["server_peak"]))
    if "end" in figures and "start" in figures:
        (r0, u0), (r1, u1) = figures["start"], figures["end"]
        limit = mb(figures["rss_limit"]) if figures["rss_limit"] else "none under ASan"
        print("  end - start           rss %+.1f MB (limit %s)   used_memory %+.2f MB (limit %s)" % (
            (r1 - r0) / (1 << 20), limit, (u1 - u0) / (1 << 20), mb(figures["used_limit"])))
    print("server log: %d warning lines" % len(warnings))
    for ln in sorted(set(w.split(" # ", 1)[-1] for w in warnings))[:10]:
        print("  # %s" % ln[:160])
    if tally.failures:
        print("failures (%d, the first %d):" % (tally.nfailures, len(tally.failures)))
        for what, detail in tally.failures:
            print("  - %s: %s" % (what, detail.replace("\n", "\n    ")))
