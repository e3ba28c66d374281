/* test_gate.c -- numbered databases in the core, driven by hand: shard gates (a gate waits for the
 * processes holding keys on its shard, holds back newcomers, lets the holders it waits for
 * through, queues behind another gate), each database's table and counters on a shard, SWAPDB's
 * swap of two, and reading a database index as Redis does. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "gate.h"
#include "keyspace.h"
#include "lock.h"
#include "server.h"
#include "shard.h"
#include "zvm_world.h"

/* Opcode test.spin: counts r0 up to imm, one reduction a step; yields when the budget is spent. */
static keel_op_result op_spin(keel_proc *p, const keel_insn *in) {
    if (p->reg[0].type == DK_NULL) p->reg[0] = dk_i64(0);
    while (p->reg[0].v.i < in->imm) {
        p->reg[0].v.i++;
        if (keel_charge(p, 1) && p->reg[0].v.i < in->imm) return KEEL_YIELD;
    }
    return KEEL_NEXT;
}

/* Opcode test.raise: raises the process's gate on shard imm (blocks until it is up). */
static keel_op_result op_raise(keel_proc *p, const keel_insn *in) {
    return gate_raise(srv->shards[in->imm], zvm_of(p)) ? KEEL_NEXT : KEEL_BLOCK;
}

/* Opcode test.lower: lowers the process's gate on shard imm. */
static keel_op_result op_lower(keel_proc *p, const keel_insn *in) {
    gate_lower(srv->shards[in->imm], zvm_of(p));
    return KEEL_NEXT;
}

/* Opcode test.mark: notes the last argument's first letter, upper case. */
static keel_op_result op_mark(keel_proc *p, const keel_insn *in) {
    (void)in;
    world_note((char)(p->argv[p->argc - 1].ptr[0] - 'a' + 'A'));
    return KEEL_NEXT;
}

/* Opcode test.lookup: looks argv[imm] up (argv[1] for imm 0), passing or waiting at a gate as
 * every keyspace call does, and notes 'L'. */
static keel_op_result op_key_lookup(keel_proc *p, const keel_insn *in) {
    keel_value v = {.size = sizeof v};
    const keel_arg *k = &p->argv[in->imm ? in->imm : 1];
    keel_status st = keel_key_lookup(p, k->ptr, k->len, &v);
    KEEL_OP_PROPAGATE(st);
    world_note('L');
    return KEEL_NEXT;
}

static const keel_opcode_def test_ops[] = {
    {sizeof(keel_opcode_def), "test.spin", op_spin, "count r0 to imm", 0, 0, 1, KEEL_OP_MAY_YIELD},
    {sizeof(keel_opcode_def), "test.raise", op_raise, "raise the gate on shard imm", 0, 0, 1,
     KEEL_OP_MAY_BLOCK},
    {sizeof(keel_opcode_def), "test.lower", op_lower, "lower the gate on shard imm", 0, 0, 1, 0},
    {sizeof(keel_opcode_def), "test.mark", op_mark, "note argv's last letter", 0, 0, 1, 0},
    {sizeof(keel_opcode_def), "test.lookup", op_key_lookup, "look argv[1] up", 0, 0, 1,
     KEEL_OP_MAY_HOP | KEEL_OP_MAY_BLOCK},
};

static void setup_one(void) {
    world_up(1, 4, test_ops, sizeof test_ops / sizeof test_ops[0]);
}

/* A gate on shard 1 that notes its owner's letter while it is up, then lowers it. */
static const keel_insn_def gate_prog[] = {
    {.op = "test.raise", .imm = 1}, {.op = "test.mark"}, {.op = "test.lower", .imm = 1}, KEEL_END};
/* A gate on shard 1 that stays up for a yield before it is lowered. */
static const keel_insn_def slow_gate_prog[] = {{.op = "test.raise", .imm = 1},
                                               {.op = "test.spin", .imm = ZVM_SLICE + 10},
                                               {.op = "test.mark"},
                                               {.op = "test.lower", .imm = 1},
                                               KEEL_END};

/* ---- gates ---- */

