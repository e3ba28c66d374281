/* fuzz_memcache_parse.c -- fuzz target: arbitrary bytes through the memcached parser, fed as a
 * core would.
 *
 * Each input is parsed twice: whole, and trickled in windows whose size the first byte picks
 * (jumping to req.need or not).  Both must give the same requests, tags and final outcome; every
 * argument must lie inside the window handed over (its own exact-size heap block, so
 * AddressSanitizer sees any overread), inside the parser, or be a command name; consumed bytes
 * must make progress; and the parser allocates nothing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "proto/memcache/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) abort();                                                                      \
    } while (0)

/* FNV-1a over everything parsed, so two runs compare without keeping their requests. */
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

static uint64_t mix_request(uint64_t h, const mc_parser *ps, const keel_request *req,
                            const char *buf, size_t len) {
    CHECK(req->argc >= 1 && req->argc <= MC_MAX_TOKENS + 2);
    h = mix(h, &req->argc, sizeof req->argc);
    h = mix(h, &req->tag, sizeof req->tag);
    h = mix(h, &req->consumed, sizeof req->consumed);
    for (uint32_t i = 0; i < req->argc; i++) {
        const keel_arg *a = &req->argv[i];
        CHECK(i == 0 || inside(a->ptr, a->len, buf, len) || inside(a->ptr, a->len, ps, sizeof *ps));
        h = mix(h, &a->len, sizeof a->len);
        h = mix(h, a->ptr, a->len);
    }
    return h;
}

/* Parses data[0..size) in windows growing by `step` bytes (or jumping to req.need). */
static uint64_t run(const uint8_t *data, size_t size, size_t step, bool honour_need) {
    mc_parser ps;
    memset(&ps, 0, sizeof ps);
    uint64_t h = 0xcbf29ce484222325ull;
    size_t start = 0, wlen = step < size ? step : size;
    while (start < size) {
        char *buf = malloc(wlen ? wlen : 1);
        CHECK(buf);
        memcpy(buf, data + start, wlen);
        keel_request req;
        memset(&req, 0, sizeof req);
        req.size = sizeof req;
        keel_parse_result r = mc_parse(&ps, buf, wlen, &req);
        if (r == KEEL_PARSE_OK) {
            CHECK(req.consumed > 0 && req.consumed <= wlen);
            if (req.argc) h = mix_request(h, &ps, &req, buf, wlen);
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
            CHECK(r == KEEL_PARSE_CLOSE ||
                  (r == KEEL_PARSE_ERROR && req.error && !strncmp(req.error, "CLIENT_ERROR ", 13)));
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
    size_t step = (size_t)(data[0] & 0x7f) + 1;
    bool honour_need = data[0] & 0x80;
    data++;
    size--;
    uint64_t whole = run(data, size, size ? size : 1, false);
    uint64_t trickled = run(data, size, step, honour_need);
    CHECK(whole == trickled);
    CHECK(fake_api_live_allocs() == live);
    return 0;
}
