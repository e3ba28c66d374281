/* test_zvm.c -- the zvm driven by hand: programs, yield/resume with reductions, requeueing
 * behind other work, key locks held across yields, hops between threads, the arena, replies. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyspace.h"
#include "mem.h"
#include "server.h"
#include "shard.h"
#include "zvm_world.h"

/* Opcode test.spin: counts r0 up to imm, one reduction per step, noting argv[1][0] at the start
 * of every slice; yields when the budget is spent. */
static keel_op_result op_spin(keel_proc *p, const keel_insn *in) {
    if (p->reg[0].type == DK_NULL) p->reg[0] = dk_i64(0);
    world_note(p->argv[1].ptr[0]);
    while (p->reg[0].v.i < in->imm) {
        p->reg[0].v.i++;
        if (keel_charge(p, 1) && p->reg[0].v.i < in->imm) return KEEL_YIELD;
    }
    keel_reply_int(p, p->reg[0].v.i);
    return KEEL_NEXT;
}

/* Opcode test.mark: notes the last argument's first letter (upper case) and replies OK. */
static keel_op_result op_mark(keel_proc *p, const keel_insn *in) {
    (void)in;
    world_note((char)(p->argv[p->argc - 1].ptr[0] - 'a' + 'A'));
    keel_reply_ok(p);
    return KEEL_NEXT;
}

/* Opcode test.where: replies the id of the thread running it (for hop tests). */
static keel_op_result op_where(keel_proc *p, const keel_insn *in) {
    (void)in;
    keel_reply_int(p, zvm_of(p)->cur->id);
    return KEEL_NEXT;
}

static const keel_opcode_def test_ops[] = {
    {sizeof(keel_opcode_def), "test.spin", op_spin, "count r0 to imm", 0, 0, 1, KEEL_OP_MAY_YIELD},
    {sizeof(keel_opcode_def), "test.mark", op_mark, "note argv[1]", 0, 0, 1, 0},
    {sizeof(keel_opcode_def), "test.where", op_where, "reply the thread id", 0, 0, 1, 0},
};

static void setup_one(void) {
    world_up(1, 4, test_ops, sizeof test_ops / sizeof test_ops[0]);
}
static void setup_two(void) {
    world_up(2, 4, test_ops, sizeof test_ops / sizeof test_ops[0]);
}

/* ---- programs ---- */

START_TEST(test_zvm_program_resolves_handlers_and_prologue) {
    static const keel_insn_def tmpl[] = {
        {.op = "test.spin", .imm = 3}, {.op = "reply.ok"}, KEEL_END};
    zvm_program *prog = world_build(tmpl, true);
    ck_assert_uint_eq(prog->n, 3);
    ck_assert_ptr_eq(prog->insn[0].fn, op_lookup("key.lock")->def.fn);
    ck_assert_ptr_eq(prog->insn[1].fn, op_spin);
    ck_assert_int_eq(prog->insn[1].imm, 3);
    ck_assert_uint_eq(prog->insn[1].op, op_lookup("test.spin")->number);
    zvm_program_free(prog);
}
END_TEST

START_TEST(test_zvm_program_refuses_unknown_opcode_and_bad_jump) {
    char err[200];
    static const keel_insn_def unknown[] = {{.op = "nope.nothing"}, KEEL_END};
    ck_assert_ptr_null(zvm_program_build(unknown, false, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "nope.nothing"));
    static const keel_insn_def far[] = {{.op = "vm.jump", .imm = 7}, KEEL_END};
    ck_assert_ptr_null(zvm_program_build(far, false, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "outside"));
    static const keel_insn_def badreg[] = {{.op = "reply.value", .a = 0x20}, KEEL_END};
    ck_assert_ptr_null(zvm_program_build(badreg, false, err, sizeof err));
}
END_TEST

START_TEST(test_zvm_jump_targets_shift_with_prologue) {
    static const keel_insn_def tmpl[] = {{.op = "reply.ok"}, {.op = "vm.jump", .imm = 0}, KEEL_END};
    zvm_program *prog = world_build(tmpl, true);
    ck_assert_int_eq(prog->insn[2].imm, 1);
    zvm_program_free(prog);
}
END_TEST

/* ---- yield and resume ---- */

