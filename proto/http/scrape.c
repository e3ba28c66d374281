/* scrape.c -- HTTP.SCRAPE metrics|stats|health|none: what the http protocol serves, gathered by
 * running STATS and INFO as child commands (keel_call), so the numbers are the ones those
 * commands report.  Flagged stats: a network without the stats permission refuses it (403). */
#include <keel/sdk.h>
#include "metrics.h"
#include "scrape.h"

#include <stdlib.h>
#include <string.h>

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* Registers: r0 = step (0: the first child, 1: the second), r1 = the STATS text the metrics
 * step kept (keel_alloc'd, freed with the process), r2 = 1 while a child runs on elsewhere. */
enum { REG_STEP = 0, REG_STATS = 1, REG_PENDING = 2 };

/* Runs argv as a child command.  KEEL_NEXT with *reply set once it finished; otherwise what
 * the opcode returns (it is run again when the child finishes). */
static keel_op_result run_child(keel_proc *p, uint32_t argc, const keel_arg *argv,
                                const keel_reply **reply) {
    if (p->reg[REG_PENDING].type != DK_I64) {
        keel_status st = keel_call(p, argc, argv);
        if (st == KEEL_WAIT) {
            p->reg[REG_PENDING] = dk_i64(1);
            return KEEL_BLOCK;
        }
        if (st == KEEL_MOVED) return KEEL_HOP;
        if (st != KEEL_OK) {
            keel_reply_error(p, "ERR internal call failed");
            return KEEL_FAIL;
        }
    }
    p->reg[REG_PENDING] = dk_null();
    *reply = keel_call_reply(p);
    if (!*reply) {
        keel_reply_error(p, "ERR internal call gave no reply");
        return KEEL_FAIL;
    }
    if ((*reply)->type == KEEL_REPLY_ERROR) {
        keel_reply_error(p, "%.*s", (int)(*reply)->len, (*reply)->v.s);
        return KEEL_FAIL;
    }
    return KEEL_NEXT;
}

/* The text of a bulk or verbatim reply (a verbatim one without its "fmt:" prefix). */
static const char *reply_text(const keel_reply *r, size_t *n) {
    if (r->type == KEEL_REPLY_VERBATIM && r->len >= 4) {
        *n = r->len - 4;
        return r->v.s + 4;
    }
    if (r->type == KEEL_REPLY_BULK || r->type == KEEL_REPLY_SIMPLE) {
        *n = r->len;
        return r->v.s;
    }
    *n = 0;
    return "";
}

static keel_op_result scrape_stats(keel_proc *p) {
    static const keel_arg argv[] = {{"STATS", 5}};
    const keel_reply *r;
    keel_op_result res = run_child(p, COUNT_OF(argv), argv, &r);
    if (res != KEEL_NEXT) return res;
    size_t n;
    const char *s = reply_text(r, &n);
    keel_reply_bulk(p, s, n);
    return KEEL_DONE;
}

/* "ok" unless the dataset is still loading (then an error that HTTP answers with 503). */
static keel_op_result scrape_health(keel_proc *p) {
    static const keel_arg argv[] = {{"STATS", 5}, {"persistence", 11}};
    const keel_reply *r;
    keel_op_result res = run_child(p, COUNT_OF(argv), argv, &r);
    if (res != KEEL_NEXT) return res;
    size_t n;
    const char *s = reply_text(r, &n);
    static const char loading[] = "\"loading\":true";
    for (size_t i = 0; i + sizeof loading - 1 <= n; i++) {
        if (!memcmp(s + i, loading, sizeof loading - 1)) {
            keel_reply_error(p, "LOADING Keel is loading the dataset in memory");
            return KEEL_FAIL;
        }
    }
    keel_reply_bulk(p, "ok\n", 3);
    return KEEL_DONE;
}

/* Step 0 keeps STATS's text, step 1 runs INFO and writes both out as Prometheus text. */
static keel_op_result scrape_metrics(keel_proc *p) {
    static const keel_arg stats_argv[] = {{"STATS", 5}};
    static const keel_arg info_argv[] = {
        {"INFO", 4},          {"memory", 6},      {"stats", 5},        {"clients", 7},
        {"commandstats", 12}, {"errorstats", 10}, {"latencystats", 12}};
    const keel_reply *r;
    keel_op_result res;
    if (p->reg[REG_STEP].type != DK_I64) {
        if ((res = run_child(p, COUNT_OF(stats_argv), stats_argv, &r)) != KEEL_NEXT) return res;
        size_t n;
        const char *s = reply_text(r, &n);
        keel_buf *kept = keel_proc_alloc(p, sizeof *kept);
        *kept = (keel_buf){0};
        char *w = keel_buf_reserve(kept, n + 1);
        memcpy(w, s, n);
        kept->len = n;
        keel_proc_defer_free(p, keel_free, kept->data);
        keel_call_clear(p);
        p->reg[REG_STATS] = dk_ptr(kept);
        p->reg[REG_STEP] = dk_i64(1);
    }
    if ((res = run_child(p, COUNT_OF(info_argv), info_argv, &r)) != KEEL_NEXT) return res;
    const keel_buf *kept = (const keel_buf *)p->reg[REG_STATS].v.ptr;
    size_t info_len;
    const char *info = reply_text(r, &info_len);
    keel_buf out = {0};
    bool ok = http_metrics_write(kept->data, kept->len, info, info_len, &out);
    if (ok) keel_reply_bulk(p, out.data ? out.data : "", out.len);
    keel_free(out.data);
    if (!ok) {
        keel_reply_error(p, "ERR STATS did not answer a JSON object");
        return KEEL_FAIL;
    }
    return KEEL_DONE;
}

/* http.scrape: HTTP.SCRAPE metrics|stats|health|none
 * Reads argv[1]; registers r0-r2 as above.  Cost 1; may block while a child command waits (it
 * has no keys, so it hardly ever does).  Replies the body as a bulk string (nil for none). */
static keel_op_result op_scrape(keel_proc *p, const keel_insn *in) {
    (void)in;
    const keel_arg *what = &p->argv[1];
    if (keel_arg_is(what, "metrics")) return scrape_metrics(p);
    if (keel_arg_is(what, "stats")) return scrape_stats(p);
    if (keel_arg_is(what, "health")) return scrape_health(p);
    if (keel_arg_is(what, "none")) {
        keel_reply_nil(p);
        return KEEL_DONE;
    }
    keel_reply_error(p, "ERR unknown resource '%.64s' (metrics, stats, health or none)", what->ptr);
    return KEEL_FAIL;
}

static const keel_opcode_def http_scrape_opcodes[] = {
    {.size = sizeof(keel_opcode_def),
     .name = "http.scrape",
     .fn = op_scrape,
     .synopsis = "reply metrics (Prometheus text), stats (JSON) or health, from STATS and INFO",
     .cost = 1,
     .flags = KEEL_OP_MAY_BLOCK | KEEL_OP_MAY_HOP},
};

static const keel_insn_def scrape_prog[] = {{.op = "http.scrape"}, KEEL_END};

static const keel_cmd_def http_scrape_commands[] = {
    {.size = sizeof(keel_cmd_def),
     .name = "HTTP.SCRAPE",
     .arity = 2,
     .flags = KEEL_CMD_STATS,
     .summary = "Returns what the http protocol serves: the server's metrics as Prometheus text, "
                "STATS's JSON, "
                "or ok when healthy.",
     .syntax = "HTTP.SCRAPE metrics | stats | health | none",
     .group = "server",
     .since = "0.1.0",
     .program = scrape_prog},
};
const keel_family http_scrape_family = KEEL_FAMILY(http_scrape_opcodes, http_scrape_commands);
