/* eval.c -- EVAL EVALSHA EVAL_RO EVALSHA_RO: run a script (by body or SHA-1) over the keys it
 * declares, locked for its whole run. */
#include "cache.h"
#include "errors.h"
#include "family.h"
#include "alone.h"
#include "learn.h"
#include "run.h"
#include "sha1.h"
#include "shebang.h"
#include "vm.h"

#include <lauxlib.h>
#include <string.h>

#define EVAL_BY_SHA 1
#define EVAL_RO 2

/* The id learn.h knows a call's script by: the SHA-1 (EVAL*) or the function's name (FCALL*). */
static bool call_script_id(int argc, const keel_arg *argv, char *id, size_t cap) {
    if (argc < 2) return false;
    const keel_arg *a = &argv[1];
    if (keel_arg_is(&argv[0], "EVAL") || keel_arg_is(&argv[0], "EVAL_RO")) {
        sha1_hex(a->ptr, a->len, id);
        return true;
    }
    if (a->len + 1 > cap) return false;
    bool by_sha = keel_arg_is(&argv[0], "EVALSHA") || keel_arg_is(&argv[0], "EVALSHA_RO");
    for (size_t i = 0; i < a->len; i++)
        id[i] = (char)(by_sha && a->ptr[i] >= 'A' && a->ptr[i] <= 'Z' ? a->ptr[i] + 32 : a->ptr[i]);
    id[a->len] = '\0';
    return true;
}

int scripting_numkeys_keys(int argc, const keel_arg *argv, int *pos, int max) {
    int64_t n;
    if (argc < 3 || !keel_arg_i64(&argv[2], &n) || n < 0 || n > argc - 3) return 0;
    int count = 0;
    for (; count < n; count++)
        if (count < max) pos[count] = 3 + count;
    char id[128];
    uint32_t learned[LEARN_MAX];
    int nl = learn_count() && call_script_id(argc, argv, id, sizeof id)
                 ? learn_positions(id, learned, LEARN_MAX)
                 : 0;
    for (int i = 0; i < nl; i++) { /* ARGV values known to be keys: hints, locked up front too */
        int at = 3 + (int)n + (int)learned[i] - 1;
        if (at >= argc) break;
        if (count < max) pos[count] = -at;
        count++;
    }
    return count;
}

bool scripting_numkeys_ok(keel_proc *p, int64_t *numkeys, bool function) {
    if (!keel_arg_i64(&p->argv[2], numkeys)) {
        keel_reply_error(p, function ? "ERR Bad number of keys provided"
                                     : "ERR value is not an integer or out of range");
        return false;
    }
    if (*numkeys < 0) {
        keel_reply_error(p, "ERR Number of keys can't be negative");
        return false;
    }
    if (*numkeys > (int64_t)p->argc - 3) {
        keel_reply_error(p, "ERR Number of keys can't be greater than number of args");
        return false;
    }
    return true;
}

keel_op_result scripting_dispatch(keel_proc *p, const scripting_sub *subs, const char *cmd) {
    const keel_arg *sub = &p->argv[1];
    for (const scripting_sub *s = subs; s->name; s++) {
        if (!keel_arg_is(sub, s->name)) continue;
        if (s->arity >= 0 ? p->argc != (uint32_t)s->arity : p->argc < (uint32_t)-s->arity) {
            char lower[32];
            size_t i = 0;
            for (; s->name[i] && i + 1 < sizeof lower; i++)
                lower[i] =
                    (char)(s->name[i] >= 'A' && s->name[i] <= 'Z' ? s->name[i] + 32 : s->name[i]);
            lower[i] = '\0';
            keel_reply_error(p, "ERR wrong number of arguments for '%s|%s' command", cmd, lower);
            return KEEL_FAIL;
        }
        return s->run(p);
    }
    char upper[16];
    size_t i = 0;
    for (; cmd[i] && i + 1 < sizeof upper; i++)
        upper[i] = (char)(cmd[i] - 32);
    upper[i] = '\0';
    keel_reply_error(p, "ERR unknown subcommand '%.128s'. Try %s HELP.", sub->ptr, upper);
    return KEEL_FAIL;
}

