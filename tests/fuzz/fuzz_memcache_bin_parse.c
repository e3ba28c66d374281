/* fuzz_memcache_bin_parse.c -- fuzz target: arbitrary bytes through the memcached binary parser,
 * fed as a core would.
 *
 * The first byte picks a window size, whether to jump to req.need, and the item size limit (a
 * small one makes refusals common).  Each input is parsed whole and trickled; both must give the
 * same requests, tags and outcome.  Every argument must lie inside the window (its own
 * exact-size heap block, so AddressSanitizer sees any overread) or the parser's state, or be one
 * of the parser's constant words; consumed bytes make progress; a need is more than what was
 * given; an error names its status; and the parser allocates nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "proto/memcache/bin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

static uint64_t mix(uint64_t h, const void *p, size_t n) {
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    return h;
}

static bool inside(const void *p, size_t n, const void *base, size_t cap) {
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return a >= b && n <= cap && a - b <= cap - n;
}

/* The words the parser hands out from its own constants. */
static bool constant_word(const keel_arg *a) {
    static const char *const words[] = {"MS", "ME", "MR", "MA",  "MP",    "M+",
                                        "M-", "c",  "v",  "set", "store", "default"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (a->len == strlen(words[i]) && !memcmp(a->ptr, words[i], a->len)) return true;
    return false;
}

static uint64_t mix_request(uint64_t h, const mc_bin_parser *bp, const keel_request *req,
                            const char *buf, size_t len) {
    CHECK(req->argc >= 1 && req->argc <= MC_BIN_MAX_ARGS);
    CHECK(mc_tag_kind(req->tag) == MC_KIND_BIN);
    h = mix(h, &req->argc, sizeof req->argc);
    h = mix(h, &req->tag, sizeof req->tag);
    h = mix(h, &req->consumed, sizeof req->consumed);
    for (uint32_t i = 0; i < req->argc; i++) {
        const keel_arg *a = &req->argv[i];
        CHECK(i == 0 || inside(a->ptr, a->len, buf, len) ||
              inside(a->ptr, a->len, bp, sizeof *bp) || constant_word(a));
        h = mix(h, &a->len, sizeof a->len);
        h = mix(h, a->ptr, a->len);
    }
    return h;
}

static uint64_t run(const uint8_t *data, size_t size, size_t step, bool honour_need,
                    uint64_t item_max) {
    mc_bin_parser bp;
    memset(&bp, 0, sizeof bp);
    uint64_t h = 0xcbf29ce484222325ull;
    size_t start = 0, wlen = step < size ? step : size;
    while (start < size) {
        char *buf = malloc(wlen ? wlen : 1);
        CHECK(buf);
        memcpy(buf, data + start, wlen);
        keel_request req;
        memset(&req, 0, sizeof req);
        req.size = sizeof req;
        keel_parse_result r = mc_parse_bin(&bp, item_max, buf, wlen, &req);
        if (r == KEEL_PARSE_OK) {
            CHECK(req.consumed > 0 && req.consumed <= wlen);
            if (req.argc) h = mix_request(h, &bp, &req, buf, wlen);
            if (req.reply_only) h = mix(h, &req.tag, sizeof req.tag);
            start += req.consumed;
            wlen -= req.consumed;
            if (wlen == 0) wlen = step < size - start ? step : size - start;
        } else if (r == KEEL_PARSE_NEED) {
            CHECK(req.need == 0 || req.need > wlen);
            if (start + wlen == size) {
                h = mix(h, "NEED", 4);
                free(buf);
                break;
            }
            size_t next = wlen + step;
            if (honour_need && req.need > next) next = req.need;
            wlen = next < size - start ? next : size - start;
        } else {
            CHECK(r == KEEL_PARSE_CLOSE || (r == KEEL_PARSE_ERROR && req.error && bp.error_status));
            h = mix(h, &r, sizeof r);
            if (req.error) h = mix(h, req.error, strlen(req.error));
            free(buf);
            break;
        }
        free(buf);
    }
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    fake_api_reset();
    long live = fake_api_live_allocs();
    size_t step = (size_t)(data[0] & 0x3f) + 1;
    bool honour_need = data[0] & 0x40;
    uint64_t item_max = (data[0] & 0x80) ? 16 : 1024 * 1024;
    data++;
    size--;
    uint64_t whole = run(data, size, size ? size : 1, false, item_max);
    uint64_t trickled = run(data, size, step, honour_need, item_max);
    CHECK(whole == trickled);
    CHECK(fake_api_live_allocs() == live);
    return 0;
}
