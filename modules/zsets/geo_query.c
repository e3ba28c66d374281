/* geo_query.c -- geo searches: GEOSEARCH, GEOSEARCHSTORE, GEORADIUS, GEORADIUS_RO,
 * GEORADIUSBYMEMBER, GEORADIUSBYMEMBER_RO, as Redis 7.0's georadiusGeneric runs them.
 *
 * One opcode runs them all in phases kept in an arena state (r0): on the source's thread, check
 * its type, read the arguments (in Redis's order, with its errors) and scan the shape's cells
 * (geo_scan.h), yielding with the key locked; then sort the points by distance, and reply them
 * or build the result set a slice at a time; last, on the destination's thread, store it.
 */
#include "family.h"
#include "geo_args.h"
#include "geo_scan.h"
#include "zobj.h"

#include <string.h>

enum { Q_RADIUS = 0, Q_RADIUS_MEMBER, Q_SEARCH, Q_SEARCH_STORE };
enum { PH_START = 0, PH_SCAN, PH_EMIT, PH_STORE };
enum { SORT_NONE = 0, SORT_ASC, SORT_DESC };

/* imm = kind + 4 * read-only (the _RO forms: no STORE) */
#define IMM(KIND, RO) ((KIND) + 4 * (RO))

typedef struct gquery {
    uint8_t kind, phase, sort;
    bool ro, withdist, withhash, withcoord, any, storedist;
    int64_t count;       /* COUNT (0: none) */
    uint32_t src, store; /* argv indexes of the source and the destination (0: none) */
    geo_shape shape;
    geo_scan scan;
    uint64_t n, done; /* points to reply or store, and done so far */
    dk_zset *out;     /* the STORE forms' result, until stored */
} gquery;

static void free_out(void *ptr) {
    gquery *q = ptr;
    dk_zset_free(q->out);
    q->out = NULL;
}

/* ======== arguments ======== */

/* The point a member stands for; false after replying Redis's error when it is missing. */
static bool member_point(keel_proc *p, const dk_zset *z, const keel_arg *m, geo_shape *s) {
    double score;
    if (!dk_zset_score(z, m->ptr, m->len, &score)) {
        keel_reply_error(p, "ERR could not decode requested zset member");
        return false;
    }
    geo_point_of(score, &s->lon, &s->lat);
    return true;
}

/* What the options loop has seen. */
typedef struct seen {
    bool frommember, fromloc, byradius, bybox;
} seen;

/* Reads one option at argv[j] (Redis's order of tests); returns how many arguments it took,
 * or 0 after replying the error.  z is the source (NULL when missing). */
static uint32_t read_option(keel_proc *p, gquery *q, seen *sn, uint32_t j, const dk_zset *z) {
    const keel_arg *a = &p->argv[j];
    uint32_t after = p->argc - j - 1; /* arguments after this one */
    bool search = q->kind >= Q_SEARCH, may_store = !q->ro && !search;
    geo_shape *s = &q->shape;
    if (keel_arg_is(a, "WITHDIST"))
        q->withdist = true;
    else if (keel_arg_is(a, "WITHHASH"))
        q->withhash = true;
    else if (keel_arg_is(a, "WITHCOORD"))
        q->withcoord = true;
    else if (keel_arg_is(a, "ANY"))
        q->any = true;
    else if (keel_arg_is(a, "ASC"))
        q->sort = SORT_ASC;
    else if (keel_arg_is(a, "DESC"))
        q->sort = SORT_DESC;
    else if (keel_arg_is(a, "COUNT") && after >= 1) {
        if (!zs_arg_int(p, &p->argv[j + 1], &q->count)) return 0;
        if (q->count <= 0) {
            keel_reply_error(p, "ERR COUNT must be > 0");
            return 0;
        }
        return 2;
    } else if (keel_arg_is(a, "STORE") && after >= 1 && may_store) {
        q->store = j + 1;
        q->storedist = false;
        return 2;
    } else if (keel_arg_is(a, "STOREDIST") && after >= 1 && may_store) {
        q->store = j + 1;
        q->storedist = true;
        return 2;
    } else if (keel_arg_is(a, "STOREDIST") && q->kind == Q_SEARCH_STORE) {
        q->storedist = true;
    } else if (keel_arg_is(a, "FROMMEMBER") && after >= 1 && search && !sn->fromloc) {
        if (z && !member_point(p, z, &p->argv[j + 1], s)) return 0;
        sn->frommember = true;
        return 2;
    } else if (keel_arg_is(a, "FROMLONLAT") && after >= 2 && search && !sn->frommember) {
        if (!geo_arg_lonlat(p, &p->argv[j + 1], &s->lon, &s->lat)) return 0;
        sn->fromloc = true;
        return 3;
    } else if (keel_arg_is(a, "BYRADIUS") && after >= 2 && search && !sn->bybox) {
        if (!geo_arg_radius(p, &p->argv[j + 1], &s->radius, &s->to_m)) return 0;
        s->box = false;
        sn->byradius = true;
        return 3;
    } else if (keel_arg_is(a, "BYBOX") && after >= 3 && search && !sn->byradius) {
        if (!geo_arg_box(p, &p->argv[j + 1], &s->width, &s->height, &s->to_m)) return 0;
        s->box = true;
        sn->bybox = true;
        return 4;
    } else {
        keel_reply_error(p, "ERR syntax error");
        return 0;
    }
    return 1;
}