/* Pushes a table of argv[from .. from+n). */
static void push_arg_table(lua_State *L, keel_proc *p, uint32_t from, uint32_t n) {
    lua_createtable(L, (int)n, 0);
    for (uint32_t i = 0; i < n; i++) {
        lua_pushlstring(L, p->argv[from + i].ptr, p->argv[from + i].len);
        lua_rawseti(L, -2, (int)i + 1);
    }
}

void scripting_push_keys_args(script_vm *vm, keel_proc *p, int64_t numkeys) {
    push_arg_table(vm->L, p, 3, (uint32_t)numkeys);
    push_arg_table(vm->L, p, 3 + (uint32_t)numkeys, p->argc - 3 - (uint32_t)numkeys);
}

/* Compiles body as the script sha (its shebang read) and pushes it; *meta says what it is.
 * False after replying the error. */
static bool compile_body(keel_proc *p, script_vm *vm, const char *sha, const char *body, size_t len,
                         int *meta) {
    shebang sb;
    const char *err = shebang_parse(p, body, len, &sb);
    if (err) {
        keel_reply_error(p, "%s", err);
        return false;
    }
    *meta = vm_script_meta(sb.no_writes, run_last_code_line(body, len));
    if (vm_compile_script(vm, sha, sb.code, sb.code_len, *meta)) return true;
    keel_reply_error(p, "ERR Error compiling script (new function): %s", lua_tostring(vm->L, -1));
    lua_pop(vm->L, 1);
    return false;
}

/* Pushes the compiled script of an EVAL: this thread's copy, else compiled now and cached
 * server-wide.  False after replying the error. */
static bool push_eval_script(keel_proc *p, script_vm *vm, const char *sha, int *meta) {
    if (vm_push_compiled(vm, sha, meta)) return true;
    const keel_arg *body = &p->argv[1];
    if (!compile_body(p, vm, sha, body->ptr, body->len, meta)) return false;
    cache_add(sha, body->ptr, body->len);
    return true;
}

/* Pushes the compiled script sha names: this thread's copy, else compiled from the cache.
 * False after replying NOSCRIPT. */
static bool push_cached_script(keel_proc *p, script_vm *vm, const char *sha, int *meta) {
    if (vm_push_compiled(vm, sha, meta)) return true;
    char *body;
    size_t len;
    if (!cache_get(sha, &body, &len)) {
        keel_reply_error(p, ERR_NOSCRIPT);
        return false;
    }
    bool ok = compile_body(p, vm, sha, body, len, meta);
    keel_free(body);
    return ok;
}

/* Lower-cases the 40 characters of a SHA-1 argument 8 at a time: bit 7 of a byte of `upper`
 * is set when the byte is 'A'..'Z' (its low 7 bits reach 'A' but not past 'Z', and its own bit 7
 * is clear), and such a byte gains 0x20. */
static void sha_lower(char *dst, const char *src) {
    const uint64_t ones = 0x0101010101010101ull;
    for (int i = 0; i < 40; i += 8) {
        uint64_t w;
        memcpy(&w, src + i, 8);
        uint64_t low7 = w & 0x7f * ones;
        uint64_t from_a = low7 + (0x80 - 'A') * ones;
        uint64_t past_z = low7 + (0x7f - 'Z') * ones;
        uint64_t upper = from_a & ~past_z & ~w & 0x80 * ones;
        w |= upper >> 2;
        memcpy(dst + i, &w, 8);
    }
}

/* Opcode: scripting.eval
 * Operands: imm = EVAL_BY_SHA | EVAL_RO bits.  Registers: r0 = the run (a pointer).
 * Reductions: 1, then what the script spends (its count hook, its calls).  May yield (a slice
 * spent), block (a command it called runs on elsewhere) and start over wider (a key it did not
 * declare is held by another process: see run.h).  After key.lock holds the declared keys. */
