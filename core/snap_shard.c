/* snap_shard.c -- writing a shard's databases into a snapshot file and loading one back. */
#include "config.h"
#include "snap_shard.h"
#include "clock.h"
#include "keyspace.h"
#include "mem.h"
#include "ns.h"
#include "ns_due.h"
#include "registry.h"
#include "server.h"
#include "shard.h"

#include <datakit/box.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A block of records is written once it holds this much; a value at least this big goes into
 * a block of its own, streamed from where it lies (no copy). */
#define SNAP_RECORDS_BLOCK (256u * 1024)
#define SNAP_BIG_VALUE (64u * 1024)
/* A record's head past its key: kind, flags, two varints, expiry, aux words, type id. */
#define SNAP_REC_HEAD_MAX 44u

/* ======== the sink a type's save op writes into ======== */

keel_status keel_sink_write(keel_sink *sink, const void *data, size_t n) {
    if (!sink || (n && !data)) return KEEL_EINVAL;
    snap_buf_put(&sink->buf, data, n);
    return sink->buf.oom ? KEEL_ENOMEM : KEEL_OK;
}

keel_status keel_sink_write_box(keel_sink *sink, const dk_val *v) {
    if (!sink || !v || v->type == DK_PTR || v->type >= DK_TYPE_COUNT) return KEEL_EINVAL;
    uint8_t head[DK_BOX_MAX_SCALAR];
    if (v->type == DK_BYTES) {
        snap_buf_put(&sink->buf, head, dk_box_bytes_header(v->len, head));
        snap_buf_put(&sink->buf, v->v.ptr, v->len);
    } else {
        snap_buf_put(&sink->buf, head, dk_box_pack(v, head));
    }
    return sink->buf.oom ? KEEL_ENOMEM : KEEL_OK;
}

/* ======== writing ======== */

static void fail(snap_shard_writer *sw, const char *fmt, const char *what) {
    if (sw->failed) return;
    sw->failed = true;
    snprintf(sw->err, sizeof sw->err, fmt, what);
}

static void flush_records(snap_shard_writer *sw) {
    if (!sw->rec.len) return;
    snap_block_z(&sw->w, SNAP_BLK_RECORDS, sw->rec.p, sw->rec.len);
    sw->rec.len = 0;
}

/* Appends one record to the records buffer. */
static void buffer_record(snap_shard_writer *sw, const snap_rec *r, const void *v1, size_t n1,
                          const void *v2, size_t n2) {
    snap_rec_head(&sw->rec, r);
    snap_buf_put(&sw->rec, v1, n1);
    snap_buf_put(&sw->rec, v2, n2);
    if (sw->rec.oom) fail(sw, "%s", "out of memory");
    sw->records++;
}

/* Appends one record: its head, then the value in up to two pieces (a box's header and its
 * bytes, or a save op's output).  A big value gets a block of its own: streamed from where it
 * lies, or, when the file is compressed and that block is at most SNAP_Z_MAX, copied into the
 * records buffer first (a codec needs the block whole). */
static void put_record(snap_shard_writer *sw, const snap_rec *r, const void *v1, size_t n1,
                       const void *v2, size_t n2) {
    if (n1 + n2 < SNAP_BIG_VALUE) {
        buffer_record(sw, r, v1, n1, v2, n2);
        if (sw->rec.len >= sw->block_bytes) flush_records(sw);
        return;
    }
    flush_records(sw);
    if (sw->w.codec != SNAP_Z_NONE && r->klen + n1 + n2 + SNAP_REC_HEAD_MAX <= SNAP_Z_MAX) {
        buffer_record(sw, r, v1, n1, v2, n2);
        flush_records(sw);
        if (sw->rec.cap > 2 * (size_t)sw->block_bytes) snap_buf_free(&sw->rec); /* keep it small */
        return;
    }
    snap_buf head = {0};
    snap_rec_head(&head, r);
    uint64_t len = head.len + n1 + n2;
    if (head.oom || len > SNAP_BLOCK_MAX) {
        fail(sw, "%s", head.oom ? "out of memory" : "a value too big for a snapshot block");
        snap_buf_free(&head);
        return;
    }
    snap_block_begin(&sw->w, SNAP_BLK_RECORDS, (uint32_t)len);
    snap_block_put(&sw->w, head.p, head.len);
    snap_block_put(&sw->w, v1, n1);
    snap_block_put(&sw->w, v2, n2);
    snap_block_end(&sw->w);
    snap_buf_free(&head);
    sw->records++;
}

