/* fuzz_http_parse.c -- fuzz target: arbitrary bytes through http.so's request parser, fed as the
 * core feeds a connection.
 *
 * Each input is parsed twice: whole, and trickled in windows whose growth the first byte picks
 * (jumping to req.need or not).  Both must give the same requests and the same end, every answer
 * must keep the parser's promises (consumed inside the window, need past it, a refusal with a
 * status the module knows), and each window is its own exact-size heap block, so
 * AddressSanitizer sees any read past it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "proto/http/parse.h"

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

static bool known_refusal(int status) {
    static const int known[] = {400, 413, 414, 431, 501, 505};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (status == known[i]) return true;
    return false;
}

static uint64_t mix_request(uint64_t h, const http_request *req) {
    int fields[] = {(int)req->resource, req->head, req->method_allowed, req->keep_alive};
    h = mix(h, fields, sizeof fields);
    return mix(h, &req->consumed, sizeof req->consumed);
}

/* Parses data[0..size) in windows growing by `step` bytes (or jumping to req.need), request
 * after request, until a refusal, a request that closes, or the end of the bytes. */
static uint64_t run(const uint8_t *data, size_t size, size_t step, bool honour_need) {
    uint64_t h = 0xcbf29ce484222325ull;
    size_t start = 0, wlen = step < size ? step : size;
    while (start < size) {
        char *buf = malloc(wlen ? wlen : 1);
        CHECK(buf);
        memcpy(buf, data + start, wlen);
        http_request req;
        http_parse_status r = http_parse(buf, wlen, &req);
        free(buf);
        if (r == HTTP_PARSED) {
            CHECK(req.consumed > 0 && req.consumed <= wlen);
            h = mix_request(h, &req);
            if (!req.keep_alive) return mix(h, "CLOSE", 5);
            start += req.consumed;
            wlen -= req.consumed;
            if (wlen == 0) wlen = step < size - start ? step : size - start;
        } else if (r == HTTP_NEED) {
            CHECK(req.need == 0 || req.need > wlen);
            CHECK(wlen < HTTP_MAX_HEAD || req.need > 0); /* a head past the limit is refused */
            if (start + wlen == size) return mix(h, "NEED", 4);
            size_t next = wlen + step;
            if (honour_need && req.need > next) next = req.need;
            wlen = next < size - start ? next : size - start;
        } else {
            CHECK(r == HTTP_REFUSED && known_refusal(req.status));
            CHECK(strlen(http_status_text(req.status)) > 4);
            return mix(h, &req.status, sizeof req.status);
        }
    }
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    size_t step = (size_t)(data[0] & 0x7f) * 8 + 1;
    bool honour_need = data[0] & 0x80;
    data++;
    size--;
    uint64_t whole = run(data, size, size ? size : 1, false);
    uint64_t trickled = run(data, size, step, honour_need);
    CHECK(whole == trickled);
    return 0;
}