static keel_op_result op_eval(keel_proc *p, const keel_insn *in) {
    script_run *run = p->reg[0].type == DK_PTR ? (script_run *)p->reg[0].v.ptr : NULL;
    if (run) return run_step(run);
    int64_t numkeys;
    if (!scripting_numkeys_ok(p, &numkeys, false)) return KEEL_FAIL;
    char sha[41];
    if (in->imm & EVAL_BY_SHA) {
        const keel_arg *a = &p->argv[1];
        if (a->len != 40) {
            keel_reply_error(p, ERR_NOSCRIPT);
            return KEEL_FAIL;
        }
        sha_lower(sha, a->ptr);
        sha[40] = '\0';
    } else {
        sha1_hex(p->argv[1].ptr, p->argv[1].len, sha);
    }
    uint64_t akey = alone_key(sha);
    enum alone_verdict verdict = alone_verdict(akey);
    if (!(in->imm & EVAL_RO) && !keel_proc_alone(p) && verdict == ALONE_NEEDED) {
        keel_proc_restart_alone(p); /* nothing ran yet: start over holding every shard */
        return KEEL_YIELD;
    }
    script_vm *vm = vm_get();
    if (!vm) {
        keel_reply_error(p, "ERR out of memory: no Lua state for scripts");
        return KEEL_FAIL;
    }
    int meta = 0;
    bool ok = (in->imm & EVAL_BY_SHA) ? push_cached_script(p, vm, sha, &meta)
                                      : push_eval_script(p, vm, sha, &meta);
    if (!ok) return KEEL_FAIL;
    run = run_new(p, false, sha, akey);
    run->readonly = (in->imm & EVAL_RO) || vm_meta_no_writes(meta);
    run->fallback_line = vm_meta_last_line(meta);
    run->numkeys = (uint32_t)numkeys;
    run_keep_writes(run, verdict);
    scripting_push_keys_args(vm, p, numkeys);
    run_set_keys_args(run, vm);
    p->reg[0] = dk_ptr(run);
    run_begin(run, vm, 0);
    return run_step(run);
}

static const keel_opcode_def eval_ops[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "scripting.eval",
     .fn = op_eval,
     .synopsis =
         "run the script (imm: 1 by SHA-1, 2 read-only) as a coroutine over the locked keys",
     .cost = 1,
     .flags = KEEL_OP_MAY_YIELD | KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_HOP},
};

static const keel_insn_def eval_prog[] = {{.op = "scripting.eval", .imm = 0}, KEEL_END};
static const keel_insn_def evalsha_prog[] = {{.op = "scripting.eval", .imm = EVAL_BY_SHA},
                                             KEEL_END};
static const keel_insn_def eval_ro_prog[] = {{.op = "scripting.eval", .imm = EVAL_RO}, KEEL_END};
static const keel_insn_def evalsha_ro_prog[] = {
    {.op = "scripting.eval", .imm = EVAL_BY_SHA | EVAL_RO}, KEEL_END};

#define EVAL_KEYS .keys = scripting_numkeys_keys, .arity = -3
static const keel_cmd_def eval_cmds[] = {
    {SCR_CMD, EVAL_KEYS, .name = "EVAL",
     .flags = KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY | KEEL_CMD_WIDE,
     .summary = "Runs a Lua script over the keys it declares, atomically.",
     .syntax = "EVAL script numkeys [key [key ...]] [arg [arg ...]]", .program = eval_prog},
    {SCR_CMD, EVAL_KEYS, .name = "EVALSHA",
     .flags = KEEL_CMD_WRITE | KEEL_CMD_MULTIKEY | KEEL_CMD_WIDE,
     .summary = "Runs a cached script by its SHA-1 digest (NOSCRIPT when it is not cached).",
     .syntax = "EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]", .program = evalsha_prog},
    {SCR_CMD, EVAL_KEYS, .name = "EVAL_RO",
     .flags = KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY | KEEL_CMD_WIDE,
     .summary = "Runs a read-only Lua script: write commands in it fail.",
     .syntax = "EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]", .program = eval_ro_prog},
    {SCR_CMD, EVAL_KEYS, .name = "EVALSHA_RO",
     .flags = KEEL_CMD_READONLY | KEEL_CMD_MULTIKEY | KEEL_CMD_WIDE,
     .summary = "Runs a cached read-only script by its SHA-1 digest.",
     .syntax = "EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]",
     .program = evalsha_ro_prog},
};

const keel_family scripting_eval_family = KEEL_FAMILY(eval_ops, eval_cmds);