static void rec_from_entry(const dk_entry *e, uint8_t kind, snap_rec *r) {
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->key = e->key;
    r->klen = e->klen;
    if (e->expire_ms != DK_NO_EXPIRY) {
        r->flags |= SNAP_F_EXPIRY;
        r->expire_ms = e->expire_ms;
    }
    if (e->has_aux32) {
        r->flags |= SNAP_F_AUX32;
        r->aux32 = e->aux32;
    }
    if (e->has_aux64) {
        r->flags |= SNAP_F_AUX64;
        r->aux64 = e->aux64;
    }
}

static void write_table(snap_shard_writer *sw, dk_table *t);

/* One entry of any table: a box, a module object through its save op, or a namespace whole. */
static void write_entry(snap_shard_writer *sw, const dk_entry *e) {
    if (e->expire_ms != DK_NO_EXPIRY && e->expire_ms <= sw->now_ms) return;
    snap_rec r;
    if (e->kind == DK_ENTRY_BOX) {
        rec_from_entry(e, SNAP_REC_BOX, &r);
        uint8_t head[DK_BOX_MAX_SCALAR];
        if (e->box.type == DK_BYTES)
            put_record(sw, &r, head, dk_box_bytes_header(e->box.len, head), e->box.v.ptr,
                       e->box.len);
        else
            put_record(sw, &r, head, dk_box_pack(&e->box, head), NULL, 0);
        return;
    }
    if (e->obj_type == ns_type()) {
        const ns_obj *o = e->obj;
        rec_from_entry(e, SNAP_REC_NS_OPEN, &r);
        if (o->spread) r.flags |= SNAP_F_SPREAD;
        put_record(sw, &r, NULL, 0, NULL, 0);
        write_table(sw, o->t);
        snap_rec close = {.kind = SNAP_REC_NS_CLOSE};
        put_record(sw, &close, NULL, 0, NULL, 0);
        sw->records--; /* a close is not a key */
        return;
    }
    const type_entry *te = type_by_id(e->obj_type);
    if (!te || !te->def.save) {
        fail(sw, "values of type '%s' cannot be saved (its module has no save op)",
             te ? te->def.name : "?");
        return;
    }
    sw->sink.buf.len = 0;
    sw->sink.buf.oom = false;
    keel_status st = te->def.save(e->obj, &sw->sink);
    if (st != KEEL_OK || sw->sink.buf.oom) {
        fail(sw, "the save op of type '%s' failed", te->def.name);
        return;
    }
    rec_from_entry(e, SNAP_REC_OBJ, &r);
    r.type = e->obj_type;
    r.vlen = sw->sink.buf.len;
    put_record(sw, &r, sw->sink.buf.p, sw->sink.buf.len, NULL, 0);
}

typedef struct walk_ctx {
    snap_shard_writer *sw;
    size_t visited;
    size_t written; /* top-level entries written (not left out) */
} walk_ctx;

static void write_one(void *arg, dk_table *t, dk_ref ref) {
    walk_ctx *cx = arg;
    dk_entry e;
    dk_table_view(t, ref, &e);
    cx->visited++;
    if (!cx->sw->failed) write_entry(cx->sw, &e);
}

/* A database's top-level entry: left out when the skip callback says so (already written, or
 * made after a point-in-time save's start). */
static void write_top(void *arg, dk_table *t, dk_ref ref) {
    walk_ctx *cx = arg;
    snap_shard_writer *sw = cx->sw;
    dk_entry e;
    dk_table_view(t, ref, &e);
    cx->visited++;
    if (sw->failed || (sw->skip && sw->skip(sw->skip_ctx, sw->db, e.key, e.klen))) return;
    write_entry(sw, &e);
    cx->written++;
}

/* Makes the records that follow belong to database db: a DB block when the last one named
 * another (a pre-image may come between two slices of another database's walk). */
