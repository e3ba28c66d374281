/* vm.h -- the zvm as modules see it: processes, instructions, opcode handlers, programs.
 *
 * A command runs as a zvm process: a program (array of instructions), registers, a program
 * counter and a reduction budget.  Each instruction holds its handler's address (direct
 * threading, resolved when the module's programs are built).  A handler does a bounded amount
 * of work, keeps any state it needs across a yield in registers (or arena memory a register
 * points to), and returns what the VM should do next.
 */
#ifndef KEEL_VM_H
#define KEEL_VM_H

#include <stddef.h>
#include <stdint.h>
#include <datakit/box.h>

#define KEEL_NREGS 16

/* One command argument.  ptr is NUL-terminated (the terminator is not counted in len) and
 * lives in the process arena for the whole life of the process. */
typedef struct keel_arg {
    const char *ptr;
    size_t len;
} keel_arg;

/* The public head of a process.  The core's own process struct starts with this one; fields
 * are only ever appended (size says how many this core has). */
typedef struct keel_proc {
    uint32_t size; /* sizeof(struct keel_proc) as the core built it */
    uint32_t argc; /* number of arguments, argv[0] is the command name */
    const keel_arg *argv;
    dk_val *reg;    /* registers r0 .. r(KEEL_NREGS-1); r0.. start as DK_NULL */
    int64_t budget; /* reductions left in this time slice */
} keel_proc;

/* What a handler tells the VM. */
typedef enum keel_op_result {
    KEEL_NEXT = 0, /* continue with the next instruction */
    KEEL_JUMP,     /* continue at instruction in->imm (a loop-back: the budget is checked) */
    KEEL_YIELD,    /* requeue behind other work; re-run this same instruction on resume */
    KEEL_BLOCK,    /* park until woken (a released lock, a push); re-run this instruction */
    KEEL_HOP,      /* move to the thread that owns the key just asked for; re-run there */
    KEEL_DONE,     /* finished: the reply is complete */
    KEEL_FAIL      /* failed: an error reply has been set (keel_reply_error) */
} keel_op_result;

typedef struct keel_insn keel_insn;
typedef keel_op_result (*keel_op_fn)(keel_proc *p, const keel_insn *in);

/* A resolved instruction (24 bytes). */
struct keel_insn {
    keel_op_fn fn;   /* handler, resolved when the program was built */
    uint32_t op;     /* opcode number (for DEBUG ZVM EXPLAIN) */
    uint8_t a, b, c; /* operands: see KEEL_R / KEEL_A below */
    uint8_t flags;   /* reserved, 0 */
    int64_t imm;     /* immediate: jump target, count, option bits */
};

/* Operand codes: a register, an argument, or nothing.  The opcode's documentation says
 * which operands it reads and writes. */
#define KEEL_R(n) ((uint8_t)(n))           /* register n, 0 <= n < KEEL_NREGS */
#define KEEL_A(n) ((uint8_t)(0x40u | (n))) /* argv[n], 0 <= n < 63 */
#define KEEL_NONE ((uint8_t)0xffu)
#define KEEL_IS_REG(o) ((o) < KEEL_NREGS)
#define KEEL_IS_ARG(o) (((o)&0xc0u) == 0x40u)
#define KEEL_ARG_INDEX(o) ((o)&0x3fu)

/* An operand as a value: a register's contents, or an argument as bytes (DK_NULL when the
 * argument index is past argc, or for KEEL_NONE). */
static inline dk_val keel_opnd(const keel_proc *p, uint8_t o) {
    if (KEEL_IS_REG(o)) return p->reg[o];
    if (KEEL_IS_ARG(o) && KEEL_ARG_INDEX(o) < p->argc)
        return dk_bytes(p->argv[KEEL_ARG_INDEX(o)].ptr, p->argv[KEEL_ARG_INDEX(o)].len);
    return dk_null();
}

/* Charges n reductions; true when the budget is spent and the handler should save its
 * position in registers and return KEEL_YIELD. */
static inline int keel_charge(keel_proc *p, int64_t n) {
    p->budget -= n;
    return p->budget <= 0;
}

/* One entry of a program template, as a module writes it.  Programs are arrays of these
 * ending with {NULL}; jump targets (imm of jumping opcodes) are indexes into the array. */
typedef struct keel_insn_def {
    const char *op; /* opcode name, "module.op"; NULL ends the program */
    uint8_t a, b, c;
    int64_t imm;
} keel_insn_def;

/* Ends a program template: static const keel_insn_def prog[] = {{.op = "m.op"}, KEEL_END}; */
#define KEEL_END                                                                                   \
    { .op = NULL }

/* Which operands an opcode reads and writes (for EXPLAIN and checks). */
#define KEEL_OPND_A 1u
#define KEEL_OPND_B 2u
#define KEEL_OPND_C 4u

/* Opcode flags. */
#define KEEL_OP_MAY_YIELD (1u << 0) /* may return KEEL_YIELD (long, per-element work) */
#define KEEL_OP_MAY_BLOCK (1u << 1) /* may return KEEL_BLOCK */
#define KEEL_OP_MAY_HOP (1u << 2)   /* touches keys: may return KEEL_HOP */
#define KEEL_OP_JUMPS (1u << 3)     /* may return KEEL_JUMP to in->imm */
#define KEEL_OP_FLAGS_ALL 0x0fu

/* An opcode, as a module registers it. */
typedef struct keel_opcode_def {
    size_t size;      /* sizeof(keel_opcode_def) */
    const char *name; /* "module.op", unique */
    keel_op_fn fn;
    const char *synopsis; /* one line, e.g. "a = value at key b" */
    uint8_t reads;        /* KEEL_OPND_* read */
    uint8_t writes;       /* KEEL_OPND_* written */
    uint32_t cost;        /* reductions the VM charges before each call */
    uint32_t flags;       /* KEEL_OP_* */
} keel_opcode_def;

#endif