START_TEST(test_zvm_yield_resumes_where_it_stopped) {
    thr *t = srv->threads[0];
    static const keel_insn_def tmpl[] = {{.op = "test.spin", .imm = 3 * ZVM_SLICE - 100}, KEEL_END};
    zvm_program *prog = world_build(tmpl, false);
    zvm_proc *p = world_proc(t, prog, NULL, "a", NULL);
    zvm_step(p);
    ck_assert_int_eq(world_done, 0);
    ck_assert_ptr_eq(t->runq_head, p);
    world_run(t);
    ck_assert_int_eq(world_done, 1);
    ck_assert_int_eq(world_last_int, 3 * ZVM_SLICE - 100);
    ck_assert_uint_eq(atomic_load(&t->st.yields), 2);
    ck_assert_str_eq(world_order, "aaa.");
    zvm_program_free(prog);
}
END_TEST

START_TEST(test_zvm_yielded_process_goes_behind_others) {
    thr *t = srv->threads[0];
    static const keel_insn_def long_t[] = {{.op = "test.spin", .imm = 5 * ZVM_SLICE / 2}, KEEL_END};
    static const keel_insn_def short_t[] = {{.op = "test.spin", .imm = 3 * ZVM_SLICE / 2},
                                            KEEL_END};
    zvm_program *lp = world_build(long_t, false), *sp = world_build(short_t, false);
    zvm_step(world_proc(t, lp, NULL, "a", NULL));
    zvm_step(world_proc(t, sp, NULL, "b", NULL));
    world_run(t);
    /* a and b take turns slice by slice; b (shorter) finishes first */
    ck_assert_str_eq(world_order, "abab.a.");
    zvm_program_free(lp);
    zvm_program_free(sp);
}
END_TEST

/* ---- key locks ---- */

START_TEST(test_zvm_yielded_process_keeps_its_key_locked) {
    thr *t = srv->threads[0];
    /* a slice is ZVM_SLICE reductions less a few for key.lock: this spin takes two */
    static const keel_insn_def spin[] = {{.op = "test.spin", .imm = 2 * ZVM_SLICE - 100}, KEEL_END};
    static const keel_insn_def mark[] = {{.op = "test.mark"}, KEEL_END};
    zvm_program *sp = world_build(spin, true), *mp = world_build(mark, true);
    zvm_proc *a = world_proc(t, sp, &world_one_key, "a", NULL); /* key "a" */
    zvm_step(a);
    shard *s = srv->shards[a->keys[0].shard];
    ck_assert_uint_eq(s->locks.count, 1); /* entered in the lock table when it yielded */
    zvm_proc *b = world_proc(t, mp, &world_one_key, "a", NULL); /* same key: must wait */
    zvm_step(b);
    ck_assert_int_eq(zvm_state(b), ZVM_WAITING);
    zvm_proc *c = world_proc(t, mp, &world_one_key, "c", NULL); /* other key: runs at once */
    zvm_step(c);
    ck_assert_str_eq(world_order, "aC.");
    world_run(t);
    ck_assert_str_eq(world_order, "aC.a.A.");
    ck_assert_uint_eq(s->locks.count, 0);
    ck_assert_int_eq(world_done, 3);
    zvm_program_free(sp);
    zvm_program_free(mp);
}
END_TEST

START_TEST(test_zvm_lock_waiters_run_in_arrival_order) {
    thr *t = srv->threads[0];
    static const keel_insn_def spin[] = {{.op = "test.spin", .imm = ZVM_SLICE + 10}, KEEL_END};
    static const keel_insn_def mark[] = {{.op = "test.mark"}, KEEL_END};
    zvm_program *sp = world_build(spin, true), *mp = world_build(mark, true);
    zvm_step(world_proc(t, sp, &world_one_key, "a", NULL));
    zvm_step(world_proc(t, mp, &world_one_key, "a", "b")); /* key "a", notes 'B' */
    zvm_step(world_proc(t, mp, &world_one_key, "a", "d")); /* key "a", notes 'D' */
    world_run(t);
    ck_assert_str_eq(world_order, "aa.B.D.");
    zvm_program_free(sp);
    zvm_program_free(mp);
}
END_TEST

START_TEST(test_zvm_released_lock_passes_to_its_waiter_before_a_newcomer) {
    thr *t = srv->threads[0];
    static const keel_insn_def spin[] = {{.op = "test.spin", .imm = ZVM_SLICE + 10}, KEEL_END};
    static const keel_insn_def mark[] = {{.op = "test.mark"}, KEEL_END};
    zvm_program *sp = world_build(spin, true), *mp = world_build(mark, true);
    zvm_step(world_proc(t, sp, &world_one_key, "a", NULL)); /* yields holding "a" */
    zvm_step(world_proc(t, mp, &world_one_key, "a", "b"));  /* waits */
    thr_run_ready(t); /* the spinner finishes: the lock is now b's, b runs next turn */
    ck_assert_str_eq(world_order, "aa.");
    zvm_proc *c = world_proc(t, mp, &world_one_key, "a", "c");
    zvm_step(c); /* arrives while the lock is free of any running holder */
    ck_assert_int_eq(zvm_state(c), ZVM_WAITING);
    shard *s = srv->shards[c->keys[0].shard];
    world_run(t); /* (c is recycled once it finishes) */
    ck_assert_str_eq(world_order, "aa.B.C.");
    ck_assert_uint_eq(s->locks.count, 0);
    zvm_program_free(sp);
    zvm_program_free(mp);
}
END_TEST

