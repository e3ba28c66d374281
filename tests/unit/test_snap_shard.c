/* test_snap_shard.c -- a shard written to a snapshot file and loaded back (values, expiries, aux
 * words, databases), and files whose blocks are intact but whose content is wrong (records
 * before a database, a namespace never closed or closed twice, an unknown type, a database past
 * the configured count, a record count that does not match): each is refused with the file and
 * the offset, never a crash.  A point-in-time save (snap_pit.h) whose keys change, appear and
 * make the table grow between its slices loads back as the shard was when it began. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <datakit/box.h>
#include "blob.h"
#include "keyspace.h"
#include "loader.h"
#include "mem.h"
#include "ns.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "snap_file.h"
#include "snap_io.h"
#include "snap_pit.h"
#include "snap_shard.h"
#include "zvm_world.h"

#define GEN 7u
#define NOW 1000000000000LL

static char path[64];

static void setup(void) {
    world_up(1, 2, NULL, 0);
    keel_module *core = loader_core_module();
    core->in_init = true;
    ns_register_type(core);
    core->in_init = false;
    snprintf(path, sizeof path, "/tmp/keel-snap-shard-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

static void teardown(void) {
    unlink(path);
    world_down();
}

static void put(shard *s, uint32_t db, const char *key, dk_val v, int64_t exp, bool aux) {
    dk_table *t = shard_table_make(s, db);
    void *old = NULL;
    uint16_t ot = 0;
    dk_ref r =
        dk_table_put_box(t, key, strlen(key), ks_hash(key, strlen(key)), &v, false, &old, &ot);
    if (exp != DK_NO_EXPIRY) r = dk_table_set_expiry(t, r, exp);
    if (aux) {
        r = dk_table_set_aux32(t, r, true, 4242);
        dk_table_set_aux64(t, r, true, 1ull << 50);
    }
}

static bool get(shard *s, uint32_t db, const char *key, dk_entry *e) {
    dk_table *t = shard_table(s, db);
    if (!t) return false;
    dk_ref r = dk_table_find(t, key, strlen(key), ks_hash(key, strlen(key)));
    if (r == DK_REF_NONE) return false;
    dk_table_view(t, r, e);
    return true;
}

/* Loads path into a fresh shard 0: the loader's answer, its error in err. */
static int load(char *err, size_t errlen, snap_load_stats *st) {
    shard *fresh = shard_new(0, srv->threads[0], srv->ndbs);
    int rc = snap_shard_load(fresh, path, GEN, srv->nshards, NOW, st, err, errlen);
    shard_free(fresh);
    return rc;
}

