/* stats_json.h -- STATS as JSON: each section (process cpu memory startup os log keyspace
 * network modules) an object built from the live counters, and SELF STATS for one connection. */
#ifndef KEEL_CORE_STATS_JSON_H
#define KEEL_CORE_STATS_JSON_H

#include <jansson.h>
#include <stdbool.h>

struct keel_conn;

/* The sections in report order, NULL-terminated. */
extern const char *const stats_sections[];

/* Adds section `name` (case-insensitive) to root as root[name]; false for an unknown name. */
bool stats_json_section(json_t *root, const char *name, int64_t now_ms);
/* The caller's connection: network, namespace, protocol, TLS, counters (its own thread). */
json_t *stats_json_conn(const struct keel_conn *c, int64_t now_ms);
/* root as text: compact on one line, or indented when visual.  Free with free(). */
char *stats_json_text(json_t *root, bool visual);

#endif