/* Two distinct keys that share shard 2. */
static void two_keys_on_one_shard(char *k1, char *k2, size_t cap) {
    world_key_on_shard(2, k1, cap);
    for (int i = 0;; i++) {
        snprintf(k2, cap, "other%d", i);
        if (shard_of_hash(ks_hash(k2, strlen(k2)), srv->nshards) == 2) return;
    }
}

START_TEST(test_zvm_crossing_waiters_on_one_shard_all_finish) {
    thr *t = srv->threads[0];
    char k1[32], k2[32];
    two_keys_on_one_shard(k1, k2, sizeof k1);
    static const keel_insn_def spin[] = {{.op = "test.spin", .imm = ZVM_SLICE + 10}, KEEL_END};
    static const keel_insn_def mark[] = {{.op = "test.mark"}, KEEL_END};
    zvm_program *sp = world_build(spin, true), *mp = world_build(mark, true);
    zvm_step(world_proc(t, sp, &world_one_key, k1, NULL)); /* holders of each key, yielded */
    zvm_step(world_proc(t, sp, &world_one_key, k2, NULL));
    /* waiters naming the two keys in both orders: taking them in one order for everyone means
     * none waits for a key while another waits for one it holds, and none gives a key back */
    zvm_proc *w[4] = {
        world_proc(t, mp, &world_all_keys, k1, k2), world_proc(t, mp, &world_all_keys, k2, k1),
        world_proc(t, mp, &world_all_keys, k1, k2), world_proc(t, mp, &world_all_keys, k2, k1)};
    for (int i = 0; i < 4; i++) {
        zvm_step(w[i]);
        ck_assert_int_eq(zvm_state(w[i]), ZVM_WAITING);
    }
    ck_assert_int_lt(world_run(t), 100);
    ck_assert_int_eq(world_done, 6);
    ck_assert_uint_eq(srv->shards[2]->locks.count, 0);
    zvm_program_free(sp);
    zvm_program_free(mp);
}
END_TEST

START_TEST(test_zvm_multi_shard_process_locks_every_shard) {
    thr *t = srv->threads[0];
    char k1[32], k2[32];
    world_key_on_shard(1, k1, sizeof k1);
    world_key_on_shard(3, k2, sizeof k2);
    static const keel_insn_def spin[] = {{.op = "test.spin", .imm = ZVM_SLICE + 10}, KEEL_END};
    static const keel_insn_def mark[] = {{.op = "test.mark"}, KEEL_END};
    zvm_program *sp = world_build(spin, true), *mp = world_build(mark, true);
    zvm_proc *m = world_proc(t, sp, &world_all_keys, k1, k2);
    ck_assert_uint_eq(m->nlshards, 2);
    zvm_step(m);
    ck_assert_uint_eq(srv->shards[1]->locks.count, 1);
    ck_assert_uint_eq(srv->shards[3]->locks.count, 1);
    zvm_proc *n = world_proc(t, mp, &world_one_key, k2, NULL);
    zvm_step(n);
    ck_assert_int_eq(zvm_state(n), ZVM_WAITING);
    world_run(t);
    ck_assert_int_eq(world_done, 2);
    ck_assert_uint_eq(srv->shards[1]->locks.count, 0);
    ck_assert_uint_eq(srv->shards[3]->locks.count, 0);
    ck_assert_str_eq(world_order, "kk.K.");
    zvm_program_free(sp);
    zvm_program_free(mp);
}
END_TEST

/* ---- hops between threads ---- */