static void use_db(snap_shard_writer *sw, uint32_t db) {
    if (sw->block_db == db) return;
    flush_records(sw);
    /* the number, and how many keys the database holds now: the loader sizes its table once */
    const dk_table *t = shard_table(sw->s, db);
    uint64_t keys = t ? dk_table_count(t) : 0;
    snap_buf b = {0};
    snap_buf_u32(&b, db);
    snap_buf_u64(&b, keys);
    snap_block(&sw->w, SNAP_BLK_DB, b.p, b.len);
    snap_buf_free(&b);
    sw->block_db = db;
}

/* A namespace's table, whole (nothing runs in between: the walk never yields inside one). */
static void write_table(snap_shard_writer *sw, dk_table *t) {
    walk_ctx cx = {sw, 0, 0};
    dk_table_each(t, write_one, &cx);
}

static void write_head(snap_shard_writer *sw, uint64_t generation) {
    snap_buf b = {0};
    snap_buf_u64(&b, generation);
    snap_buf_u32(&b, sw->s->id);
    snap_buf_u32(&b, srv->nshards);
    snap_buf_u32(&b, sw->s->ndbs);
    snap_buf_u64(&b, (uint64_t)sw->now_ms);
    size_t n = type_count();
    snap_buf_u16(&b, (uint16_t)n);
    for (size_t i = 1; i <= n; i++) {
        const type_entry *te = type_by_id((keel_type_id)i);
        size_t len = strlen(te->def.name);
        snap_buf_u16(&b, te->id);
        snap_buf_varint(&b, len);
        snap_buf_put(&b, te->def.name, len);
    }
    if (b.oom)
        fail(sw, "%s", "out of memory");
    else
        snap_block(&sw->w, SNAP_BLK_HEAD, b.p, b.len);
    snap_buf_free(&b);
}

bool snap_shard_begin(snap_shard_writer *sw, shard *s, int fd, uint64_t generation,
                      int64_t now_ms) {
    memset(sw, 0, sizeof *sw);
    sw->block_db = UINT32_MAX;
    sw->block_bytes = SNAP_RECORDS_BLOCK;
    sw->s = s;
    sw->now_ms = now_ms;
    if (!snap_writer_open(&sw->w, fd, SNAP_FILE_SHARD)) {
        fail(sw, "%s", "out of memory");
        return false;
    }
    snap_writer_compress(&sw->w, snap_z_setting()); /* snapshot-compression, as the save starts */
    write_head(sw, generation);
    return !sw->failed;
}

/* Ends the file: the pending records, the end block, fsync. */
static void finish(snap_shard_writer *sw) {
    flush_records(sw);
    snap_buf b = {0};
    snap_buf_u64(&b, sw->records);
    snap_buf_u64(&b, sw->keys);
    snap_block(&sw->w, SNAP_BLK_END, b.p, b.len);
    snap_buf_free(&b);
    if (snap_writer_finish(&sw->w) != 0) fail(sw, "write error: %s", strerror(sw->w.err));
}

bool snap_shard_walk(snap_shard_writer *sw, size_t budget) {
    shard *s = sw->s;
    if (sw->walked || sw->failed) return true;
    size_t done = 0;
    bool whole = budget == SIZE_MAX; /* nothing runs on the shard until the walk ends */
    while (!sw->failed && sw->db < s->ndbs && done < budget) {
        if (budget != SIZE_MAX && snap_writer_backlogged(&sw->w)) break; /* the disk is behind */
        if (budget != SIZE_MAX && sw->slice_end_ns && mono_ns() >= sw->slice_end_ns) break;
        dk_table *t = shard_table(s, sw->db);
        if (!t || (!sw->db_started && dk_table_count(t) == 0)) {
            sw->db++;
            sw->db_started = false;
            sw->cursor = 0;
            continue;
        }
        if (sw->db_started && t != sw->table)
            sw->cursor = 0; /* SWAPDB put another table here between slices: walk it whole */
        sw->table = t;
        sw->db_started = true;
        use_db(sw, sw->db);
        walk_ctx cx = {sw, 0, 0};
        uint64_t next = 0;
        if (whole && !sw->skip && sw->cursor == 0)
            dk_table_each(t, write_top, &cx); /* memory order: no chain is followed */
        else
            next = dk_table_scan(t, sw->cursor, write_top, &cx);
        sw->keys += cx.written;
        done += cx.visited + 1;
        sw->cursor = next;
        if (next == 0) {
            sw->db++;
            sw->db_started = false;
        }
    }
    if (sw->w.err) fail(sw, "write error: %s", strerror(sw->w.err));
    if (sw->failed) return true;
    if (sw->db < s->ndbs) return false;
    sw->walked = true;
    return true;
}

