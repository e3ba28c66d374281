/* metrics.h -- the Prometheus text exposition (format 0.0.4) of the server's statistics, made
 * from what STATS (JSON) and INFO (text) report.  Every series is listed in docs/http-metrics.md.
 */
#ifndef HTTP_METRICS_H
#define HTTP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <keel/sdk.h>

/* Appends the exposition of stats (the text of STATS with every section) and info (the text of
 * INFO with the memory, stats, clients, commandstats, errorstats and latencystats sections) to
 * out.  False when stats is not a JSON object (out may hold part of the text then). */
bool http_metrics_write(const char *stats, size_t stats_len, const char *info, size_t info_len,
                        keel_buf *out);

#endif
