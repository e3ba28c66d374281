/* memcache.h -- the contract between memcached's wire protocol (proto/memcache, memcache.so) and
 * the memcached command family (modules/memcache, mcitems.so): the limits both enforce, the
 * status codes the MC.* commands reply, and the shape of every MC.* reply the protocol encodes.
 *
 * Not part of <keel/sdk.h>: include it on its own.  It declares no function the core provides;
 * everything here is constants and small inline helpers, so either side (or an out-of-tree
 * replacement for one of them) builds against it alone.
 *
 * What the MC.* commands reply (the encoders read nothing else):
 *   MC.GET MC.GETS MC.GAT MC.GATS MC.GETK MC.GATK
 *                  array [key, flags, value, cas] on a hit (flags and cas as integers), nil on a
 *                  miss
 *   MC.SET MC.ADD MC.REPLACE MC.APPEND MC.PREPEND MC.CAS MC.DELETE MC.TOUCH
 *                  an integer mc_status (STORED, NOT_STORED, EXISTS, NOT_FOUND, DELETED, TOUCHED)
 *   MC.REFUSE      the integer MC_STATUS_COUNT: "too large" (its data was skipped)
 *   MC.INCR MC.DECR  the new value as an integer, or nil when the key is missing
 *   MC.MG MC.MS MC.MD MC.MA
 *                  array [mc_status, return flags text, value?]: the value only for a hit that
 *                  asked for it (v), or for arithmetic's new number
 *   MC.ME          bulk (the line after "ME "), or nil for a miss
 *   MC.STATS       a map of stat names to values (strings, integers, doubles), or a simple word
 *                  (RESET)
 *   MC.FLUSH MC.FLUSHDUE MC.QUIT  nil (the protocol writes its own line)
 *   any            an error reply: a memcached line ("CLIENT_ERROR ...", "SERVER_ERROR ...") or
 *                  a core error (NOPERM, unknown command), which the protocol writes as memcached
 *                  would
 */
#ifndef KEEL_MEMCACHE_H
#define KEEL_MEMCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest key (memcached's KEY_MAX_LENGTH). */
#define MC_KEY_MAX 250

/* Largest value a storage command may store by default, in bytes (memcached's -I default, 1 MiB;
 * a network's MC_ITEM_SIZE_OPTION changes it).  A bigger one is answered "SERVER_ERROR object too
 * large for cache" and its data is skipped.  memcached counts its ~50-byte item header and the
 * key against the same limit, so its largest value is a little smaller. */
#define MC_ITEM_SIZE_MAX (1024u * 1024u)

/* The network option that sets the limit ("2m", "512k", "1g", or bytes), and memcached's bounds
 * for -I. */
#define MC_ITEM_SIZE_OPTION "memcache.item_size_max"
#define MC_ITEM_SIZE_MIN 1024u
#define MC_ITEM_SIZE_LIMIT (1024u * 1024u * 1024u)

/* Longest opaque token of a meta command (O flag). */
#define MC_OPAQUE_MAX 32

/* Relative expiry times go up to 30 days; larger ones are absolute unix times. */
#define MC_REALTIME_MAXDELTA (60 * 60 * 24 * 30)

/* The version "version" and "stats" report: the memcached protocol level Keel speaks, then
 * Keel's own version. */
#define MC_VERSION_PREFIX "1.6.18-keel-"

/* The name of a delayed flush_all's deadline in the core's table (keel_deadline_set): MC.FLUSH
 * records it, the protocol asks whether it is due (keel_conn_deadline_due) and then sends
 * MC.FLUSHDUE, which claims it. */
#define MC_FLUSH_DEADLINE "memcache.flush"

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

/* Reads an item size as memcached's -I does (digits, optionally followed by k, m or g in either
 * case).  False unless it is MC_ITEM_SIZE_MIN .. MC_ITEM_SIZE_LIMIT bytes. */
static inline bool mc_item_size_parse(const char *text, uint64_t *out) {
    if (!text) return false;
    size_t n = 0;
    while (text[n])
        n++;
    uint64_t unit = 1;
    if (n > 0) {
        char last = text[n - 1];
        if (last == 'k' || last == 'K') unit = 1024;
        if (last == 'm' || last == 'M') unit = 1024 * 1024;
        if (last == 'g' || last == 'G') unit = 1024 * 1024 * 1024;
    }
    size_t digits = n - (unit > 1);
    if (digits == 0 || digits > 20) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < digits; i++) {
        unsigned d = (unsigned char)text[i] - '0';
        if (d > 9 || v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    if (v > MC_ITEM_SIZE_LIMIT / unit) return false;
    v *= unit;
    if (v < MC_ITEM_SIZE_MIN || v > MC_ITEM_SIZE_LIMIT) return false;
    *out = v;
    return true;
}

/* The limit a text gives: its size, or MC_ITEM_SIZE_MAX when it is NULL or invalid. */
static inline uint64_t mc_item_size_or_default(const char *text) {
    uint64_t v;
    return mc_item_size_parse(text, &v) ? v : MC_ITEM_SIZE_MAX;
}

#endif
