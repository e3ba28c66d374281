/* calls.c -- running child commands from dump.so's opcodes (calls.h). */
#include "calls.h"

#include <stdlib.h>

keel_op_result dump_call(keel_proc *p, bool *pending, uint32_t argc, const keel_arg *argv) {
    if (!*pending) {
        keel_status st = keel_call(p, argc, argv);
        if (st == KEEL_WAIT) {
            *pending = true;
            return KEEL_BLOCK;
        }
        if (st == KEEL_MOVED) return KEEL_HOP;
        if (st != KEEL_OK) {
            keel_reply_error(p, "ERR internal call failed");
            return KEEL_FAIL;
        }
    }
    *pending = false;
    if (!keel_call_reply(p)) {
        keel_reply_error(p, "ERR internal call gave no reply");
        return KEEL_FAIL;
    }
    return KEEL_NEXT;
}

void *dump_state(keel_proc *p, size_t size, void (*cleanup)(void *state)) {
    if (p->reg[0].type == DK_PTR) return (void *)(uintptr_t)p->reg[0].v.ptr;
    void *s = calloc(1, size);
    if (!s) return NULL;
    if (keel_proc_defer_free(p, cleanup, s) != KEEL_OK) {
        free(s);
        return NULL;
    }
    p->reg[0] = dk_ptr(s);
    return s;
}