START_TEST(test_snap_shard_round_trip) {
    shard *s = srv->shards[0];
    put(s, 0, "str", dk_bytes("hello", 5), NOW + 60000, true);
    put(s, 0, "int", dk_i64(-42), DK_NO_EXPIRY, false);
    put(s, 0, "gone", dk_bytes("x", 1), NOW - 1, false); /* due before the save: left out */
    char big[100000];
    memset(big, 'b', sizeof big);
    put(s, 2, "big", dk_bytes(big, sizeof big), DK_NO_EXPIRY, false);
    int fd = open(path, O_WRONLY | O_TRUNC);
    snap_shard_writer sw;
    ck_assert(snap_shard_begin(&sw, s, fd, GEN, NOW));
    ck_assert(snap_shard_step(&sw, SIZE_MAX));
    ck_assert_msg(!sw.failed, "%s", sw.err);
    snap_shard_writer_free(&sw);
    close(fd);

    shard *fresh = shard_new(0, srv->threads[0], srv->ndbs);
    char err[600];
    snap_load_stats st;
    ck_assert_int_eq(snap_shard_load(fresh, path, GEN, srv->nshards, NOW, &st, err, sizeof err), 0);
    ck_assert_uint_eq(st.keys, 3);
    dk_entry e;
    ck_assert(get(fresh, 0, "str", &e));
    ck_assert_uint_eq(e.box.len, 5);
    ck_assert(memcmp(e.box.v.ptr, "hello", 5) == 0);
    ck_assert_int_eq(e.expire_ms, NOW + 60000);
    ck_assert(e.has_aux32 && e.aux32 == 4242);
    ck_assert(e.has_aux64 && e.aux64 == 1ull << 50);
    ck_assert(get(fresh, 0, "int", &e));
    ck_assert_int_eq(e.box.v.i, -42);
    ck_assert_int_eq(e.expire_ms, DK_NO_EXPIRY);
    ck_assert(!get(fresh, 0, "gone", &e));
    ck_assert(get(fresh, 2, "big", &e));
    ck_assert_uint_eq(e.box.len, sizeof big);
    ck_assert(!get(fresh, 0, "big", &e));
    shard_free(fresh);

    /* the same file is not another shard's, nor another generation's, and keys due by the time
     * it loads are left out */
    fresh = shard_new(1, srv->threads[0], srv->ndbs);
    ck_assert_int_eq(snap_shard_load(fresh, path, GEN, srv->nshards, NOW, &st, err, sizeof err),
                     -1);
    ck_assert_msg(strstr(err, "not this shard's"), "%s", err);
    shard_free(fresh);
    ck_assert_int_eq(load(err, sizeof err, &st), 0);
    fresh = shard_new(0, srv->threads[0], srv->ndbs);
    ck_assert_int_eq(snap_shard_load(fresh, path, GEN + 1, srv->nshards, NOW, &st, err, sizeof err),
                     -1);
    ck_assert_msg(strstr(err, "another snapshot generation"), "%s", err);
    shard_free(fresh);
    fresh = shard_new(0, srv->threads[0], srv->ndbs);
    ck_assert_int_eq(
        snap_shard_load(fresh, path, GEN, srv->nshards, NOW + 60000, &st, err, sizeof err), 0);
    ck_assert_uint_eq(st.keys, 2);
    ck_assert_uint_eq(st.expired, 1);
    shard_free(fresh);
}
END_TEST

/* Changes key of database db on s as a write would: noted first, then stored. */
static void change(shard *s, uint32_t db, const char *key, dk_val v) {
    snap_pit_note(s, db, key, strlen(key), 0);
    put(s, db, key, v, DK_NO_EXPIRY, false);
}

/* A big value (copied through the I/O thread's buffers when it writes the file). */
static char big_value[300000];

/* The point-in-time walk with its pre-images, the file written here (io NULL) or by an I/O
 * thread (snap_io.h). */