START_TEST(test_gate_waits_for_holders_and_holds_newcomers_back) {
    thr *t = srv->threads[0];
    char k1[32], k2[32], k3[32];
    world_key_on_shard(1, k1, sizeof k1);
    for (int i = 0;; i++) { /* another key of shard 1 */
        snprintf(k2, sizeof k2, "other%d", i);
        if (shard_of_hash(ks_hash(k2, strlen(k2)), srv->nshards) == 1) break;
    }
    world_key_on_shard(2, k3, sizeof k3);
    static const keel_insn_def spin[] = {
        {.op = "test.spin", .imm = ZVM_SLICE + 10}, {.op = "test.mark"}, KEEL_END};
    static const keel_insn_def mark[] = {{.op = "test.mark"}, KEEL_END};
    zvm_program *sp = world_build(spin, true), *mp = world_build(mark, true),
                *gp = world_build(gate_prog, false);
    zvm_proc *holder = world_proc(t, sp, &world_one_key, k1, "h");
    zvm_step(holder); /* yields holding k1 */
    zvm_proc *g = world_proc(t, gp, NULL, "x", "g");
    zvm_step(g);
    ck_assert_int_eq(zvm_state(g), ZVM_WAITING); /* its gate is up; it waits for the holder */
    ck_assert_ptr_nonnull(srv->shards[1]->gate);
    ck_assert(gate_entry(srv->shards[1]->gate)); /* told apart from key locks (call.c) */
    ck_assert(
        !gate_entry(lock_find(&srv->shards[1]->locks, k1, strlen(k1), ks_hash(k1, strlen(k1)))));
    ck_assert_uint_ne(ks_hash("", 0), 0); /* so even the empty key's lock is not a gate */
    zvm_proc *late = world_proc(t, mp, &world_one_key, k2, "n"); /* another key, same shard */
    zvm_step(late);
    ck_assert_int_eq(zvm_state(late), ZVM_WAITING);
    zvm_step(world_proc(t, mp, &world_one_key, k3, "o")); /* another shard: runs at once */
    ck_assert_str_eq(world_order, "O.");
    world_run(t);
    ck_assert_str_eq(world_order, "O.H.G.N."); /* holder, then the gate, then the newcomer */
    ck_assert_ptr_null(srv->shards[1]->gate);
    ck_assert_uint_eq(srv->shards[1]->locks.count, 0);
    zvm_program_free(sp);
    zvm_program_free(mp);
    zvm_program_free(gp);
}
END_TEST

START_TEST(test_gate_lets_the_holders_it_waits_for_through) {
    thr *t = srv->threads[0];
    char k1[32];
    world_key_on_shard(1, k1, sizeof k1);
    /* a holder that yields, then looks its key up while a gate is up on its shard */
    static const keel_insn_def spin_lookup[] = {{.op = "test.spin", .imm = ZVM_SLICE + 10},
                                                {.op = "test.lookup"},
                                                {.op = "test.mark"},
                                                KEEL_END};
    zvm_program *sp = world_build(spin_lookup, true), *gp = world_build(gate_prog, false);
    zvm_step(world_proc(t, sp, &world_one_key, k1, "h"));
    zvm_proc *g = world_proc(t, gp, NULL, "x", "g");
    zvm_step(g);
    ck_assert_int_eq(zvm_state(g), ZVM_WAITING);
    ck_assert_int_lt(world_run(t),
                     100); /* no deadlock: the holder passes, then the gate's owner runs */
    ck_assert_str_eq(world_order, "LH.G.");
    ck_assert_int_eq(world_done, 2);
    zvm_program_free(sp);
    zvm_program_free(gp);
}
END_TEST

START_TEST(test_gate_lets_a_holder_of_other_keys_read_an_undeclared_one) {
    thr *t = srv->threads[0];
    char k1[32], k3[32];
    world_key_on_shard(1, k1, sizeof k1);
    world_key_on_shard(3, k3, sizeof k3);
    /* holds k3 across a yield, then reads k1, a key it did not declare, on a gated shard */
    static const keel_insn_def holder[] = {{.op = "test.spin", .imm = ZVM_SLICE + 10},
                                           {.op = "test.lookup", .imm = 2},
                                           {.op = "test.mark"},
                                           KEEL_END};
    /* gates on shards 1 then 3: up on 1 at once, then waiting for the holder of k3 */
    static const keel_insn_def two_gates[] = {
        {.op = "test.raise", .imm = 1}, {.op = "test.raise", .imm = 3}, {.op = "test.mark"},
        {.op = "test.lower", .imm = 1}, {.op = "test.lower", .imm = 3}, KEEL_END};
    zvm_program *hp = world_build(holder, true), *gp = world_build(two_gates, false);
    zvm_step(world_proc(t, hp, &world_one_key, k3, k1)); /* notes 'K' (k1's first letter) */
    zvm_proc *g = world_proc(t, gp, NULL, "x", "g");
    zvm_step(g);
    ck_assert_int_eq(zvm_state(g), ZVM_WAITING);
    ck_assert_ptr_nonnull(srv->shards[1]->gate);
    ck_assert_int_lt(world_run(t), 100); /* waiting at shard 1 would deadlock: it passes */
    ck_assert_int_eq(world_done, 2);
    ck_assert_str_eq(world_order, "LK.G.");
    zvm_program_free(hp);
    zvm_program_free(gp);
}
END_TEST

