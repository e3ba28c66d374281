/* limit.h -- the operator's limits on clients: how many, how long idle, how much output and
 * input each may hold, how big one argument may be, and protected mode.  Their values live in
 * the config (conf.h); threads read them with limit_get, CONFIG SET changes them at run time.
 */
#ifndef KEEL_CORE_LIMIT_H
#define KEEL_CORE_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Output buffer limit classes (Redis's client-output-buffer-limit): clients in subscribe mode
 * are "pubsub", every other client "normal". */
enum { LIMIT_OBUF_NORMAL = 0, LIMIT_OBUF_PUBSUB, LIMIT_OBUF_CLASSES };

/* One class: a client whose unsent output (replies finished but not written, encoded or not)
 * passes hard bytes is closed at once, one that stays above soft bytes for soft_seconds too.
 * 0 turns a bound off. */
typedef struct limit_obuf {
    int64_t hard, soft, soft_seconds;
} limit_obuf;

/* Defaults, as Redis 7.0's. */
#define LIMIT_DEFAULT_MAX_CLIENTS 10000
#define LIMIT_DEFAULT_ADMIN_RESERVE 32
#define LIMIT_DEFAULT_TCP_KEEPALIVE 300
#define LIMIT_DEFAULT_QUERY_BUFFER (1024ll * 1024 * 1024)
#define LIMIT_DEFAULT_MAX_BULK (512ll * 1024 * 1024)
/* What a client that has not authenticated yet may send in one request (Redis's bounds). */
#define LIMIT_UNAUTH_MAX_ARGS 10
#define LIMIT_UNAUTH_MAX_BULK (16 * 1024)

/* Reads or writes a live limit (a field of srv->cf) from any thread. */
#define limit_get(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)
#define limit_set(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)

/* The default classes: normal 0 0 0, pubsub 32mb 8mb 60. */
void limit_obuf_default(limit_obuf out[LIMIT_OBUF_CLASSES]);

/* Parses a byte count with Redis's units: "1024", "64k", "64kb", "1m", "1mb", "2gb" (k = 1000,
 * kb = 1024, ...; case-insensitive).  False when it is not one or is negative. */
bool limit_parse_bytes(const char *s, int64_t *out);

/* Parses "class hard soft seconds [class hard soft seconds ...]" (classes "normal", "pubsub";
 * "replica"/"slave" are accepted and ignored, as there are no replicas) into out, changing only
 * the classes it names.  Returns NULL or an error message. */
const char *limit_parse_obuf(const char *s, limit_obuf out[LIMIT_OBUF_CLASSES]);
/* "normal H S N pubsub H S N" (bytes and seconds as integers), as CONFIG GET shows it. */
void limit_format_obuf(const limit_obuf in[LIMIT_OBUF_CLASSES], char *out, size_t cap);
/* The name of a class ("normal", "pubsub"), or -1 for an unknown name. */
int limit_obuf_class(const char *name, size_t len);

#endif