bool snap_shard_end(snap_shard_writer *sw) {
    if (!sw->failed) finish(sw);
    return !sw->failed;
}

bool snap_shard_step(snap_shard_writer *sw, size_t budget) {
    if (!snap_shard_walk(sw, budget)) return false;
    snap_shard_end(sw);
    return true;
}

uint64_t snap_shard_write_entry(snap_shard_writer *sw, uint32_t db, const dk_entry *e) {
    if (sw->failed) return 0;
    if (e->expire_ms != DK_NO_EXPIRY && e->expire_ms <= sw->now_ms) return 0;
    uint64_t before = sw->w.written + sw->rec.len;
    use_db(sw, db);
    write_entry(sw, e);
    if (sw->w.err) fail(sw, "write error: %s", strerror(sw->w.err));
    sw->keys++;
    uint64_t after = sw->w.written + sw->rec.len;
    return after > before ? after - before : 0;
}

void snap_shard_writer_free(snap_shard_writer *sw) {
    snap_writer_free(&sw->w);
    snap_buf_free(&sw->rec);
    snap_buf_free(&sw->sink.buf);
}

/* ======== loading ======== */

/* The loader's state: the type map and the tables open at each namespace depth. */
typedef struct load_ctx {
    shard *s;
    snap_reader r;
    int64_t now_ms;
    keel_type_id types[65536 / 64]; /* file type id -> this server's (KEEL_TYPE_NONE: absent) */
    char *type_names[65536 / 64];
    uint16_t ntypes;
    uint32_t db;
    bool have_db;
    dk_table *stack[KEEL_NS_DEPTH_MAX + 1];
    ns_obj *owners[KEEL_NS_DEPTH_MAX + 1];
    uint32_t depth; /* namespaces open */
    uint32_t skip;  /* namespaces being skipped (expired), nested in the open ones */
    uint64_t records;
    snap_load_stats *st;
    char *err;
    size_t errlen;
    uint64_t at; /* offset of the block being read */
} load_ctx;

#define MAX_FILE_TYPES (65536 / 64)

static int load_fail(load_ctx *cx, const char *what) {
    snprintf(cx->err, cx->errlen, "%s: %s (block at offset %llu)", cx->r.name, what,
             (unsigned long long)cx->at);
    return -1;
}

/* Frees a value the loader replaced (a key written twice by a live save): no lazy freeing here,
 * no worker runs yet. */
static void free_value(uint16_t type, void *obj) {
    const type_entry *te = type_by_id(type);
    if (obj && te) te->def.free(obj);
}

static int read_head(load_ctx *cx, const uint8_t *p, size_t len, uint64_t generation,
                     uint32_t nshards) {
    snap_cur c = {p, p + len, false};
    uint64_t gen, created;
    uint32_t id, n, ndbs;
    uint16_t ntypes;
    if (!snap_get_u64(&c, &gen) || !snap_get_u32(&c, &id) || !snap_get_u32(&c, &n) ||
        !snap_get_u32(&c, &ndbs) || !snap_get_u64(&c, &created) || !snap_get_u16(&c, &ntypes))
        return load_fail(cx, "malformed head block");
    if (gen != generation) return load_fail(cx, "the file belongs to another snapshot generation");
    if (id != cx->s->id || n != nshards) return load_fail(cx, "the file is not this shard's");
    if (ntypes >= MAX_FILE_TYPES) return load_fail(cx, "too many types in the head block");
    for (uint16_t i = 0; i < ntypes; i++) {
        uint16_t fid;
        uint64_t nlen;
        const uint8_t *name;
        if (!snap_get_u16(&c, &fid) || !snap_get_varint(&c, &nlen) || nlen > 255 ||
            !snap_get_view(&c, nlen, &name) || fid >= MAX_FILE_TYPES)
            return load_fail(cx, "malformed type table in the head block");
        char *copy = mem_alloc(nlen + 1);
        memcpy(copy, name, nlen);
        copy[nlen] = '\0';
        mem_free(cx->type_names[fid]);
        cx->type_names[fid] = copy;
        cx->types[fid] = KEEL_TYPE_NONE;
        for (size_t t = 1; t <= type_count(); t++)
            if (!strcmp(type_by_id((keel_type_id)t)->def.name, copy))
                cx->types[fid] = (keel_type_id)t;
    }
    (void)ndbs;
    return 0;
}

