/* test_block.c -- blocking processes: parked without a thread or lock, woken by a push on any
 * thread in the order they blocked, by their timeout, or by cancellation; registrations on
 * other shards are cleaned up. */
#include "config.h"

#include <check.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "block.h"
#include "server.h"
#include "shard.h"
#include "zvm_world.h"

/* Opcode test.bpop: for each key, in order: if it holds a value, delete it and reply that
 * value; if none does: reply nil when the park timed out, else park (timeout imm ms).
 * r0 = the next key to look at, so hops between the keys' threads make progress. */
static keel_op_result op_bpop(keel_proc *p, const keel_insn *in) {
    if (p->reg[0].type == DK_NULL) p->reg[0] = dk_i64(1);
    for (; (uint32_t)p->reg[0].v.i < p->argc; p->reg[0].v.i++) {
        uint32_t i = (uint32_t)p->reg[0].v.i;
        keel_value v = {.size = sizeof v};
        keel_status st = keel_key_lookup(p, p->argv[i].ptr, p->argv[i].len, &v);
        KEEL_OP_PROPAGATE(st);
        if (st == KEEL_OK) {
            int64_t got = v.box.v.i;
            st = keel_key_delete(p, p->argv[i].ptr, p->argv[i].len);
            KEEL_OP_PROPAGATE(st);
            keel_reply_int(p, got);
            return KEEL_DONE;
        }
    }
    if (keel_proc_timed_out(p)) {
        keel_reply_nil(p);
        return KEEL_DONE;
    }
    ck_assert_int_eq(keel_block_keys(p, in->imm), KEEL_OK);
    return KEEL_BLOCK;
}

/* Opcode test.push: stores the integer argv[2] at argv[1] and wakes its waiters. */
static keel_op_result op_push(keel_proc *p, const keel_insn *in) {
    (void)in;
    dk_val v = dk_i64(atoll(p->argv[2].ptr));
    keel_status st = keel_key_store(p, p->argv[1].ptr, p->argv[1].len, &v, 0);
    KEEL_OP_PROPAGATE(st);
    st = keel_key_signal(p, p->argv[1].ptr, p->argv[1].len);
    KEEL_OP_PROPAGATE(st);
    keel_reply_ok(p);
    return KEEL_DONE;
}

static const keel_opcode_def block_ops[] = {
    {sizeof(keel_opcode_def), "test.bpop", op_bpop, "pop or park", 0, 0, 1,
     KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_HOP},
    {sizeof(keel_opcode_def), "test.push", op_push, "store and signal", 0, 0, 1, KEEL_OP_MAY_HOP},
};

static zvm_program *bpop_forever, *bpop_20ms, *push;

static void setup(int threads) {
    world_up(threads, 4, block_ops, sizeof block_ops / sizeof block_ops[0]);
    static const keel_insn_def bp0[] = {{.op = "test.bpop", .imm = 0}, KEEL_END};
    static const keel_insn_def bp20[] = {{.op = "test.bpop", .imm = 20}, KEEL_END};
    static const keel_insn_def pu[] = {{.op = "test.push"}, KEEL_END};
    bpop_forever = world_build(bp0, true);
    bpop_20ms = world_build(bp20, true);
    push = world_build(pu, true);
}
static void setup_one(void) {
    setup(1);
}
static void setup_two(void) {
    setup(2);
}
static void teardown(void) {
    zvm_program_free(bpop_forever);
    zvm_program_free(bpop_20ms);
    zvm_program_free(push);
    world_down();
}

static uint32_t waits_in(uint32_t shard_id) {
    return srv->shards[shard_id]->waits.count;
}

START_TEST(test_block_parked_process_is_woken_by_a_push) {
    thr *t = srv->threads[0];
    zvm_proc *b = world_proc(t, bpop_forever, &world_all_keys, "q", NULL);
    uint32_t sid = b->keys[0].shard;
    zvm_step(b);
    ck_assert_int_eq(zvm_state(b), ZVM_WAITING);
    ck_assert_uint_eq(waits_in(sid), 1);
    ck_assert_uint_eq(srv->shards[sid]->locks.count, 0); /* parked without holding its key */
    ck_assert_int_eq(world_done, 0);
    zvm_step(world_proc(t, push, &world_one_key, "q", "7"));
    world_run(t);
    ck_assert_int_eq(world_done, 2);
    ck_assert_int_eq(world_last_int, 7);
    ck_assert_uint_eq(waits_in(sid), 0);
}
END_TEST

