/* wire.h -- memcached protocol constants shared by the parser, the commands and the encoders:
 * limits, the status codes commands reply, and the fixed lines the parser can answer with. */
#ifndef MC_WIRE_H
#define MC_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Longest key (memcached's KEY_MAX_LENGTH). */
#define MC_KEY_MAX 250

/* Largest value a storage command may store by default, in bytes (memcached's -I default, 1 MiB;
 * a network's "memcache.item_size_max" option changes it, see item_size.h).  A bigger one is
 * answered "SERVER_ERROR object too large for cache" and its data is skipped.  memcached counts
 * its ~50-byte item header and the key against the same limit, so its largest value is a little
 * smaller. */
#define MC_ITEM_SIZE_MAX (1024u * 1024u)

/* A command line longer than this without a newline closes the connection (memcached's limit
 * for non-get lines). */
#define MC_LINE_MAX 2048

/* Keys lines (get gets gat gats) may be longer, up to this, when their verb starts within the
 * first MC_KEYS_INDENT_MAX bytes (so the verb is always seen whole before the limit). */
#define MC_KEYS_LINE_MAX (1024u * 1024u)
#define MC_KEYS_INDENT_MAX 100

/* Most tokens a non-keys line may have (memcached's MAX_TOKENS, the verb included). */
#define MC_MAX_TOKENS 24

/* Longest opaque token of a meta command (O flag). */
#define MC_OPAQUE_MAX 32

/* The name of a delayed flush_all's deadline in the core's table (keel_deadline_set): MC.FLUSH
 * records it, the protocol asks whether it is due, MC.FLUSHDUE claims it. */
#define MC_FLUSH_DEADLINE "memcache.flush"

/* Relative expiry times go up to 30 days; larger ones are absolute unix times. */
#define MC_REALTIME_MAXDELTA (60 * 60 * 24 * 30)

/* The version "version" and "stats" report: the memcached protocol level Keel speaks, then
 * Keel's own version. */
#define MC_VERSION_PREFIX "1.6.18-keel-"

/* What a storage, delete, touch or meta command replies (as an integer); each encoder writes
 * its own word for it. */
typedef enum mc_status {
    MC_STORED = 0, /* STORED / HD */
    MC_NOT_STORED, /* NOT_STORED / NS */
    MC_EXISTS,     /* EXISTS / EX */
    MC_NOT_FOUND,  /* NOT_FOUND / NF (meta get: EN) */
    MC_DELETED,    /* DELETED / HD */
    MC_TOUCHED,    /* TOUCHED / HD */
    MC_HIT,        /* meta get and arithmetic: VA with a value, HD without */
    MC_STATUS_COUNT
} mc_status;

/* Fixed lines the parser answers with (MC_KIND_MSG requests). */
typedef enum mc_msg {
    MC_MSG_ERROR = 0,      /* ERROR: unknown command or wrong token count */
    MC_MSG_BAD_FORMAT,     /* CLIENT_ERROR bad command line format */
    MC_MSG_DELETE_USAGE,   /* ... Usage: delete <key> [noreply] */
    MC_MSG_BAD_EXPTIME,    /* CLIENT_ERROR invalid exptime argument */
    MC_MSG_BAD_DELTA,      /* CLIENT_ERROR invalid numeric delta argument */
    MC_MSG_TOO_LARGE,      /* SERVER_ERROR object too large for cache */
    MC_MSG_KEY_DECODE,     /* CLIENT_ERROR error decoding key */
    MC_MSG_BAD_TOKEN,      /* CLIENT_ERROR bad token in command line format */
    MC_MSG_TOO_MANY,       /* CLIENT_ERROR too many tokens */
    MC_MSG_SLABS_BADCLASS, /* BADCLASS invalid src or dst class id */
    MC_MSG_SLABS_NOSPARE,  /* NOSPARE source class has no spare pages */
    MC_MSG_SLABS_SAME,     /* SAME src and dst class are identical */
    MC_MSG_COUNT
} mc_msg;

/* A line without its CRLF. */
typedef struct mc_line {
    const char *s;
    size_t n;
} mc_line;

extern const mc_line mc_msg_lines[MC_MSG_COUNT];

/* The messages that close a connection (KEEL_PARSE_ERROR). */
#define MC_ERR_LINE_TOO_LONG "CLIENT_ERROR line too long"
#define MC_ERR_BAD_CHUNK "CLIENT_ERROR bad data chunk"

#endif