/* Stores a record's expiry and aux words on the entry just put. */
static void put_extras(dk_table *t, dk_ref ref, const snap_rec *r) {
    if (r->flags & SNAP_F_EXPIRY) ref = dk_table_set_expiry(t, ref, r->expire_ms);
    if (ref && (r->flags & SNAP_F_AUX32)) ref = dk_table_set_aux32(t, ref, true, r->aux32);
    if (ref && (r->flags & SNAP_F_AUX64)) dk_table_set_aux64(t, ref, true, r->aux64);
}

/* Closes the innermost namespace; one with expiring keys goes into its shard's heap for active
 * expiry (an empty one is dropped by the caller, which knows its name). */
static void close_ns(load_ctx *cx) {
    ns_obj *o = cx->owners[cx->depth];
    cx->depth--;
    if (dk_table_count(o->t) > 0 && dk_table_expires_count(o->t) > 0) ns_due_update(o);
}

static int load_record(load_ctx *cx, const snap_rec *r, uint64_t hash);

/* Records are loaded LOAD_AHEAD at a time: their buckets, then the entries there, are fetched
 * into the cache together before the first is stored, rather than one miss after another.  A
 * namespace's opening or closing ends a window (the records after it go to another table). */
#define LOAD_AHEAD 8

static int load_records(load_ctx *cx, const uint8_t *p, size_t len) {
    snap_cur c = {p, p + len, false};
    snap_rec win[LOAD_AHEAD];
    uint64_t hash[LOAD_AHEAD];
    while (c.p < c.end) {
        int n = 0;
        while (n < LOAD_AHEAD && c.p < c.end) {
            if (!snap_rec_get(&c, &win[n])) return load_fail(cx, "malformed record");
            uint8_t kind = win[n++].kind;
            if (kind == SNAP_REC_NS_OPEN || kind == SNAP_REC_NS_CLOSE) break;
        }
        const dk_table *t = cx->stack[cx->depth];
        for (int i = 0; i < n; i++) {
            hash[i] = win[i].kind == SNAP_REC_NS_CLOSE ? 0 : ks_hash(win[i].key, win[i].klen);
            if (t) dk_table_prefetch(t, hash[i]);
        }
        for (int i = 0; t && i < n; i++)
            dk_table_prefetch_entry(t, hash[i]);
        for (int i = 0; i < n; i++)
            if (load_record(cx, &win[i], hash[i]) != 0) return -1;
    }
    return 0;
}

/* The namespace keys (their names) open at each depth, to drop one left empty when it closes. */
typedef struct open_key {
    uint8_t *key;
    size_t klen;
} open_key;
static _Thread_local open_key open_keys[KEEL_NS_DEPTH_MAX + 1];

static int load_ns_close(load_ctx *cx) {
    if (cx->skip) {
        cx->skip--;
        return 0;
    }
    if (cx->depth == 0) return load_fail(cx, "a namespace closes that was never opened");
    ns_obj *o = cx->owners[cx->depth];
    bool empty = dk_table_count(o->t) == 0;
    open_key k = open_keys[cx->depth];
    close_ns(cx);
    dk_table *t = cx->stack[cx->depth];
    if (empty) {
        dk_ref ref = dk_table_find(t, k.key, k.klen, ks_hash(k.key, k.klen));
        void *obj = NULL;
        uint16_t type = 0;
        if (ref != DK_REF_NONE) dk_table_delete(t, ref, &obj, &type);
        free_value(type, obj);
    }
    mem_free(k.key);
    open_keys[cx->depth + 1].key = NULL;
    return 0;
}

