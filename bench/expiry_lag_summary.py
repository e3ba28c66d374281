#!/usr/bin/python3
"""expiry_lag_summary.py RESULTS_DIR -> markdown table of 09_expiry_lag.sh --run's explag_*.log."""
import glob, json, os, re, sys

D = sys.argv[1]
out = []
if os.path.exists(f"{D}/env.txt"):
    out.append("```\n" + open(f"{D}/env.txt").read().strip() + "\n```\n")
out.append("### Expiry lag of untouched keys (1000 probes, one PXAT deadline, N other keys with a 1 h TTL)\n")
out.append("lag = removal (event arrival, or DBSIZE poll seeing it gone) - deadline; over all probes, "
           "`-` = not reached within the wait; *server histogram* = INFO stats expired_lag_* (Keel).\n")
out.append("| target | N other | method | arrived | p50 ms | p99 ms | max ms | server histogram p50 / p99 / max ms (samples) |")
out.append("|---|---|---|---|---|---|---|---|")
fmt = lambda v: "-" if v is None else "%.1f" % v
for f in sorted(glob.glob(f"{D}/explag_*.log")):
    tgt = re.match(r".*/explag_(.+)\.log", f).group(1)
    for ln in open(f):
        if not ln.startswith("explag: "):
            continue
        j = json.loads(ln[len("explag: "):])
        il = j.get("info_lag")
        hist = "%.1f / %.1f / %.1f (%d)" % (il["expired_lag_p50_us"] / 1e3, il["expired_lag_p99_us"] / 1e3,
                                             il["expired_lag_max_us"] / 1e3, il["expired_lag_samples"]) if il else ""
        if j.get("events_supported") is False:
            out.append("| %s | %d | %s | (no keyspace events) | | | | %s |" % (tgt, j["n_other"], j["method"], hist))
            continue
        out.append("| %s | %d | %s | %d/%d | %s | %s | %s | %s |" % (
            tgt, j["n_other"], j["method"], j["arrived"], j["probes"], fmt(j["p50_ms"]), fmt(j["p99_ms"]),
            fmt(j["max_ms"]), hist))
print("\n".join(out))
