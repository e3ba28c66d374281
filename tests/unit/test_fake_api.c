/* test_fake_api.c -- the fake keel_api module tests rely on: every entry backed, replies, keys. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"

static void setup(void) {
    fake_api_reset();
}

static void teardown(void) {
    ck_assert_int_eq(fake_api_live_allocs(), 0);
}

START_TEST(test_fake_api_backs_every_entry) {
    const keel_api *t = fake_api_table();
    ck_assert_uint_eq(t->size, sizeof(keel_api));
    ck_assert_uint_eq(t->abi_major, KEEL_ABI_MAJOR);
#define BACKED(ret, name, params) ck_assert_msg(t->name != NULL, "keel_" #name " is not backed");
    KEEL_API_LIST(BACKED)
#undef BACKED
}
END_TEST

START_TEST(test_fake_api_reply_tree_follows_the_sdk) {
    keel_proc *p = fake_proc_new(NULL, 0, NULL);
    keel_reply_array(p, 2);
    keel_reply_open(p, KEEL_REPLY_MAP);
    keel_reply_bulk(p, "k", 1);
    keel_reply_int(p, 1);
    ck_assert(fake_proc_reply_open(p));
    keel_reply_close(p);
    keel_reply_set(p, 0);
    ck_assert(!fake_proc_reply_open(p));
    const keel_reply *r = fake_proc_reply(p);
    ck_assert_int_eq(r->type, KEEL_REPLY_ARRAY);
    ck_assert_uint_eq(r->len, 2);
    const keel_reply *map = r->v.child;
    ck_assert_int_eq(map->type, KEEL_REPLY_MAP);
    ck_assert_uint_eq(map->len, 1);
    ck_assert_int_eq(map->v.child->next->v.i, 1);
    ck_assert_int_eq(map->next->type, KEEL_REPLY_SET);
    keel_reply_reset(p);
    ck_assert_ptr_null(fake_proc_reply(p));
    keel_reply_error(p, "ERR %s %d", "x", 7);
    ck_assert_str_eq(fake_proc_reply(p)->v.s, "ERR x 7");
    fake_proc_free(p);
}
END_TEST

START_TEST(test_fake_api_keyspace_and_expiry) {
    keel_proc *p = fake_proc_new(NULL, 0, NULL);
    dk_val v = dk_bytes("hello", 5);
    keel_value got = {.size = sizeof got};
    ck_assert_int_eq(keel_key_store(p, "k", 1, &v, 0), KEEL_OK);
    ck_assert_int_eq(keel_key_aux_set(p, "k", 1, KEEL_AUX32, true, 42), KEEL_OK);
    ck_assert_int_eq(keel_key_lookup(p, "k", 1, &got), KEEL_OK);
    ck_assert_int_eq(got.type, KEEL_TYPE_BOX);
    ck_assert_uint_eq(got.box.len, 5);
    ck_assert(got.has_aux32 && got.aux32 == 42 && !got.has_aux64);
    ck_assert_int_eq(keel_key_expire(p, "k", 1, keel_now_ms(p) + 10), KEEL_OK);
    ck_assert_uint_eq(fake_key_count(), 1);
    fake_set_now_ms(keel_now_ms(p) + 10);
    ck_assert_int_eq(keel_key_lookup(p, "k", 1, &got), KEEL_NOTFOUND);
    ck_assert_uint_eq(fake_key_count(), 0);
    ck_assert_int_eq(keel_key_delete(p, "k", 1), KEEL_NOTFOUND);
    int64_t keys = -1;
    ck_assert_int_eq(keel_server_stat("keys", &keys), KEEL_OK);
    ck_assert_int_eq(keys, 0);
    ck_assert_int_eq(keel_server_stat("no such counter", &keys), KEEL_NOTFOUND);
    fake_proc_free(p);
}
END_TEST

static keel_op_result op_echo_keys(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_reply_array(p, keel_key_count(p));
    for (uint32_t i = 0; i < keel_key_count(p); i++) {
        keel_arg key;
        uint32_t argi;
        ck_assert_int_eq(keel_key_nth(p, i, &key, &argi), KEEL_OK);
        keel_reply_bulk(p, key.ptr, key.len);
    }
    return KEEL_DONE;
}

START_TEST(test_fake_api_runs_a_registered_command) {
    static const keel_opcode_def op = {
        .size = sizeof op, .name = "t.keys", .fn = op_echo_keys, .cost = 1};
    static const keel_insn_def program[] = {{.op = "t.keys"}, KEEL_END};
    static const keel_cmd_def cmd = {.size = sizeof cmd,
                                     .name = "MSETLIKE",
                                     .arity = -3,
                                     .first_key = 1,
                                     .last_key = -1,
                                     .key_step = 2,
                                     .program = program};
    ck_assert_int_eq(keel_register_opcode(fake_module(), &op, NULL), KEEL_OK);
    ck_assert_int_eq(keel_register_command(fake_module(), &cmd, NULL), KEEL_OK);
    keel_proc *p = fake_proc_new(NULL, 5, (const char *[]){"msetlike", "a", "1", "b", "2"});
    ck_assert_int_eq(fake_call(p), KEEL_DONE);
    const keel_reply *r = fake_proc_reply(p);
    ck_assert_uint_eq(r->len, 2);
    ck_assert_str_eq(r->v.child->v.s, "a");
    ck_assert_str_eq(r->v.child->next->v.s, "b");
    ck_assert_str_eq(keel_proc_command(p), "msetlike");
    fake_proc_free(p);
    p = fake_proc_new(NULL, 2, (const char *[]){"msetlike", "a"});
    ck_assert_int_eq(fake_call(p), KEEL_FAIL);
    ck_assert_str_eq(fake_proc_reply(p)->v.s,
                     "ERR wrong number of arguments for 'msetlike' command");
    fake_proc_free(p);
}
END_TEST

/* A key walk's visit: adds integer keys to the partial (two int64s: sum, keys). */
static bool sum_visit(void *ctx, void *partial, const keel_arg *key, const keel_value *v) {
    (void)ctx;
    (void)key;
    int64_t *acc = partial;
    if (v->type == KEEL_TYPE_BOX && v->box.type == DK_I64) {
        acc[0] += v->box.v.i;
        acc[1]++;
    }
    return true;
}