static int load_ns_open(load_ctx *cx, const snap_rec *r, uint64_t hash) {
    if (cx->depth >= KEEL_NS_DEPTH_MAX) return load_fail(cx, "namespaces nest too deep");
    dk_table *t = cx->stack[cx->depth];
    ns_obj *o = mem_calloc(1, sizeof *o);
    o->t = dk_table_new();
    o->shard_id = cx->s->id;
    o->spread = (r->flags & SNAP_F_SPREAD) != 0;
    void *old = NULL;
    uint16_t old_type = 0;
    dk_ref ref = dk_table_put_obj(t, r->key, r->klen, hash, ns_type(), o, false, &old, &old_type);
    free_value(old_type, old);
    if (ref == DK_REF_NONE) {
        dk_table_free(o->t, NULL, NULL);
        mem_free(o);
        return load_fail(cx, "out of memory");
    }
    put_extras(t, ref, r);
    ns_set_place(o, cx->depth > 0 ? cx->owners[cx->depth] : NULL, cx->db, r->key, r->klen);
    if (cx->depth > 0) cx->owners[cx->depth]->nested = true;
    if (cx->depth == 0 && shard_of_hash(hash, srv->nshards) != cx->s->id)
        atomic_store(&srv->ns_spread, true); /* a part away from its name's home shard */
    cx->depth++;
    cx->stack[cx->depth] = o->t;
    cx->owners[cx->depth] = o;
    open_keys[cx->depth].key = mem_alloc(r->klen ? r->klen : 1);
    memcpy(open_keys[cx->depth].key, r->key, r->klen);
    open_keys[cx->depth].klen = r->klen;
    return 0;
}

static int load_record(load_ctx *cx, const snap_rec *r, uint64_t hash) {
    if (!cx->have_db) return load_fail(cx, "records before any database block");
    if (r->kind == SNAP_REC_NS_CLOSE) return load_ns_close(cx);
    cx->records++;
    if (cx->skip || (r->expire_ms >= 0 && r->expire_ms <= cx->now_ms)) {
        cx->st->expired += !cx->skip && cx->depth == 0;
        if (r->kind == SNAP_REC_NS_OPEN) cx->skip++;
        return 0;
    }
    dk_table *t = cx->stack[cx->depth];
    if (r->kind == SNAP_REC_NS_OPEN) return load_ns_open(cx, r, hash);
    void *old = NULL;
    uint16_t old_type = 0;
    dk_ref ref;
    if (r->kind == SNAP_REC_BOX) {
        dk_val v;
        dk_box_unpack(r->value, r->vlen, &v); /* checked by snap_rec_get */
        ref = dk_table_put_box(t, r->key, r->klen, hash, &v, false, &old, &old_type);
    } else {
        if (r->type >= MAX_FILE_TYPES || !cx->type_names[r->type])
            return load_fail(cx, "a value names a type the head block does not list");
        keel_type_id tid = cx->types[r->type];
        if (tid == KEEL_TYPE_NONE) { /* no module has it: kept opaque, written back unchanged */
            tid = reg_type_blob(cx->type_names[r->type]);
            cx->types[r->type] = tid;
        }
        const type_entry *te = tid == KEEL_TYPE_NONE ? NULL : type_by_id(tid);
        char msg[200];
        if (!te || !te->def.load) {
            snprintf(msg, sizeof msg,
                     "holds values of type '%s', which no loaded module can load (load its "
                     "module, or start with another --dir)",
                     cx->type_names[r->type]);
            return load_fail(cx, msg);
        }
        const char *why = "malformed value";
        void *obj = te->def.load(r->value, r->vlen, &why);
        if (!obj) {
            snprintf(msg, sizeof msg, "a value of type '%s' does not load: %s", te->def.name, why);
            return load_fail(cx, msg);
        }
        ref = dk_table_put_obj(t, r->key, r->klen, hash, tid, obj, false, &old, &old_type);
        if (ref == DK_REF_NONE) te->def.free(obj);
    }
    free_value(old_type, old);
    if (ref == DK_REF_NONE) return load_fail(cx, "out of memory");
    put_extras(t, ref, r);
    return 0;
}

