/* wire.h -- the memcached protocol's own constants: line limits and the fixed lines the parser
 * can answer with.  What the commands reply, and the limits both sides enforce, are the contract
 * in <keel/memcache.h>. */
#ifndef MC_WIRE_H
#define MC_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <keel/memcache.h>

/* A command line longer than this without a newline closes the connection (memcached's limit
 * for non-get lines). */
#define MC_LINE_MAX 2048

/* Keys lines (get gets gat gats) may be longer, up to this, when their verb starts within the
 * first MC_KEYS_INDENT_MAX bytes (so the verb is always seen whole before the limit). */
#define MC_KEYS_LINE_MAX (1024u * 1024u)
#define MC_KEYS_INDENT_MAX 100

/* Most tokens a non-keys line may have (memcached's MAX_TOKENS, the verb included). */
#define MC_MAX_TOKENS 24

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