START_TEST(test_zvm_process_hops_to_owner_and_reply_comes_home) {
    thr *t0 = srv->threads[0], *t1 = srv->threads[1];
    char k[32];
    world_key_on_shard(3, k, sizeof k); /* shards 2 and 3 belong to thread 1 */
    ck_assert_ptr_eq(srv->shards[3]->owner, t1);
    static const keel_insn_def where[] = {{.op = "test.where"}, KEEL_END};
    zvm_program *wp = world_build(where, true);
    zvm_proc *p = world_proc(t0, wp, &world_one_key, k, NULL);
    zvm_step(p); /* key.lock: not ours -> sent to thread 1 */
    ck_assert_int_eq(world_done, 0);
    ck_assert(!CK_STACK_ISEMPTY(&t1->inbox));
    world_run(t1); /* runs there, then goes home */
    ck_assert_int_eq(world_done, 0);
    ck_assert(!CK_STACK_ISEMPTY(&t0->inbox));
    world_run(t0);
    ck_assert_int_eq(world_done, 1);
    ck_assert_int_eq(world_last_int, 1); /* it ran on thread 1 */
    ck_assert_uint_eq(atomic_load(&t1->st.hops), 1);
    zvm_program_free(wp);
}
END_TEST

/* ---- arena and replies ---- */

START_TEST(test_zvm_arena_is_freed_when_recycled) {
    thr *t = srv->threads[0];
    zvm_proc *p = zvm_proc_new(t);
    zvm_proc_recycle(p); /* the pool now holds one process */
    int64_t base = mem_used();
    p = zvm_proc_new(t);
    for (int i = 0; i < 64; i++)
        memset(zvm_alloc(p, 64 * 1024), i, 64 * 1024);
    ck_assert_int_ge(mem_used() - base, 4 * 1024 * 1024);
    zvm_proc_recycle(p);
    ck_assert_int_le(mem_used() - base, 0);
}
END_TEST

START_TEST(test_zvm_reply_tree_nests_and_pads) {
    thr *t = srv->threads[0];
    zvm_proc *p = zvm_proc_new(t);
    keel_proc *kp = &p->pub;
    keel_reply_array(kp, 3);
    keel_reply_int(kp, 1);
    keel_reply_open(kp, KEEL_REPLY_ARRAY);
    keel_reply_bulk(kp, "a", 1);
    keel_reply_bulk(kp, "b", 1);
    keel_reply_close(kp);
    keel_reply_map(kp, 2);
    keel_reply_simple(kp, "k");
    keel_reply_nil(kp);
    keel_reply_simple(kp, "k2"); /* its value is missing: finish pads a nil */
    zvm_reply_finish(p);
    const keel_reply *r = p->reply_first;
    ck_assert_int_eq(r->type, KEEL_REPLY_ARRAY);
    ck_assert_uint_eq(r->len, 3);
    ck_assert_ptr_null(r->next);
    const keel_reply *c = r->v.child;
    ck_assert_int_eq(c->v.i, 1);
    c = c->next;
    ck_assert_int_eq(c->type, KEEL_REPLY_ARRAY);
    ck_assert_uint_eq(c->len, 2);
    ck_assert_str_eq(c->v.child->next->v.s, "b");
    c = c->next;
    ck_assert_int_eq(c->type, KEEL_REPLY_MAP);
    ck_assert_uint_eq(c->len, 2);
    ck_assert_int_eq(c->v.child->next->next->next->type, KEEL_REPLY_NIL);
    ck_assert_int_eq(p->depth, -1);
    zvm_proc_recycle(p);
}
END_TEST

static Suite *zvm_suite(void) {
    Suite *s = suite_create("zvm");
    TCase *one = tcase_create("one thread");
    tcase_add_checked_fixture(one, setup_one, world_down);
    tcase_add_test(one, test_zvm_program_resolves_handlers_and_prologue);
    tcase_add_test(one, test_zvm_program_refuses_unknown_opcode_and_bad_jump);
    tcase_add_test(one, test_zvm_jump_targets_shift_with_prologue);
    tcase_add_test(one, test_zvm_yield_resumes_where_it_stopped);
    tcase_add_test(one, test_zvm_yielded_process_goes_behind_others);
    tcase_add_test(one, test_zvm_yielded_process_keeps_its_key_locked);
    tcase_add_test(one, test_zvm_lock_waiters_run_in_arrival_order);
    tcase_add_test(one, test_zvm_released_lock_passes_to_its_waiter_before_a_newcomer);
    tcase_add_test(one, test_zvm_crossing_waiters_on_one_shard_all_finish);
    tcase_add_test(one, test_zvm_multi_shard_process_locks_every_shard);
    tcase_add_test(one, test_zvm_arena_is_freed_when_recycled);
    tcase_add_test(one, test_zvm_reply_tree_nests_and_pads);
    suite_add_tcase(s, one);
    TCase *two = tcase_create("two threads");
    tcase_add_checked_fixture(two, setup_two, world_down);
    tcase_add_test(two, test_zvm_process_hops_to_owner_and_reply_comes_home);
    suite_add_tcase(s, two);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(zvm_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
