/* test_aof_rec.c -- the append-only log's record format: records round-trip (database,
 * namespace, arguments, several commands in one record), every cut of a record reads as short,
 * every flipped byte is refused, and malformed payloads with a valid checksum are refused; each
 * for the short head and for the long one (a payload past AOF_REC_MAX: a test lowers the mark),
 * and a file mixing both scans clean, torn or corrupt as it should. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "aof_rec.h"

/* A record of two commands: SET k v in database 3 under a/b, and MSET x 1 y 2 at the top. */
static aof_buf sample(void) {
    aof_buf b = {0};
    keel_arg ns[2] = {{"a", 1}, {"bb", 2}};
    keel_arg set[3] = {{"SET", 3}, {"k", 1}, {"v", 1}};
    keel_arg mset[5] = {{"MSET", 4}, {"x", 1}, {"1", 1}, {"y", 1}, {"", 0}};
    size_t start = aof_rec_begin(&b, 42, 1700000000123LL, 2);
    aof_cmd c1 = {.db = 3, .nns = 2, .coloc = 2, .coloc_n = 1, .ns = ns, .argc = 3, .argv = set};
    aof_cmd c2 = {.db = 0, .argc = 5, .argv = mset};
    aof_cmd_encode(&b, &c1);
    aof_cmd_encode(&b, &c2);
    aof_rec_end(&b, start);
    return b;
}

static bool arg_is(const keel_arg *a, const char *s) {
    return a->len == strlen(s) && memcmp(a->ptr, s, a->len) == 0;
}

START_TEST(test_aof_record_round_trips) {
    aof_rec_set_long_from(_i ? 16 : AOF_REC_MAX);
    aof_buf b = sample();
    ck_assert_uint_eq(aof_rec_head(b.p), _i ? AOF_REC_HEAD_LONG : AOF_REC_HEAD);
    size_t size = 0;
    char err[200];
    ck_assert_int_eq(aof_rec_check(b.p, b.len, &size, err, sizeof err), AOF_REC_OK);
    ck_assert_uint_eq(size, b.len);
    ck_assert_uint_eq(aof_rec_size(b.p), b.len);
    ck_assert_uint_eq(aof_rec_seq(b.p), 42);
    aof_iter it;
    ck_assert(aof_iter_init(&it, b.p));
    ck_assert_int_eq(it.time_ms, 1700000000123LL);
    aof_cmd c;
    ck_assert_int_eq(aof_iter_next(&it, &c, err, sizeof err), 1);
    ck_assert_uint_eq(c.db, 3);
    ck_assert_uint_eq(c.nns, 2);
    ck_assert_uint_eq(c.coloc, 2);
    ck_assert_uint_eq(c.coloc_n, 1);
    ck_assert(arg_is(&c.ns[0], "a") && arg_is(&c.ns[1], "bb"));
    ck_assert_uint_eq(c.argc, 3);
    ck_assert(arg_is(&c.argv[0], "SET") && arg_is(&c.argv[1], "k") && arg_is(&c.argv[2], "v"));
    ck_assert_int_eq(aof_iter_next(&it, &c, err, sizeof err), 1);
    ck_assert_uint_eq(c.db, 0);
    ck_assert_uint_eq(c.nns, 0);
    ck_assert_uint_eq(c.argc, 5);
    ck_assert(arg_is(&c.argv[0], "MSET") && arg_is(&c.argv[4], ""));
    ck_assert_int_eq(aof_iter_next(&it, &c, err, sizeof err), 0);
    aof_iter_free(&it);
    aof_buf_free(&b);
}
END_TEST

START_TEST(test_aof_every_cut_is_short) {
    aof_rec_set_long_from(_i ? 16 : AOF_REC_MAX);
    aof_buf b = sample();
    ck_assert_uint_eq(aof_rec_head(b.p), _i ? AOF_REC_HEAD_LONG : AOF_REC_HEAD);
    char err[200];
    for (size_t n = 0; n < b.len; n++) {
        size_t size = 0;
        ck_assert_msg(aof_rec_check(b.p, n, &size, err, sizeof err) == AOF_REC_SHORT, "cut at %zu",
                      n);
    }
    aof_buf_free(&b);
}
END_TEST

