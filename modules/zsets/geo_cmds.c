/* geo_cmds.c -- geo points on sorted sets: GEOADD, GEOPOS, GEODIST, GEOHASH, as Redis 7.0.
 *
 * A point is a member whose score is the 52-bit geohash of its coordinates (geohash.h); the
 * value is an ordinary sorted set (TYPE zset), so every Z command works on it too.
 */
#include "family.h"
#include "geo_args.h"
#include "geo_scan.h"
#include "geohash.h"
#include "zobj.h"

/* GEOADD's options. */
enum { G_NX = 1, G_XX = 2, G_CH = 4 };

/* Reads GEOADD's options and (first run only: check_points) checks every point, as Redis does
 * before it touches the key; returns the argv index of the first point, or 0 after replying the
 * error. */
static uint32_t geoadd_parse(keel_proc *p, unsigned *flags, bool check_points) {
    uint32_t i = 2;
    *flags = 0;
    for (; i < p->argc; i++) {
        if (keel_arg_is(&p->argv[i], "NX"))
            *flags |= G_NX;
        else if (keel_arg_is(&p->argv[i], "XX"))
            *flags |= G_XX;
        else if (keel_arg_is(&p->argv[i], "CH"))
            *flags |= G_CH;
        else
            break;
    }
    uint32_t left = p->argc - i;
    if (left == 0 || left % 3 || ((*flags & G_NX) && (*flags & G_XX))) {
        keel_reply_error(p, "ERR syntax error");
        return 0;
    }
    for (uint32_t j = i; check_points && j < p->argc; j += 3) {
        double lon, lat;
        if (!geo_arg_lonlat(p, &p->argv[j], &lon, &lat)) return 0;
    }
    return i;
}

/* Opcode: zsets.geoadd
 * GEOADD key [NX | XX] [CH] longitude latitude member [...]: sets each member's score to its
 * point's geohash (as ZADD key [NX|XX] [CH] score member would), creating the key unless XX;
 * replies how many were added (CH: added or moved).  Every option and point is checked before
 * the key.  Registers: r0 = argv index of the next point, r1 = added, r2 = moved.  Reductions
 * ZS_COST_UPDATE per point.  May yield, hop, block. */