START_TEST(test_gate_queues_behind_another_gate) {
    thr *t = srv->threads[0];
    char k1[32];
    world_key_on_shard(1, k1, sizeof k1);
    static const keel_insn_def lookup[] = {{.op = "test.lookup"}, {.op = "test.mark"}, KEEL_END};
    zvm_program *slow = world_build(slow_gate_prog, false), *gp = world_build(gate_prog, false);
    zvm_program *lp = world_build(lookup, false);
    zvm_step(world_proc(t, slow, NULL, "x", "a")); /* raised, then yields with it up */
    zvm_proc *b = world_proc(t, gp, NULL, "x", "b");
    zvm_step(b);
    ck_assert_int_eq(zvm_state(b), ZVM_WAITING);
    zvm_proc *reader = world_proc(t, lp, NULL, k1, "r"); /* no declared key: a lookup waits too */
    zvm_step(reader);
    ck_assert_int_eq(zvm_state(reader), ZVM_WAITING);
    world_run(t);
    ck_assert_int_eq(world_done, 3);
    ck_assert_str_eq(world_order, "A.B.LR.");
    ck_assert_ptr_null(srv->shards[1]->gate);
    zvm_program_free(slow);
    zvm_program_free(gp);
    zvm_program_free(lp);
}
END_TEST

/* ---- databases on a shard ---- */

static void put(shard *s, uint32_t db, const char *key, int64_t expire_ms) {
    ks_space sp = ks_top(s, db);
    if (!sp.t) sp.t = shard_table_make(s, db);
    dk_val v = dk_i64(1);
    uint64_t h = ks_hash(key, strlen(key));
    ck_assert_int_eq(ks_store_box(&sp, key, strlen(key), h, &v, false), KEEL_OK);
    if (expire_ms == DK_NO_EXPIRY) return;
    dk_ref r;
    ck_assert(ks_find(&sp, key, strlen(key), h, 0, &r, NULL, false));
    ks_set_expiry(&sp, r, expire_ms);
}

START_TEST(test_gate_databases_have_their_own_tables_and_counts) {
    shard *s = srv->shards[0];
    ck_assert_uint_eq(s->ndbs, 4);
    ck_assert_ptr_nonnull(shard_table(s, 0));
    ck_assert_ptr_null(shard_table(s, 2)); /* made when a key comes */
    put(s, 0, "a", DK_NO_EXPIRY);
    put(s, 2, "a", 5000);
    put(s, 2, "b", DK_NO_EXPIRY);
    shard_sync_counts(s);
    ck_assert_uint_eq(atomic_load(&s->dbs[0].nkeys), 1);
    ck_assert_uint_eq(atomic_load(&s->dbs[2].nkeys), 2);
    ck_assert_uint_eq(atomic_load(&s->dbs[2].nexpires), 1);
    ck_assert_int_eq(atomic_load(&s->dbs[2].expiry_mean), 5000);
    shard_swap_dbs(s, 2, 3);
    ck_assert_ptr_null(shard_table(s, 2));
    ck_assert_uint_eq(atomic_load(&s->dbs[2].nkeys), 0);
    ck_assert_uint_eq(atomic_load(&s->dbs[3].nkeys), 2);
    ck_assert_uint_eq(atomic_load(&s->dbs[3].nexpires), 1);
    ks_flush(s, 0);
    ck_assert_uint_eq(atomic_load(&s->dbs[0].nkeys), 0);
    ck_assert_uint_eq(dk_table_count(shard_table(s, 3)), 2);
    ks_flush(s, 2); /* a database with no table here: nothing to do */
}
END_TEST

START_TEST(test_gate_database_index_reads_like_redis) {
    uint32_t db = 99;
    struct {
        const char *text;
        db_index_status want;
    } cases[] = {{"3", DB_INDEX_OK},
                 {"0", DB_INDEX_OK},
                 {"4", DB_INDEX_OUT_OF_RANGE},
                 {"-1", DB_INDEX_OUT_OF_RANGE},
                 {"x", DB_INDEX_NOT_INT},
                 {"", DB_INDEX_NOT_INT},
                 {"01", DB_INDEX_NOT_INT},
                 {"+1", DB_INDEX_NOT_INT},
                 {"2147483648", DB_INDEX_INT_RANGE},
                 {"-2147483649", DB_INDEX_INT_RANGE},
                 {"2147483647", DB_INDEX_OUT_OF_RANGE},
                 {"99999999999999999999", DB_INDEX_NOT_INT}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        keel_arg a = {cases[i].text, strlen(cases[i].text)};
        ck_assert_msg(db_parse_index(&a, &db) == cases[i].want, "%s", cases[i].text);
    }
    keel_arg three = {"3", 1};
    ck_assert_int_eq(db_parse_index(&three, &db), DB_INDEX_OK);
    ck_assert_uint_eq(db, 3);
}
END_TEST

static Suite *gate_suite(void) {
    Suite *s = suite_create("gate");
    TCase *tc = tcase_create("one thread");
    tcase_add_checked_fixture(tc, setup_one, world_down);
    tcase_add_test(tc, test_gate_waits_for_holders_and_holds_newcomers_back);
    tcase_add_test(tc, test_gate_lets_the_holders_it_waits_for_through);
    tcase_add_test(tc, test_gate_lets_a_holder_of_other_keys_read_an_undeclared_one);
    tcase_add_test(tc, test_gate_queues_behind_another_gate);
    tcase_add_test(tc, test_gate_databases_have_their_own_tables_and_counts);
    tcase_add_test(tc, test_gate_database_index_reads_like_redis);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(gate_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