START_TEST(test_aof_every_flipped_byte_is_refused) {
    aof_rec_set_long_from(_i ? 16 : AOF_REC_MAX);
    aof_buf b = sample();
    ck_assert_uint_eq(aof_rec_head(b.p), _i ? AOF_REC_HEAD_LONG : AOF_REC_HEAD);
    char err[200];
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            b.p[i] ^= (uint8_t)(1u << bit);
            size_t size = 0;
            enum aof_check r = aof_rec_check(b.p, b.len, &size, err, sizeof err);
            /* a flipped length may make the record look longer than the buffer: short */
            ck_assert_msg(r != AOF_REC_OK, "byte %zu bit %d passed", i, bit);
            b.p[i] ^= (uint8_t)(1u << bit);
        }
    }
    aof_buf_free(&b);
}
END_TEST

/* A record framed and checksummed around payload bytes (after the sequence and time). */
static aof_buf framed(const uint8_t *body, size_t n) {
    aof_buf b = {0};
    size_t start = aof_rec_begin(&b, 1, 1, 1);
    b.len--; /* aof_rec_begin wrote the command count: the body brings its own */
    aof_buf_put(&b, body, n);
    aof_rec_end(&b, start);
    return b;
}

START_TEST(test_aof_malformed_commands_are_refused) {
    const uint8_t no_cmds_but_bytes[] = {0, 1};
    const uint8_t argc_zero[] = {1, 0, 0, 0};
    const uint8_t arg_past_end[] = {1, 0, 0, 1, 5, 'a'};
    const uint8_t deep_ns[] = {1, 0, 17};
    const uint8_t huge_argc[] = {1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f};
    const uint8_t trailing[] = {1, 0, 0, 1, 1, 'x', 9};
    const uint8_t endless_varint[] = {1,    0xff, 0xff, 0xff, 0xff, 0xff,
                                      0xff, 0xff, 0xff, 0xff, 0xff};
    const uint8_t *cases[] = {no_cmds_but_bytes, argc_zero, arg_past_end,  deep_ns,
                              huge_argc,         trailing,  endless_varint};
    const size_t lens[] = {sizeof no_cmds_but_bytes, sizeof argc_zero, sizeof arg_past_end,
                           sizeof deep_ns,           sizeof huge_argc, sizeof trailing,
                           sizeof endless_varint};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aof_buf b = framed(cases[i], lens[i]);
        char err[200];
        size_t size = 0;
        ck_assert_int_eq(aof_rec_check(b.p, b.len, &size, err, sizeof err), AOF_REC_OK);
        aof_iter it;
        int got = 0;
        aof_cmd c;
        if (aof_iter_init(&it, b.p)) {
            while ((got = aof_iter_next(&it, &c, err, sizeof err)) == 1) {
            }
            aof_iter_free(&it);
        } else {
            got = -1;
        }
        ck_assert_msg(got == -1, "case %zu decoded", i);
        aof_buf_free(&b);
    }
}
END_TEST

START_TEST(test_aof_empty_record_is_a_filler) {
    aof_buf b = {0};
    size_t start = aof_rec_begin(&b, 9, 1, 0);
    aof_rec_end(&b, start);
    size_t size = 0;
    char err[200];
    ck_assert_int_eq(aof_rec_check(b.p, b.len, &size, err, sizeof err), AOF_REC_OK);
    aof_iter it;
    aof_cmd c;
    ck_assert(aof_iter_init(&it, b.p));
    ck_assert_int_eq(aof_iter_next(&it, &c, err, sizeof err), 0);
    aof_iter_free(&it);
    aof_buf_free(&b);
}
END_TEST