static int load_block(load_ctx *cx, uint8_t kind, const uint8_t *p, size_t len, uint64_t generation,
                      uint32_t nshards, bool *ended) {
    switch (kind) {
    case SNAP_BLK_HEAD:
        if (cx->ntypes++) return load_fail(cx, "a second head block");
        return read_head(cx, p, len, generation, nshards);
    case SNAP_BLK_DB: {
        snap_cur c = {p, p + len, false};
        uint32_t db;
        uint64_t keys = 0; /* a sizing hint, in files written since 7 Dec 2026 */
        if (!snap_get_u32(&c, &db) || (c.p != c.end && !snap_get_u64(&c, &keys)) || c.p != c.end)
            return load_fail(cx, "malformed database block");
        if (db >= cx->s->ndbs)
            return load_fail(cx, "a database past the configured count (raise databases)");
        if (cx->depth || cx->skip) return load_fail(cx, "a database starts inside a namespace");
        cx->db = db;
        cx->have_db = true;
        cx->stack[0] = shard_table_make(cx->s, db);
        /* a key takes 3 bytes of the file at least: a hint past that is not believed */
        if (keys && keys <= cx->r.size / 3 && !dk_table_reserve(cx->stack[0], keys))
            return load_fail(cx, "out of memory");
        return 0;
    }
    case SNAP_BLK_RECORDS:
        return load_records(cx, p, len);
    case SNAP_BLK_END: {
        snap_cur c = {p, p + len, false};
        uint64_t records, entries;
        if (!snap_get_u64(&c, &records) || !snap_get_u64(&c, &entries))
            return load_fail(cx, "malformed end block");
        if (records != cx->records)
            return load_fail(cx, "the record count does not match the end block");
        if (cx->depth || cx->skip) return load_fail(cx, "the file ends inside a namespace");
        *ended = true;
        return 0;
    }
    default:
        return load_fail(cx, "unknown block kind");
    }
}

int snap_shard_load(shard *s, const char *path, uint64_t generation, uint32_t nshards,
                    int64_t now_ms, snap_load_stats *st, char *err, size_t errlen) {
    memset(st, 0, sizeof *st);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    load_ctx *cx = mem_calloc(1, sizeof *cx);
    cx->s = s;
    cx->now_ms = now_ms;
    cx->st = st;
    cx->err = err;
    cx->errlen = errlen;
    int rc = snap_reader_open(&cx->r, fd, path, SNAP_FILE_SHARD);
    if (rc != 0) snprintf(err, errlen, "%s", cx->r.err);
    bool ended = false, first = true;
    while (rc == 0) {
        uint8_t kind;
        const uint8_t *p;
        size_t len;
        int got = snap_reader_next(&cx->r, &kind, &p, &len, &cx->at);
        if (got < 0) {
            snprintf(err, errlen, "%s", cx->r.err);
            rc = -1;
        } else if (got == 0) {
            if (!ended) rc = load_fail(cx, "the file ends before its end block (truncated)");
            break;
        } else if (ended) {
            rc = load_fail(cx, "data after the end block");
        } else if (first && kind != SNAP_BLK_HEAD) {
            rc = load_fail(cx, "the first block is not a head block");
        } else {
            rc = load_block(cx, kind, p, len, generation, nshards, &ended);
        }
        first = false;
    }
    while (cx->depth > 0) { /* an error inside a namespace: keep the tables consistent */
        mem_free(open_keys[cx->depth].key);
        open_keys[cx->depth].key = NULL;
        close_ns(cx);
    }
    st->keys = 0; /* what the tables hold: a key a live save wrote twice counts once */
    for (uint32_t db = 0; db < s->ndbs; db++)
        if (shard_table(s, db)) st->keys += dk_table_count(shard_table(s, db));
    for (size_t i = 0; i < MAX_FILE_TYPES; i++)
        mem_free(cx->type_names[i]);
    snap_reader_free(&cx->r);
    mem_free(cx);
    close(fd);
    shard_sync_counts(s);
    return rc;
}
