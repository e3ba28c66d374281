/* zvm_program.c -- building programs from module templates (resolving opcode names to handlers,
 * checking operands and jump targets) and listing them for DEBUG ZVM EXPLAIN. */
#include "config.h"
#include "zvm.h"
#include "mem.h"
#include "loader.h"
#include "registry.h"
#include "server.h"
#include "shard.h"
#include "thread.h"

#include <stdio.h>
#include <string.h>

static bool operand_ok(uint8_t o) {
    return o == KEEL_NONE || KEEL_IS_REG(o) || (KEEL_IS_ARG(o) && o != 0x7f);
}

zvm_program *zvm_program_build(const keel_insn_def *tmpl, bool lock_prologue, char *err,
                               size_t errlen) {
    uint32_t n = 0;
    while (tmpl && tmpl[n].op)
        n++;
    uint32_t off = lock_prologue ? 1 : 0;
    if (n + off == 0) {
        snprintf(err, errlen, "the program is empty");
        return NULL;
    }
    zvm_program *prog = mem_calloc(1, sizeof *prog + sizeof prog->insn[0] * (n + off));
    prog->n = n + off;
    if (lock_prologue) {
        const op_entry *lock = op_lookup("key.lock");
        prog->insn[0].fn = lock->def.fn;
        prog->insn[0].op = lock->number;
        prog->insn[0].a = prog->insn[0].b = prog->insn[0].c = KEEL_NONE;
    }
    for (uint32_t i = 0; i < n; i++) {
        const keel_insn_def *t = &tmpl[i];
        const op_entry *op = op_lookup(t->op);
        if (!op) {
            snprintf(err, errlen,
                     "instruction %u uses opcode '%s', which no loaded module provides", i, t->op);
            goto fail;
        }
        if (!operand_ok(t->a) || !operand_ok(t->b) || !operand_ok(t->c)) {
            snprintf(err, errlen,
                     "instruction %u (%s) has an operand that is neither a register, an argument "
                     "nor KEEL_NONE",
                     i, t->op);
            goto fail;
        }
        keel_insn *in = &prog->insn[i + off];
        in->fn = op->def.fn;
        in->op = op->number;
        in->a = t->a;
        in->b = t->b;
        in->c = t->c;
        in->imm = t->imm;
        if (op->def.flags & KEEL_OP_JUMPS) {
            if (t->imm < 0 || t->imm >= (int64_t)n) {
                snprintf(err, errlen, "instruction %u (%s) jumps to %lld, outside the program", i,
                         t->op, (long long)t->imm);
                goto fail;
            }
            in->imm = t->imm + off;
        }
    }
    return prog;
fail:
    mem_free(prog);
    return NULL;
}

void zvm_program_free(zvm_program *prog) {
    mem_free(prog);
}

static void operand_text(char *out, size_t cap, uint8_t o, const zvm_proc *subject) {
    if (o == KEEL_NONE)
        snprintf(out, cap, "-");
    else if (KEEL_IS_REG(o))
        snprintf(out, cap, "r%u", o);
    else if (subject && KEEL_ARG_INDEX(o) < subject->pub.argc)
        snprintf(out, cap, "argv[%u]=\"%.24s\"", KEEL_ARG_INDEX(o),
                 subject->pub.argv[KEEL_ARG_INDEX(o)].ptr);
    else
        snprintf(out, cap, "argv[%u]", KEEL_ARG_INDEX(o));
}

void zvm_explain(zvm_proc *out, const zvm_program *prog, const zvm_proc *subject) {
    keel_proc *kp = &out->pub;
    keel_reply_open(kp, KEEL_REPLY_ARRAY);
    char line[512];
    if (subject && subject->cmd) {
        snprintf(line, sizeof line,
                 "command %s (module %s, flags 0x%llx), %u instructions, %u key(s) on %u shard(s)",
                 subject->cmd->lname, loader_module_name(subject->cmd->module),
                 (unsigned long long)subject->cmd->def->flags, prog->n, subject->nkeys,
                 subject->nlshards);
        keel_reply_simple(kp, line);
        for (uint32_t i = 0; i < subject->nkeys; i++) {
            snprintf(line, sizeof line, "key argv[%u]=\"%.40s\" hash %016llx shard %u thread %d",
                     subject->keys[i].argi, subject->keys[i].ptr,
                     (unsigned long long)subject->keys[i].hash, subject->keys[i].shard,
                     shard_get(subject->keys[i].shard)->owner->id);
            keel_reply_simple(kp, line);
        }
    }
    for (uint32_t i = 0; i < prog->n; i++) {
        const keel_insn *in = &prog->insn[i];
        const op_entry *op = op_by_number(in->op);
        char opnds[200] = "";
        size_t used = 0;
        const uint8_t codes[3] = {in->a, in->b, in->c};
        const char names[3] = {'a', 'b', 'c'};
        for (int k = 0; k < 3; k++) {
            if (!((op->def.reads | op->def.writes) & (1u << k))) continue;
            char t[64];
            operand_text(t, sizeof t, codes[k], subject);
            int w = snprintf(opnds + used, sizeof opnds - used, "%c=%s%s ", names[k], t,
                             (op->def.writes & (1u << k)) ? "(w)" : "");
            if (w > 0 && (size_t)w < sizeof opnds - used) used += (size_t)w;
        }
        snprintf(line, sizeof line, "%04u %-22s %simm=%lld cost=%u%s%s%s ; %s", i, op->def.name,
                 opnds, (long long)in->imm, op->def.cost,
                 (op->def.flags & KEEL_OP_MAY_YIELD) ? " may-yield" : "",
                 (op->def.flags & KEEL_OP_MAY_HOP) ? " may-hop" : "",
                 (op->def.flags & KEEL_OP_MAY_BLOCK) ? " may-block" : "",
                 op->def.synopsis ? op->def.synopsis : "");
        keel_reply_simple(kp, line);
    }
    keel_reply_close(kp);
}