/* Reads the whole call after the source's type check; false after replying the error. */
static bool parse(keel_proc *p, gquery *q, const dk_zset *z) {
    uint32_t base = 2;
    geo_shape *s = &q->shape;
    if (q->kind == Q_RADIUS) {
        base = 6;
        if (!geo_arg_lonlat(p, &p->argv[2], &s->lon, &s->lat) ||
            !geo_arg_radius(p, &p->argv[4], &s->radius, &s->to_m))
            return false;
    } else if (q->kind == Q_RADIUS_MEMBER) {
        base = 5; /* (the member and radius are read only when the source exists) */
        if (z && (!member_point(p, z, &p->argv[2], s) ||
                  !geo_arg_radius(p, &p->argv[3], &s->radius, &s->to_m)))
            return false;
    } else if (q->kind == Q_SEARCH_STORE) {
        base = 3;
        q->store = 1;
    }
    seen sn = {false, false, false, false};
    for (uint32_t j = base; j < p->argc;) {
        uint32_t took = read_option(p, q, &sn, j, z);
        if (!took) return false;
        j += took;
    }
    bool search = q->kind >= Q_SEARCH;
    const keel_arg *name = &p->argv[0];
    if (q->store && (q->withdist || q->withhash || q->withcoord)) {
        keel_reply_error(
            p, "ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
            q->kind == Q_SEARCH_STORE ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS");
        return false;
    }
    if (search && !(sn.frommember || sn.fromloc)) {
        keel_reply_error(p, "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %.*s",
                         (int)name->len, name->ptr);
        return false;
    }
    if (search && !(sn.byradius || sn.bybox)) {
        keel_reply_error(p, "ERR exactly one of BYRADIUS and BYBOX can be specified for %.*s",
                         (int)name->len, name->ptr);
        return false;
    }
    if (q->any && !q->count) {
        keel_reply_error(p, "ERR the ANY argument requires COUNT argument");
        return false;
    }
    return true;
}

/* ======== phases ======== */

/* The last step of the STORE forms: the result replaces the destination (deleted when empty;
 * also when the source is missing); replies its size. */
static keel_op_result store(keel_proc *p, gquery *q) {
    const char *event = q->kind >= Q_SEARCH ? "geosearchstore" : "georadiusstore";
    keel_status st = zs_replace(p, &p->argv[q->store], q->out, event);
    KEEL_OP_PROPAGATE(st);
    if (st != KEEL_OK) return zs_oom(p);
    if (q->n > 0) q->out = NULL; /* the destination has it */
    keel_reply_int(p, (int64_t)q->n);
    return KEEL_NEXT;
}

/* One point as a reply: the member alone, or [member, dist?, hash?, [lon, lat]?]. */
static void reply_hit(keel_proc *p, const gquery *q, const geo_hit *h) {
    size_t extra = (size_t)q->withdist + q->withhash + q->withcoord;
    if (extra) keel_reply_array(p, extra + 1);
    keel_reply_bulk(p, h->len ? h->member : "", h->len);
    if (q->withdist) geo_reply_dist(p, h->dist / q->shape.to_m);
    if (q->withhash) keel_reply_int(p, (int64_t)h->score);
    if (q->withcoord) {
        keel_reply_array(p, 2);
        geo_reply_coord(p, h->lon);
        geo_reply_coord(p, h->lat);
    }
}

/* Replies the first n points, or adds them to the result, a slice per time slice. */
static keel_op_result emit(keel_proc *p, gquery *q) {
    if (!q->store && q->done == 0) keel_reply_array(p, q->n);
    while (q->done < q->n) {
        const geo_hit *h = &q->scan.hits[q->done++];
        if (q->store) {
            double score = q->storedist ? h->dist / q->shape.to_m : h->score;
            if (dk_zset_set(q->out, h->member, h->len, score) < 0) return zs_oom(p);
        } else {
            reply_hit(p, q, h);
        }
        if (keel_charge(p, q->store ? ZS_COST_UPDATE : ZS_COST_STEP) && q->done < q->n)
            return KEEL_YIELD;
    }
    if (!q->store) return KEEL_NEXT;
    q->phase = PH_STORE;
    return store(p, q);
}

/* The scan is over: sorts the points and moves on to the reply or the result. */
static keel_op_result scanned(keel_proc *p, gquery *q) {
    geo_scan *g = &q->scan;
    if (q->sort != SORT_NONE && !geo_scan_sort(p, g, q->sort == SORT_DESC)) return zs_oom(p);
    q->n = q->count && (uint64_t)q->count < g->n ? (uint64_t)q->count : g->n;
    q->phase = PH_EMIT;
    if (q->store && q->n > 0) {
        q->out = dk_zset_new();
        if (!q->out || keel_proc_defer_free(p, free_out, q) != KEEL_OK) {
            dk_zset_free(q->out);
            q->out = NULL;
            return zs_oom(p);
        }
    }
    return emit(p, q);
}

/* The first run on the source's thread: type check, arguments, a missing source's answer. */
static keel_op_result start(keel_proc *p, gquery *q, keel_status found, const dk_zset *z) {
    if (!parse(p, q, found == KEEL_OK ? z : NULL)) return KEEL_FAIL;
    if (found == KEEL_NOTFOUND) {
        if (q->store) {
            q->phase = PH_STORE;
            return store(p, q);
        }
        keel_reply_array(p, 0);
        return KEEL_NEXT;
    }
    /* COUNT without an order means the nearest ones (not so with ANY) */
    if (q->count && q->sort == SORT_NONE && !q->any) q->sort = SORT_ASC;
    if (geo_scan_start(p, &q->scan, &q->shape, q->any ? (uint64_t)q->count : 0) != KEEL_OK)
        return zs_oom(p);
    q->phase = PH_SCAN;
    return KEEL_NEXT;
}

/* Opcode: zsets.geosearch
 * GEOSEARCH key FROMMEMBER m | FROMLONLAT lon lat  BYRADIUS r unit | BYBOX w h unit
 * [ASC | DESC] [COUNT n [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH], GEOSEARCHSTORE dst src ...
 * [STOREDIST], GEORADIUS key lon lat r unit ..., GEORADIUSBYMEMBER key m r unit ... (both
 * with STORE key | STOREDIST key unless _RO); imm: IMM(kind, ro).  As Redis 7.0: the source's
 * type first, then the arguments in order; the points inside the shape, in the order Redis
 * finds them or by distance; the STORE forms store them (scores: geohashes, or STOREDIST
 * distances) and reply their count.  Registers: r0 = the state (arena).  Reductions 2 per
 * element read, ZS_COST_STEP per point replied, ZS_COST_UPDATE per point stored.  May yield,
 * hop, block. */
static keel_op_result op_geosearch(keel_proc *p, const keel_insn *in) {
    gquery *q = p->reg[0].type == DK_PTR ? (gquery *)p->reg[0].v.ptr : NULL;
    if (!q) {
        q = keel_proc_alloc(p, sizeof *q);
        memset(q, 0, sizeof *q);
        q->kind = (uint8_t)(in->imm % 4);
        q->ro = in->imm / 4;
        q->src = q->kind == Q_SEARCH_STORE ? 2 : 1;
        p->reg[0] = dk_ptr(q);
    }
    if (q->phase == PH_EMIT) return emit(p, q);
    if (q->phase == PH_STORE) return store(p, q);
    const keel_arg *key = &p->argv[q->src];
    dk_zset *z = NULL;
    keel_status st = zs_find(p, key->ptr, key->len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    if (q->phase == PH_START) {
        keel_op_result r = start(p, q, st, z);
        if (r != KEEL_NEXT || q->phase != PH_SCAN) return r;
    }
    if (st == KEEL_OK) { /* (a source that expired while this yielded: what was found) */
        int r = geo_scan_run(p, &q->scan, z);
        if (r < 0) return zs_oom(p);
        if (r == 0) return KEEL_YIELD;
    }
    return scanned(p, q);
}

/* ======== keys and access ======== */

/* GEORADIUS and GEORADIUSBYMEMBER: the source, and every argument after a STORE or STOREDIST
 * past the fixed ones (the destination the call will use is among them). */
static int radius_keys(int argc, const keel_arg *argv, int *pos, int max) {
    int base = keel_arg_is(&argv[0], "GEORADIUS") ? 6 : 5, k = 0;
    if (k < max) pos[k] = 1;
    k++;
    for (int j = base; j + 1 < argc; j++) {
        if (keel_arg_is(&argv[j], "STORE") || keel_arg_is(&argv[j], "STOREDIST")) {
            if (k < max) pos[k] = j + 1;
            k++;
        }
    }
    return k;
}

/* A GEORADIUS call writes only when it stores. */
static uint64_t radius_access(uint32_t argc, const keel_arg *argv) {
    for (uint32_t j = 2; j < argc; j++)
        if (keel_arg_is(&argv[j], "STORE") || keel_arg_is(&argv[j], "STOREDIST"))
            return KEEL_CMD_WRITE;
    return KEEL_CMD_READONLY;
}

/* ======== tables ======== */

static const keel_opcode_def geo_search_ops[] = {
    ZS_OP("zsets.geosearch", op_geosearch,
          "GEOSEARCH GEOSEARCHSTORE GEORADIUS* (imm: kind + 4 * ro); r0 = state"),
};

#define PROG(NAME, IMMV)                                                                           \
    static const keel_insn_def NAME[] = {{.op = "zsets.geosearch", .imm = IMMV}, KEEL_END}
PROG(geosearch_prog, IMM(Q_SEARCH, 0));
PROG(geosearchstore_prog, IMM(Q_SEARCH_STORE, 0));
PROG(georadius_prog, IMM(Q_RADIUS, 0));
PROG(georadius_ro_prog, IMM(Q_RADIUS, 1));
PROG(georadiusbymember_prog, IMM(Q_RADIUS_MEMBER, 0));
PROG(georadiusbymember_ro_prog, IMM(Q_RADIUS_MEMBER, 1));

#define SEARCH_OPTS "[ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]"
#define RADIUS_OPTS "[WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]"
static const keel_cmd_def geo_search_cmds[] = {
    {GEO_KEY1, .name = "GEOSEARCH", .arity = -7, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the members inside a circle or a box around a member or a point.",
     .syntax =
         "GEOSEARCH key FROMMEMBER member | FROMLONLAT longitude latitude "
         "BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI " SEARCH_OPTS,
     .program = geosearch_prog},
    {GEO_CMD, .name = "GEOSEARCHSTORE", .arity = -8,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_MULTIKEY, .first_key = 1, .last_key = 2,
     .key_step = 1,
     .summary = "Stores a GEOSEARCH's members at destination (scores: their geohashes, or with "
                "STOREDIST their distances); replies how many.",
     .syntax = "GEOSEARCHSTORE destination source FROMMEMBER member | FROMLONLAT longitude "
               "latitude BYRADIUS radius M | KM | FT | MI | BYBOX width height M | KM | FT | MI "
               "[ASC | DESC] [COUNT count [ANY]] [STOREDIST]",
     .program = geosearchstore_prog},
    {GEO_CMD, .name = "GEORADIUS", .arity = -6,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_MULTIKEY, .keys = radius_keys,
     .access = radius_access,
     .summary = "Replies (or with STORE stores) the members within radius of a point "
                "(deprecated: GEOSEARCH).",
     .syntax = "GEORADIUS key longitude latitude radius M | KM | FT | MI " RADIUS_OPTS
               " [STORE key | STOREDIST key]",
     .program = georadius_prog},
    {GEO_KEY1, .name = "GEORADIUS_RO", .arity = -6, .flags = KEEL_CMD_READONLY,
     .summary = "GEORADIUS without STORE.",
     .syntax = "GEORADIUS_RO key longitude latitude radius M | KM | FT | MI " RADIUS_OPTS,
     .program = georadius_ro_prog},
    {GEO_CMD, .name = "GEORADIUSBYMEMBER", .arity = -5,
     .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM | KEEL_CMD_MULTIKEY, .keys = radius_keys,
     .access = radius_access,
     .summary = "Replies (or with STORE stores) the members within radius of a member "
                "(deprecated: GEOSEARCH).",
     .syntax = "GEORADIUSBYMEMBER key member radius M | KM | FT | MI " RADIUS_OPTS
               " [STORE key | STOREDIST key]",
     .program = georadiusbymember_prog},
    {GEO_KEY1, .name = "GEORADIUSBYMEMBER_RO", .arity = -5, .flags = KEEL_CMD_READONLY,
     .summary = "GEORADIUSBYMEMBER without STORE.",
     .syntax = "GEORADIUSBYMEMBER_RO key member radius M | KM | FT | MI " RADIUS_OPTS,
     .program = georadiusbymember_ro_prog},
};

const keel_family zs_geo_search_family = KEEL_FAMILY(geo_search_ops, geo_search_cmds);