START_TEST(test_block_waiters_are_served_in_the_order_they_blocked) {
    thr *t = srv->threads[0];
    zvm_step(world_proc(t, bpop_forever, &world_all_keys, "q", NULL));
    zvm_step(world_proc(t, bpop_forever, &world_all_keys, "q", NULL));
    zvm_step(world_proc(t, push, &world_one_key, "q", "1")); /* push finishes first */
    world_run(t);
    ck_assert_int_eq(world_done, 2);
    ck_assert_int_eq(world_last_int, 1); /* the first waiter got it; the second parked again */
    zvm_step(world_proc(t, push, &world_one_key, "q", "2"));
    world_run(t);
    ck_assert_int_eq(world_done, 4);
    ck_assert_int_eq(world_last_int, 2);
}
END_TEST

START_TEST(test_block_timeout_replies_nil) {
    thr *t = srv->threads[0];
    zvm_proc *b = world_proc(t, bpop_20ms, &world_all_keys, "q", NULL);
    uint32_t sid = b->keys[0].shard;
    zvm_step(b);
    ck_assert_int_eq(world_done, 0);
    for (int i = 0; i < 200 && world_done == 0; i++) { /* the timer lives on the home loop */
        event_base_loop(t->base, EVLOOP_ONCE);
        world_run(t);
    }
    ck_assert_int_eq(world_done, 1);
    ck_assert(world_last_nil);
    ck_assert_uint_eq(waits_in(sid), 0);
}
END_TEST

START_TEST(test_block_cancel_finishes_a_parked_process) {
    thr *t = srv->threads[0];
    zvm_proc *b = world_proc(t, bpop_forever, &world_all_keys, "q", NULL);
    zvm_step(b);
    ck_assert(blk_cancel(b));
    ck_assert(!blk_cancel(b));
    world_run(t);
    ck_assert_int_eq(world_done, 1);
    ck_assert(world_last_nil);
}
END_TEST

START_TEST(test_block_push_on_another_thread_wakes_and_cleans_up) {
    thr *t0 = srv->threads[0], *t1 = srv->threads[1];
    char k0[32], k1[32];
    world_key_on_shard(0, k0, sizeof k0); /* thread 0 */
    world_key_on_shard(3, k1, sizeof k1); /* thread 1 */
    zvm_proc *b = world_proc(t0, bpop_forever, &world_all_keys, k0, k1);
    zvm_step(b);     /* locks shard 0, hops to thread 1 for shard 3 */
    world_run_all(); /* parks there: registers on both shards, releases both */
    ck_assert_int_eq(zvm_state(b), ZVM_WAITING);
    ck_assert_uint_eq(waits_in(0), 1);
    ck_assert_uint_eq(waits_in(3), 1);
    zvm_step(world_proc(t0, push, &world_one_key, k0, "5")); /* a push on thread 0 */
    world_run_all();
    ck_assert_int_eq(world_done, 2);
    ck_assert_int_eq(world_last_int, 5);
    ck_assert_uint_eq(waits_in(0), 0);
    ck_assert_uint_eq(waits_in(3), 0); /* the other registration was removed by message */
    (void)t1;
}
END_TEST

static Suite *block_suite(void) {
    Suite *s = suite_create("block");
    TCase *one = tcase_create("one thread");
    tcase_add_checked_fixture(one, setup_one, teardown);
    tcase_add_test(one, test_block_parked_process_is_woken_by_a_push);
    tcase_add_test(one, test_block_waiters_are_served_in_the_order_they_blocked);
    tcase_add_test(one, test_block_timeout_replies_nil);
    tcase_add_test(one, test_block_cancel_finishes_a_parked_process);
    suite_add_tcase(s, one);
    TCase *two = tcase_create("two threads");
    tcase_add_checked_fixture(two, setup_two, teardown);
    tcase_add_test(two, test_block_push_on_another_thread_wakes_and_cleans_up);
    suite_add_tcase(s, two);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(block_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