static void pit_keeps_the_start_state(snap_io_group *io) {
    shard *s = srv->shards[0];
    char key[32];
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put(s, 0, key, dk_i64(i), i % 3 ? DK_NO_EXPIRY : NOW + 1000 + i, false);
    }
    put(s, 2, "later", dk_i64(1), DK_NO_EXPIRY, false);
    memset(big_value, 'b', sizeof big_value);
    put(s, 1, "big", dk_bytes(big_value, sizeof big_value), DK_NO_EXPIRY, false);
    char err[600];
    ck_assert_int_eq(snap_pit_arm(s, path, GEN, NOW, io, err, sizeof err), 0);
    ck_assert(s->pit != NULL);
    ck_assert(!snap_pit_step(s, 1)); /* the walk has begun database 0 */
    for (int i = 0; i < 300; i++) {  /* every key changes, twice: only the first is saved */
        snprintf(key, sizeof key, "k%d", i);
        change(s, 0, key, dk_i64(1000 + i));
        change(s, 0, key, dk_i64(2000 + i));
    }
    for (int i = 0; i < 5000; i++) { /* made after the start, the table grows meanwhile */
        snprintf(key, sizeof key, "new%d", i);
        change(s, 0, key, dk_i64(i));
        if (i % 500 == 0) ck_assert(!snap_pit_step(s, 4));
    }
    change(s, 2, "later", dk_i64(2)); /* a database the walk has not reached */
    change(s, 2, "born", dk_i64(3));
    change(s, 1, "big", dk_i64(4)); /* its pre-image is the big value */
    while (!snap_pit_step(s, 64)) {
    }
    ck_assert(snap_shard_end(&s->pit->sw));
    uint64_t pre = 0, bytes = 0;
    snap_pit_disarm(s, &pre, &bytes);
    ck_assert(s->pit == NULL);
    if (io) ck_assert_int_eq(snap_io_group_wait(io), 0); /* written, fsynced, closed */
    ck_assert_uint_eq(pre, 302); /* each first change (the walk may have written some before) */
    ck_assert_uint_gt(bytes, sizeof big_value);

    shard *fresh = shard_new(0, srv->threads[0], srv->ndbs);
    snap_load_stats st;
    ck_assert_int_eq(snap_shard_load(fresh, path, GEN, srv->nshards, NOW, &st, err, sizeof err), 0);
    ck_assert_uint_eq(st.keys, 302);
    dk_entry e;
    for (int i = 0; i < 300; i++) {
        snprintf(key, sizeof key, "k%d", i);
        ck_assert_msg(get(fresh, 0, key, &e), "%s", key);
        ck_assert_int_eq(e.box.v.i, i);
        ck_assert_int_eq(e.expire_ms, i % 3 ? DK_NO_EXPIRY : NOW + 1000 + i);
    }
    ck_assert(!get(fresh, 0, "new0", &e));
    ck_assert(!get(fresh, 0, "new4999", &e));
    ck_assert(get(fresh, 2, "later", &e));
    ck_assert_int_eq(e.box.v.i, 1);
    ck_assert(!get(fresh, 2, "born", &e));
    ck_assert(get(fresh, 1, "big", &e));
    ck_assert_uint_eq(e.box.len, sizeof big_value);
    ck_assert(memcmp(e.box.v.ptr, big_value, sizeof big_value) == 0);
    shard_free(fresh);
}

START_TEST(test_snap_pit_keeps_the_start_state) {
    pit_keeps_the_start_state(NULL);
}
END_TEST

START_TEST(test_snap_pit_through_the_io_thread) {
    snap_io_group *io = snap_io_group_new();
    ck_assert(io != NULL);
    pit_keeps_the_start_state(io);
}
END_TEST

/* ---- crafted files: every block intact, the content wrong ---- */

static snap_writer w;
static int wfd;

static void begin_file(const char *type_name) {
    wfd = open(path, O_WRONLY | O_TRUNC);
    ck_assert(snap_writer_open(&w, wfd, SNAP_FILE_SHARD));
    snap_buf b = {0};
    snap_buf_u64(&b, GEN);
    snap_buf_u32(&b, 0);
    snap_buf_u32(&b, srv->nshards);
    snap_buf_u32(&b, srv->ndbs);
    snap_buf_u64(&b, NOW);
    snap_buf_u16(&b, type_name ? 1 : 0);
    if (type_name) {
        snap_buf_u16(&b, 1);
        snap_buf_varint(&b, strlen(type_name));
        snap_buf_put(&b, type_name, strlen(type_name));
    }
    snap_block(&w, SNAP_BLK_HEAD, b.p, b.len);
    snap_buf_free(&b);
}

static void db_block(uint32_t db) {
    snap_buf b = {0};
    snap_buf_u32(&b, db);
    snap_block(&w, SNAP_BLK_DB, b.p, b.len);
    snap_buf_free(&b);
}

static void rec_block(const snap_rec *recs, int n) {
    snap_buf b = {0};
    for (int i = 0; i < n; i++) {
        snap_rec_head(&b, &recs[i]);
        if (recs[i].kind == SNAP_REC_BOX) {
            uint8_t packed[DK_BOX_MAX_SCALAR];
            dk_val v = dk_i64(1);
            snap_buf_put(&b, packed, dk_box_pack(&v, packed));
        } else if (recs[i].kind == SNAP_REC_OBJ) {
            snap_buf_put(&b, "xx", 2);
        }
    }
    snap_block(&w, SNAP_BLK_RECORDS, b.p, b.len);
    snap_buf_free(&b);
}

