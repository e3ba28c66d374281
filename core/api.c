/* api.c -- the SDK function table, and the SDK calls that are thin wrappers over the core
 * (registration, logging, memory, process basics, buffers). */
#include "config.h"
#include "api.h"
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "registry.h"
#include "thread.h"
#include "zvm.h"

#include <stdio.h>
#include <string.h>

#define API_ENTRY(ret, name, params) .name = keel_##name,
static const keel_api api = {.size = sizeof(keel_api),
                             .abi_major = KEEL_ABI_MAJOR,
                             .abi_minor = KEEL_ABI_MINOR,
                             KEEL_API_LIST(API_ENTRY)};
#undef API_ENTRY

const keel_api *api_table(void) {
    return &api;
}

keel_status keel_register_command(keel_module *m, const keel_cmd_def *def, const char **err) {
    return reg_command(m, def, err);
}
keel_status keel_register_opcode(keel_module *m, const keel_opcode_def *def, const char **err) {
    return reg_opcode(m, def, err);
}
keel_status keel_register_type(keel_module *m, const keel_type_def *def, keel_type_id *id,
                               const char **err) {
    return reg_type(m, def, id, err);
}
keel_status keel_register_protocol(keel_module *m, const keel_proto_def *def, const char **err) {
    return reg_protocol(m, def, err);
}

keel_status keel_register_info(keel_module *m, const char *name, keel_info_fn fn,
                               const char **err) {
    return reg_info(m, name, fn, err);
}

keel_status keel_register_publisher(keel_module *m, keel_publish_fn fn, const char **err) {
    return reg_publisher(m, fn, err);
}

int64_t keel_publish(const keel_arg *path, uint32_t npath, unsigned flags, const void *channel,
                     size_t clen, const void *message, size_t mlen) {
    keel_publish_fn fn = reg_publisher_fn(); /* set before the threads start, never after */
    return fn ? fn(path, npath, flags, channel, clen, message, mlen) : -1;
}

void keel_log(keel_module *m, int level, const char *fmt, ...) {
    char line[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_msg(level, "module %s: %s", loader_module_name(m), line);
}

void *keel_alloc(size_t n) {
    return mem_alloc(n);
}
void *keel_calloc(size_t count, size_t n) {
    return mem_calloc(count, n);
}
void *keel_realloc(void *ptr, size_t n) {
    return mem_realloc(ptr, n);
}
void keel_free(void *ptr) {
    mem_free(ptr);
}

void *keel_proc_alloc(keel_proc *p, size_t n) {
    return zvm_alloc(zvm_of(p), n);
}

void *keel_proc_keep(keel_proc *kp, size_t n) {
    zvm_proc *p = zvm_of(kp);
    if (p->keep) return n <= p->keep_len ? p->keep : NULL;
    p->keep = zvm_alloc(p, n ? n : 1);
    memset(p->keep, 0, n ? n : 1);
    p->keep_len = n;
    return p->keep;
}

keel_conn *keel_proc_conn(keel_proc *p) {
    zvm_proc *z = zvm_of(p);
    if (!z->cmd || !(z->cmd->def->flags & KEEL_CMD_CONN) || z->cur != z->home) return NULL;
    return z->conn;
}

int64_t keel_now_ms(keel_proc *p) {
    return zvm_of(p)->cur->now_ms;
}

const char *keel_proc_command(keel_proc *p) {
    zvm_proc *z = zvm_of(p);
    return z->cmd_name ? z->cmd_name : z->cmd ? z->cmd->lname : "";
}

char *keel_buf_reserve(keel_buf *b, size_t n) {
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n)
            cap *= 2;
        b->data = mem_realloc(b->data, cap);
        b->cap = cap;
    }
    return b->data + b->len;
}