/* Opcode: sums the integer keys matching argv[1] with a key walk; r0 = the walk. */
static keel_op_result op_walk_sum(keel_proc *p, const keel_insn *in) {
    (void)in;
    if (p->reg[0].type != DK_PTR)
        p->reg[0] = dk_ptr(keel_walk_new(p, p->argv[1].ptr, p->argv[1].len, 2 * sizeof(int64_t)));
    keel_walk *w = (keel_walk *)p->reg[0].v.ptr;
    keel_op_result r = keel_walk_step(p, w, sum_visit, NULL);
    if (r != KEEL_NEXT) return r;
    int64_t sum = 0, n = 0;
    for (uint32_t i = 0; i < keel_walk_partials(w); i++) {
        const int64_t *acc = keel_walk_partial(w, i);
        sum += acc[0];
        n += acc[1];
    }
    keel_reply_array(p, 2);
    keel_reply_int(p, sum);
    keel_reply_int(p, n);
    return KEEL_DONE;
}

START_TEST(test_fake_api_key_walk_yields_and_sums) {
    keel_proc *setp = fake_proc_new(NULL, 0, NULL);
    char name[16];
    for (int i = 0; i < 300; i++) {
        dk_val v = dk_i64(i);
        snprintf(name, sizeof name, "w:%d", i);
        ck_assert_int_eq(keel_key_store(setp, name, strlen(name), &v, 0), KEEL_OK);
    }
    dk_val other = dk_i64(1000);
    ck_assert_int_eq(keel_key_store(setp, "x", 1, &other, 0), KEEL_OK);
    fake_proc_free(setp);
    static const keel_opcode_def op = {
        .size = sizeof op, .name = "t.walk_sum", .fn = op_walk_sum, .cost = 1};
    static const keel_insn_def program[] = {{.op = "t.walk_sum"}, KEEL_END};
    ck_assert_int_eq(keel_register_opcode(fake_module(), &op, NULL), KEEL_OK);
    keel_proc *p = fake_proc_new(NULL, 2, (const char *[]){"walksum", "w:*"});
    fake_proc_set_budget(p, 100);
    ck_assert_int_eq(fake_proc_run(p, program), KEEL_DONE);
    const keel_reply *r = fake_proc_reply(p);
    ck_assert_int_eq(r->v.child->v.i, 299 * 300 / 2);
    ck_assert_int_eq(r->v.child->next->v.i, 300);
    ck_assert_int_gt(fake_proc_yields(p), 10);
    ck_assert_ptr_null(keel_walk_new(p, "*", 1, KEEL_WALK_PARTIAL_MAX + 1));
    fake_proc_free(p);
}
END_TEST

static Suite *fake_api_suite(void) {
    Suite *s = suite_create("fake_api");
    TCase *tc = tcase_create("fake_api");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_fake_api_backs_every_entry);
    tcase_add_test(tc, test_fake_api_reply_tree_follows_the_sdk);
    tcase_add_test(tc, test_fake_api_keyspace_and_expiry);
    tcase_add_test(tc, test_fake_api_runs_a_registered_command);
    tcase_add_test(tc, test_fake_api_key_walk_yields_and_sums);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(fake_api_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
