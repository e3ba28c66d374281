/* fuzz_resp_encode.c -- fuzz target: random reply trees through the RESP2 and RESP3 encoder.
 *
 * The input is read as a stream of choices that builds a tree (any type, including invalid
 * ones; headers that announce more or fewer children than are linked; deep or wide shapes).
 * Both encodings must be exactly one well-formed reply, also when the encoder's stack cannot
 * grow, and the encoder must hand back everything it allocated. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "proto/resp/encode.h"
#include "resp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

#define MAX_NODES 20000

typedef struct reader {
    const uint8_t *p, *end;
} reader;

static uint8_t byte(reader *rd) {
    return rd->p < rd->end ? *rd->p++ : 0;
}

static uint64_t u64(reader *rd) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | byte(rd);
    return v;
}

/* One node from the stream; *kids gets how many children to link under it. */
static void make_node(reader *rd, keel_reply *r, uint64_t *kids) {
    memset(r, 0, sizeof *r);
    r->type = byte(rd) % (KEEL_REPLY_TYPE_COUNT + 1); /* the last one is invalid */
    *kids = 0;
    switch (r->type) {
    case KEEL_REPLY_INT:
    case KEEL_REPLY_UINT:
    case KEEL_REPLY_BOOL:
        r->v.u = u64(rd);
        break;
    case KEEL_REPLY_DOUBLE: {
        uint64_t bits = u64(rd);
        memcpy(&r->v.d, &bits, sizeof bits);
        break;
    }
    case KEEL_REPLY_BULK:
    case KEEL_REPLY_SIMPLE:
    case KEEL_REPLY_ERROR:
    case KEEL_REPLY_VERBATIM: {
        size_t n = byte(rd) % 40, left = (size_t)(rd->end - rd->p);
        r->len = (uint32_t)(n < left ? n : left);
        r->v.s = (const char *)rd->p;
        rd->p += r->len;
        break;
    }
    case KEEL_REPLY_ARRAY:
    case KEEL_REPLY_MAP:
    case KEEL_REPLY_SET:
    case KEEL_REPLY_PUSH: {
        uint8_t b = byte(rd);
        r->len = b >= 0xf0 ? (uint32_t)(b - 0xf0) * 100 : b % 6; /* rarely wide */
        uint64_t announced = r->type == KEEL_REPLY_MAP ? 2 * (uint64_t)r->len : r->len;
        uint8_t jitter = byte(rd) % 8; /* usually exact; sometimes one less or one more */
        *kids = jitter == 0 && announced ? announced - 1 : jitter == 1 ? announced + 1 : announced;
        break;
    }
    default:
        break;
    }
}

typedef struct open_node {
    keel_reply *node, *last;
    uint64_t left;
} open_node;

static keel_reply *build(reader *rd, keel_reply *nodes, open_node *stack) {
    size_t used = 0, depth = 0;
    uint64_t kids;
    keel_reply *root = &nodes[used++];
    make_node(rd, root, &kids);
    if (kids) stack[depth++] = (open_node){root, NULL, kids};
    while (depth && used < MAX_NODES && rd->p < rd->end) {
        open_node *top = &stack[depth - 1];
        keel_reply *child = &nodes[used++];
        make_node(rd, child, &kids);
        if (top->last)
            top->last->next = child;
        else
            top->node->v.child = child;
        top->last = child;
        if (--top->left == 0) depth--;
        if (kids) stack[depth++] = (open_node){child, NULL, kids};
    }
    return root;
}

static void *no_alloc(size_t n) {
    (void)n;
    return NULL;
}

static void *no_realloc(void *p, size_t n) {
    (void)p;
    (void)n;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    fake_api_reset();
    keel_api failing = *fake_api_table();
    failing.alloc = no_alloc;
    failing.realloc = no_realloc;
    if (data[0] & 1) keel_api_ptr = &failing;
    reader rd = {data + 1, data + size};
    static keel_reply nodes[MAX_NODES];
    static open_node stack[MAX_NODES];
    const keel_reply *root = build(&rd, nodes, stack);
    long live = fake_api_live_allocs();
    for (int version = 2; version <= 3; version++) {
        keel_buf out = {0};
        resp_encode(root, version, &out);
        CHECK(resp_wire_valid(out.data, out.len, version, 1));
        fake_buf_free(&out);
    }
    CHECK(fake_api_live_allocs() == live);
    keel_api_ptr = fake_api_table();
    return 0;
}
