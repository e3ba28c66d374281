/* zvm_world.c -- the hand-driven server the zvm unit tests share (see zvm_world.h). */
#include "config.h"
#include "zvm_world.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "keyspace.h"
#include "loader.h"
#include "mem.h"
#include "server.h"
#include "shard.h"

char world_order[256];
int world_done;
int64_t world_last_int;
bool world_last_nil;
static size_t norder;
static server test_server;

static keel_cmd_def one_key_def = {.size = sizeof(keel_cmd_def),
                                   .name = "T1",
                                   .arity = -2,
                                   .first_key = 1,
                                   .last_key = 1,
                                   .key_step = 1};
static keel_cmd_def all_keys_def = {.size = sizeof(keel_cmd_def),
                                    .name = "TN",
                                    .arity = -2,
                                    .first_key = 1,
                                    .last_key = -1,
                                    .key_step = 1};
cmd_entry world_one_key = {.def = &one_key_def};
cmd_entry world_all_keys = {.def = &all_keys_def};

void world_note(char c) {
    if (norder + 1 < sizeof world_order) {
        world_order[norder++] = c;
        world_order[norder] = '\0';
    }
}

void world_up(int nthreads, uint32_t nshards, const keel_opcode_def *ops, size_t nops) {
    memset(&test_server, 0, sizeof test_server);
    srv = &test_server;
    srv->shutdown_fd = -1;
    pthread_mutex_init(&srv->clients_lock, NULL);
    srv->nthreads = nthreads;
    srv->nshards = nshards;
    srv->ndbs = 4;
    srv->threads = mem_calloc((size_t)nthreads, sizeof *srv->threads);
    srv->shards = mem_calloc(nshards, sizeof *srv->shards);
    for (int i = 0; i < nthreads; i++)
        srv->threads[i] = thr_new(i, nthreads);
    for (uint32_t s = 0; s < nshards; s++) {
        thr *t = srv->threads[(uint64_t)s * (uint64_t)nthreads / nshards];
        srv->shards[s] = shard_new(s, t, srv->ndbs);
        t->shards = mem_realloc(t->shards, sizeof *t->shards * (size_t)(t->nshards + 1));
        t->shards[t->nshards++] = srv->shards[s];
    }
    keel_module *core = loader_core_module();
    core->in_init = true;
    zvm_register_core_opcodes(core);
    for (size_t i = 0; i < nops; i++)
        ck_assert_int_eq(reg_opcode(core, &ops[i], NULL), KEEL_OK);
    core->in_init = false;
    norder = 0;
    world_order[0] = '\0';
    world_done = 0;
}

void world_down(void) {
    for (uint32_t s = 0; s < srv->nshards; s++)
        shard_free(srv->shards[s]);
    for (int i = 0; i < srv->nthreads; i++)
        thr_free(srv->threads[i]);
    mem_free(srv->shards);
    mem_free(srv->threads);
    reg_free();
}

zvm_program *world_build(const keel_insn_def *tmpl, bool prologue) {
    char err[200];
    zvm_program *prog = zvm_program_build(tmpl, prologue, err, sizeof err);
    ck_assert_msg(prog != NULL, "build failed: %s", err);
    return prog;
}

static void on_done(zvm_proc *p) {
    world_done++;
    const keel_reply *r = p->reply_first;
    world_last_int = r && r->type == KEEL_REPLY_INT ? r->v.i : -1;
    world_last_nil = r && r->type == KEEL_REPLY_NIL;
    world_note('.');
    zvm_proc_recycle(p);
}

zvm_proc *world_proc(thr *t, const zvm_program *prog, const cmd_entry *ce, const char *a1,
                     const char *a2) {
    zvm_proc *p = zvm_proc_new(t);
    keel_arg argv[3] = {{"T", 1}, {a1, strlen(a1)}, {a2 ? a2 : "", a2 ? strlen(a2) : 0}};
    zvm_set_argv(p, a2 ? 3 : 2, argv);
    p->cmd = ce;
    p->prog = prog;
    p->done = on_done;
    if (ce) ck_assert(zvm_set_keys(p));
    return p;
}

int world_run(thr *t) {
    int turns = 0;
    while ((t->runq_head || !CK_STACK_ISEMPTY(&t->inbox)) && turns < 10000) {
        thr_drain_inbox(t);
        thr_run_ready(t);
        turns++;
    }
    return turns;
}

void world_run_all(void) {
    for (int rounds = 0; rounds < 1000; rounds++) {
        int turns = 0;
        for (int i = 0; i < srv->nthreads; i++)
            turns += world_run(srv->threads[i]);
        if (turns == 0) return;
    }
}

const char *world_key_on_shard(uint32_t want, char *buf, size_t cap) {
    for (int i = 0;; i++) {
        snprintf(buf, cap, "key%d", i);
        if (shard_of_hash(ks_hash(buf, strlen(buf)), srv->nshards) == want) return buf;
    }
}