/* A log file: the preamble, then records of seq 1, 2, 3 with the middle one long. */
static aof_buf mixed_file(void) {
    aof_buf f = {0};
    uint8_t pre[AOF_PREAMBLE];
    aof_preamble(pre);
    aof_buf_put(&f, pre, sizeof pre);
    for (uint64_t seq = 1; seq <= 3; seq++) {
        aof_rec_set_long_from(seq == 2 ? 16 : AOF_REC_MAX);
        keel_arg set[3] = {{"SET", 3}, {"key", 3}, {"a value longer than sixteen bytes", 33}};
        size_t start = aof_rec_begin(&f, seq, 5, 1);
        aof_cmd c = {.argc = 3, .argv = set};
        aof_cmd_encode(&f, &c);
        aof_rec_end(&f, start);
        ck_assert_uint_eq(aof_rec_head(f.p + start), seq == 2 ? AOF_REC_HEAD_LONG : AOF_REC_HEAD);
    }
    aof_rec_set_long_from(AOF_REC_MAX);
    return f;
}

START_TEST(test_aof_file_mixing_heads) {
    aof_buf f = mixed_file();
    aof_scan sc;
    ck_assert_int_eq(aof_scan_file(f.p, f.len, &sc), AOF_SCAN_CLEAN);
    ck_assert_uint_eq(sc.records, 3);
    ck_assert_uint_eq(sc.next_seq, 4);
    ck_assert_uint_eq(sc.valid, f.len);
    size_t second = AOF_PREAMBLE + aof_rec_size(f.p + AOF_PREAMBLE);
    size_t third = second + aof_rec_size(f.p + second);
    ck_assert_uint_eq(aof_rec_seq(f.p + second), 2);
    ck_assert_uint_eq(aof_rec_seq(f.p + third), 3);
    /* the long record cut anywhere at the end of the file: a torn tail, the first record kept */
    for (size_t cut = second + 1; cut < third; cut++) {
        ck_assert_msg(aof_scan_file(f.p, cut, &sc) == AOF_SCAN_TORN, "cut at %zu", cut);
        ck_assert_uint_eq(sc.valid, second);
        ck_assert_uint_eq(sc.records, 1);
    }
    /* a byte of the long record flipped, a whole record after it: corruption, not a tail */
    for (size_t i = second; i < third; i++) {
        f.p[i] ^= 0x40;
        enum aof_scan_kind r = aof_scan_file(f.p, f.len, &sc);
        ck_assert_msg(r == AOF_SCAN_CORRUPT || r == AOF_SCAN_TORN, "byte %zu: %d", i, r);
        /* only a changed kind or length (the head) can make it look like a tail */
        if (i >= second + AOF_REC_HEAD_LONG)
            ck_assert_msg(r == AOF_SCAN_CORRUPT, "byte %zu torn", i);
        ck_assert_uint_eq(sc.valid, second);
        f.p[i] ^= 0x40;
    }
    aof_buf_free(&f);
}
END_TEST

START_TEST(test_aof_preamble) {
    uint8_t pre[AOF_PREAMBLE];
    aof_preamble(pre);
    ck_assert(aof_preamble_ok(pre, sizeof pre));
    ck_assert(!aof_preamble_ok(pre, sizeof pre - 1));
    pre[8] = 2; /* a version this reader does not know */
    ck_assert(!aof_preamble_ok(pre, sizeof pre));
}
END_TEST

int main(void) {
    Suite *s = suite_create("aof_rec");
    TCase *tc = tcase_create("format");
    tcase_add_loop_test(tc, test_aof_record_round_trips, 0, 2);
    tcase_add_loop_test(tc, test_aof_every_cut_is_short, 0, 2);
    tcase_add_loop_test(tc, test_aof_every_flipped_byte_is_refused, 0, 2);
    tcase_add_test(tc, test_aof_malformed_commands_are_refused);
    tcase_add_test(tc, test_aof_empty_record_is_a_filler);
    tcase_add_test(tc, test_aof_file_mixing_heads);
    tcase_add_test(tc, test_aof_preamble);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