static keel_op_result op_geoadd(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *key = &p->argv[1];
    unsigned f;
    uint32_t first = geoadd_parse(p, &f, p->reg[0].type == DK_NULL);
    if (!first) return KEEL_FAIL;
    if (p->reg[0].type == DK_NULL) keel_charge(p, (p->argc - first) / 3);
    dk_zset *z = NULL;
    keel_status st = zs_find(p, key->ptr, key->len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    if (p->reg[0].type == DK_NULL) {
        p->reg[0] = dk_i64(first);
        p->reg[1] = p->reg[2] = dk_i64(0);
    }
    if (st == KEEL_NOTFOUND) {
        if (f & G_XX) {
            keel_reply_int(p, 0);
            return KEEL_NEXT;
        }
        if (zs_create(p, key->ptr, key->len, &z) != KEEL_OK) return zs_oom(p);
    }
    while ((uint32_t)p->reg[0].v.i < p->argc) {
        uint32_t i = (uint32_t)p->reg[0].v.i;
        const keel_arg *m = &p->argv[i + 2];
        double lon = 0, lat = 0, score = 0, cur;
        zs_parse_score(&p->argv[i], &lon);
        zs_parse_score(&p->argv[i + 1], &lat);
        geo_score_of(lon, lat, &score);
        bool present = dk_zset_score(z, m->ptr, m->len, &cur);
        bool apply = present ? !(f & G_NX) && cur != score : !(f & G_XX);
        if (apply && dk_zset_set(z, m->ptr, m->len, score) < 0) {
            zs_settle(p, key->ptr, key->len, z);
            return zs_oom(p);
        }
        if (apply) p->reg[present ? 2 : 1].v.i++;
        p->reg[0].v.i += 3;
        if (keel_charge(p, ZS_COST_UPDATE) && (uint32_t)p->reg[0].v.i < p->argc) return KEEL_YIELD;
    }
    if (p->reg[1].v.i + p->reg[2].v.i > 0)
        keel_notify(p, KEEL_NOTIFY_ZSET, "zadd", key->ptr, key->len);
    st = zs_settle(p, key->ptr, key->len, z);
    KEEL_OP_PROPAGATE(st);
    if (p->reg[1].v.i > 0) keel_key_signal(p, key->ptr, key->len); /* wake BZPOPMIN */
    keel_reply_int(p, p->reg[1].v.i + ((f & G_CH) ? p->reg[2].v.i : 0));
    return KEEL_NEXT;
}

/* What zsets.geoget replies per member (its imm). */
enum { GET_POS = 0, GET_HASH };

/* Opcode: zsets.geoget
 * GEOPOS key member [...] (imm GET_POS): each member's [longitude, latitude] (Redis's
 * "%.17Lf" text; a null array for a missing member); GEOHASH key member [...] (GET_HASH): each
 * member's 11-character geohash (nil when missing).  A missing key answers as missing members.
 * Registers: none.  Reductions ZS_COST_UPDATE per member.  May hop. */
static keel_op_result op_geoget(keel_proc *p, const keel_insn *in) {
    const keel_arg *key = &p->argv[1];
    dk_zset *z = NULL;
    keel_status st = zs_find(p, key->ptr, key->len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    keel_reply_array(p, p->argc - 2);
    for (uint32_t i = 2; i < p->argc; i++) {
        const keel_arg *m = &p->argv[i];
        double score;
        bool found = st == KEEL_OK && dk_zset_score(z, m->ptr, m->len, &score);
        if (!found && in->imm == GET_POS) {
            keel_reply_nil_array(p);
        } else if (!found) {
            keel_reply_nil(p);
        } else if (in->imm == GET_POS) {
            double lon, lat;
            geo_point_of(score, &lon, &lat);
            keel_reply_array(p, 2);
            geo_reply_coord(p, lon);
            geo_reply_coord(p, lat);
        } else {
            char text[11];
            geo_hash_text(score, text);
            keel_reply_bulk(p, text, sizeof text);
        }
    }
    keel_charge(p, (int64_t)(p->argc - 2) * ZS_COST_UPDATE);
    return KEEL_NEXT;
}

/* Opcode: zsets.geodist
 * GEODIST key member1 member2 [unit]: the distance between two members in unit (default m) as
 * "%.4f" text; nil when the key or either member is missing.  The unit is checked before the
 * key.  Registers: none.  Reductions ZS_COST_UPDATE.  May hop. */
static keel_op_result op_geodist(keel_proc *p, const keel_insn *in) {
    (void)in;
    double to_m = 1;
    if (p->argc > 5) return zs_error(p, "ERR syntax error");
    if (p->argc == 5 && !geo_arg_unit(p, &p->argv[4], &to_m)) return KEEL_FAIL;
    const keel_arg *key = &p->argv[1], *a = &p->argv[2], *b = &p->argv[3];
    dk_zset *z = NULL;
    keel_status st = zs_find(p, key->ptr, key->len, &z);
    KEEL_OP_PROPAGATE(st);
    if (st == KEEL_EWRONGTYPE) return zs_wrongtype(p);
    double sa, sb;
    keel_charge(p, ZS_COST_UPDATE);
    if (st != KEEL_OK || !dk_zset_score(z, a->ptr, a->len, &sa) ||
        !dk_zset_score(z, b->ptr, b->len, &sb)) {
        keel_reply_nil(p);
        return KEEL_NEXT;
    }
    double lon1, lat1, lon2, lat2;
    geo_point_of(sa, &lon1, &lat1);
    geo_point_of(sb, &lon2, &lat2);
    geo_reply_dist(p, geo_distance(lon1, lat1, lon2, lat2) / to_m);
    return KEEL_NEXT;
}

/* ======== tables ======== */

static const keel_opcode_def geo_point_ops[] = {
    ZS_OP("zsets.geoadd", op_geoadd, "GEOADD argv[1]: r0 = next point, r1 = added, r2 = moved"),
    ZS_OP("zsets.geoget", op_geoget, "GEOPOS (imm 0) or GEOHASH (imm 1) of argv[2..] in argv[1]"),
    ZS_OP("zsets.geodist", op_geodist, "GEODIST between argv[2] and argv[3] in argv[1]"),
};

static const keel_insn_def geoadd_prog[] = {{.op = "zsets.geoadd"}, KEEL_END};
static const keel_insn_def geopos_prog[] = {{.op = "zsets.geoget", .imm = GET_POS}, KEEL_END};
static const keel_insn_def geohash_prog[] = {{.op = "zsets.geoget", .imm = GET_HASH}, KEEL_END};
static const keel_insn_def geodist_prog[] = {{.op = "zsets.geodist"}, KEEL_END};

static const keel_cmd_def geo_point_cmds[] = {
    {GEO_KEY1, .name = "GEOADD", .arity = -5, .flags = KEEL_CMD_WRITE | KEEL_CMD_DENYOOM,
     .summary = "Adds points (longitude, latitude, member) to a geo sorted set or moves them; "
                "replies how many were added (CH: added or moved).",
     .syntax = "GEOADD key [NX | XX] [CH] longitude latitude member [longitude latitude member "
               "...]",
     .program = geoadd_prog},
    {GEO_KEY1, .name = "GEOPOS", .arity = -2, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the longitude and latitude of each member (nil when missing).",
     .syntax = "GEOPOS key [member [member ...]]", .program = geopos_prog},
    {GEO_KEY1, .name = "GEOHASH", .arity = -2, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the 11-character standard geohash of each member (nil when missing).",
     .syntax = "GEOHASH key [member [member ...]]", .program = geohash_prog},
    {GEO_KEY1, .name = "GEODIST", .arity = -4, .flags = KEEL_CMD_READONLY,
     .summary = "Replies the distance between two members in m, km, ft or mi (nil when one is "
                "missing).",
     .syntax = "GEODIST key member1 member2 [M | KM | FT | MI]", .program = geodist_prog},
};

const keel_family zs_geo_point_family = KEEL_FAMILY(geo_point_ops, geo_point_cmds);