static void end_block(uint64_t records) {
    snap_buf b = {0};
    snap_buf_u64(&b, records);
    snap_buf_u64(&b, records);
    snap_block(&w, SNAP_BLK_END, b.p, b.len);
    snap_buf_free(&b);
}

static void finish_file(void) {
    ck_assert_int_eq(snap_writer_finish(&w), 0);
    snap_writer_free(&w);
    close(wfd);
}

static void expect_refused(const char *what) {
    char err[600];
    snap_load_stats st;
    ck_assert_int_eq(load(err, sizeof err, &st), -1);
    ck_assert_msg(strstr(err, what), "expected '%s' in: %s", what, err);
    ck_assert_msg(strstr(err, path), "the file's name is missing: %s", err);
    ck_assert_msg(strstr(err, "offset"), "the offset is missing: %s", err);
}

#define KEY(k) .key = (const uint8_t *)(k), .klen = sizeof(k) - 1

START_TEST(test_snap_shard_refuses_bad_content) {
    const snap_rec box = {.kind = SNAP_REC_BOX, KEY("k")};
    const snap_rec open_ns = {.kind = SNAP_REC_NS_OPEN, KEY("ns")};
    const snap_rec close_ns = {.kind = SNAP_REC_NS_CLOSE};
    const snap_rec obj = {.kind = SNAP_REC_OBJ, KEY("o"), .type = 1, .vlen = 2};
    const snap_rec unlisted = {.kind = SNAP_REC_OBJ, KEY("o"), .type = 3, .vlen = 2};

    begin_file(NULL);
    rec_block(&box, 1);
    end_block(1);
    finish_file();
    expect_refused("records before any database block");

    begin_file(NULL);
    db_block(0);
    rec_block(&close_ns, 1);
    end_block(0);
    finish_file();
    expect_refused("never opened");

    begin_file(NULL);
    db_block(0);
    rec_block((const snap_rec[]){open_ns, box}, 2);
    end_block(2);
    finish_file();
    expect_refused("ends inside a namespace");

    begin_file(NULL);
    db_block(9);
    end_block(0);
    finish_file();
    expect_refused("past the configured count");

    begin_file("nosuchtype");
    db_block(0);
    rec_block(&obj, 1);
    end_block(1);
    finish_file();
    { /* no module has the type: the value loads as an opaque blob of its bytes */
        char err[600];
        snap_load_stats st;
        shard *fresh = shard_new(0, srv->threads[0], srv->ndbs);
        ck_assert_int_eq(snap_shard_load(fresh, path, GEN, srv->nshards, NOW, &st, err, sizeof err),
                         0);
        dk_entry e;
        ck_assert(get(fresh, 0, "o", &e));
        const type_entry *te = type_by_id(e.obj_type);
        ck_assert_str_eq(te->def.name, "nosuchtype");
        ck_assert_ptr_null(te->module);
        size_t len = 0;
        const void *bytes = blob_bytes(e.obj, &len);
        ck_assert_uint_eq(len, 2);
        ck_assert_int_eq(memcmp(bytes, "xx", 2), 0);
        shard_free(fresh);
    }

    begin_file(NULL);
    db_block(0);
    rec_block(&unlisted, 1);
    end_block(1);
    finish_file();
    expect_refused("does not list");

    begin_file(NULL);
    db_block(0);
    rec_block((const snap_rec[]){box, box}, 2);
    end_block(5);
    finish_file();
    expect_refused("does not match the end block");

    begin_file(NULL);
    db_block(0);
    rec_block(&box, 1);
    finish_file();
    expect_refused("before its end block");

    begin_file(NULL);
    snap_block(&w, SNAP_BLK_HEAD, "x", 1); /* a second head block */
    finish_file();
    expect_refused("a second head block");

    begin_file(NULL);
    snap_block(&w, 9, "x", 1);
    finish_file();
    expect_refused("unknown block kind");

    begin_file(NULL);
    db_block(0);
    end_block(0);
    snap_block(&w, SNAP_BLK_DB, "\0\0\0\0", 4);
    finish_file();
    expect_refused("after the end block");

    /* an empty namespace does not exist: it is dropped, and the file loads */
    begin_file(NULL);
    db_block(0);
    rec_block((const snap_rec[]){open_ns, close_ns, box}, 3);
    end_block(2);
    finish_file();
    char err[600];
    snap_load_stats st;
    ck_assert_int_eq(load(err, sizeof err, &st), 0);
    ck_assert_uint_eq(st.keys, 1);
}
END_TEST

static void db_block_hint(uint32_t db, uint64_t keys) {
    snap_buf b = {0};
    snap_buf_u32(&b, db);
    snap_buf_u64(&b, keys);
    snap_block(&w, SNAP_BLK_DB, b.p, b.len);
    snap_buf_free(&b);
}

/* 20 keys with a namespace of 3 among them, in one records block (windows of several records
 * are fetched ahead together; a namespace ends one). */
static void twenty_keys_file(uint64_t hint) {
    static char names[20][8];
    snap_rec recs[25];
    int n = 0;
    for (int i = 0; i < 20; i++) {
        snprintf(names[i], sizeof names[i], "k%d", i);
        if (i == 9) recs[n++] = (snap_rec){.kind = SNAP_REC_NS_OPEN, KEY("ns")};
        recs[n++] = (snap_rec){
            .kind = SNAP_REC_BOX, .key = (const uint8_t *)names[i], .klen = strlen(names[i])};
        if (i == 11) recs[n++] = (snap_rec){.kind = SNAP_REC_NS_CLOSE};
    }
    begin_file(NULL);
    if (hint)
        db_block_hint(0, hint);
    else
        db_block(0);
    rec_block(recs, n);
    end_block(21); /* NS_CLOSE is not counted */
    finish_file();
}

/* Loads twenty_keys_file(hint) and returns the top table's bucket count after it. */
static uint64_t load_twenty(uint64_t hint) {
    twenty_keys_file(hint);
    char err[600];
    snap_load_stats st;
    shard *fresh = shard_new(0, srv->threads[0], srv->ndbs);
    ck_assert_msg(snap_shard_load(fresh, path, GEN, srv->nshards, NOW, &st, err, sizeof err) == 0,
                  "%s", err);
    ck_assert_uint_eq(st.keys, 18); /* 17 keys and the namespace */
    dk_entry e;
    ck_assert(get(fresh, 0, "k0", &e));
    ck_assert(get(fresh, 0, "k19", &e));
    ck_assert(!get(fresh, 0, "k10", &e)); /* inside the namespace */
    uint64_t shape = dk_table_scan_shape(shard_table(fresh, 0));
    shard_free(fresh);
    return shape;
}

START_TEST(test_snap_shard_db_block_key_hint) {
    /* a database block names how many keys come: the table is sized for them at once (a hint
     * of 50 is believable in this file of about 250 bytes) */
    ck_assert_uint_eq(load_twenty(50), 64);
    /* without the hint (files written before it existed) the table grows as keys come (the
     * low 31 bits of the shape: the buckets in use) */
    ck_assert_uint_lt(load_twenty(0) & 0x7fffffffu, 64);
    /* a hint the file cannot hold is not believed */
    ck_assert_uint_lt(load_twenty(1ull << 40) & 0x7fffffffu, 64);
    /* neither 4 nor 12 bytes: malformed */
    begin_file(NULL);
    snap_block(&w, SNAP_BLK_DB, "\0\0\0\0\0\0\0", 7);
    end_block(0);
    finish_file();
    expect_refused("malformed database block");
}
END_TEST

int main(void) {
    Suite *s = suite_create("snap_shard");
    TCase *tc = tcase_create("shard");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_snap_shard_round_trip);
    tcase_add_test(tc, test_snap_shard_refuses_bad_content);
    tcase_add_test(tc, test_snap_shard_db_block_key_hint);
    tcase_add_test(tc, test_snap_pit_keeps_the_start_state);
    tcase_add_test(tc, test_snap_pit_through_the_io_thread);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
