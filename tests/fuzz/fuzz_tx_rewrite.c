/* fuzz_tx_rewrite.c -- what keeps the tx_commands fuzz target's inputs bounded in time while
 * leaving their arguments to the fuzzer (fuzz_tx_rewrite.h).
 *
 * A fuzzed Lua body could loop for ever, and a fuzzed timeout could block for ever: neither finds
 * a defect, both stop the fuzzer.  So EVAL runs one of the bounded templates below, picked by the
 * first byte of the body the fuzzer wrote (KEYS, ARGV and numkeys stay its own: the templates
 * call whatever command ARGV names, through redis.call and redis.pcall, in RESP2 and RESP3, and
 * through the cjson and cmsgpack codecs); EVALSHA of a one-byte SHA names a template's; FCALL
 * reaches the functions of one library; and a blocking command's timeout is at most 20 ms. */
#include "config.h"

#include "fuzz_tx_rewrite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Lua bodies with no '|', ';' or lone '@' (the admin script syntax of fuzz_ns_commands.c). */
const char *const fuzz_tx_templates[FUZZ_TX_NTEMPLATES] = {
    "return redis.call(unpack(ARGV))",
    "return redis.pcall(unpack(ARGV))",
    "redis.setresp(3) return redis.pcall(unpack(ARGV))",
    "for i = 1, #KEYS do redis.pcall(ARGV[1] or 'GET', KEYS[i], unpack(ARGV, 2)) end return #KEYS",
    "return cjson.encode({redis.pcall(unpack(ARGV))})",
    "return cmsgpack.unpack(cmsgpack.pack(redis.pcall(unpack(ARGV))))",
    "redis.setresp(3) local r = redis.pcall(unpack(ARGV)) return {type(r), r}",
    "redis.pcall('SELECT', ARGV[1] or '0') return redis.pcall(unpack(ARGV, 2))",
    "return {redis.pcall(unpack(ARGV)), redis.pcall(unpack(ARGV))}",
};

const char fuzz_tx_library[] =
    "#!lua name=fz\n"
    "redis.register_function('call', function(keys, args) return redis.call(unpack(args)) end)\n"
    "redis.register_function{function_name='ro', flags={'no-writes'},\n"
    "  callback=function(keys, args) return redis.pcall(unpack(args)) end}\n"
    "redis.register_function('keys', function(keys, args)\n"
    "  local out = {} for i = 1, #keys do out[i] = redis.pcall(args[1] or 'GET', keys[i]) end\n"
    "  return out end)\n";

char fuzz_tx_shas[FUZZ_TX_NTEMPLATES][41];

static bool is(const char *name, size_t len, const char *want) {
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

/* A timeout argument outside [lo, hi] that the server would take as a number becomes repl: "0",
 * a big value, or anything too long to read here could block the sequence for ever.  What is
 * not a number at all, a clearly negative number (at most -neg_below) and NaN stay: the server
 * must refuse them.  A negative closer to 0 is rounded up to 0 by redis-server 7.0 and by Keel
 * alike (BLPOP l -0.0001 blocks for ever in both), so it is replaced too. */
static void clamp(const char **arg, size_t *len, double lo, double hi, double neg_below,
                  const char *repl) {
    char buf[64];
    if (*len < sizeof buf) {
        memcpy(buf, *arg, *len);
        buf[*len] = '\0';
        char *end;
        double v = strtod(buf, &end);
        if (*len == 0 || *end != '\0' || isnan(v) || v <= -neg_below || (v >= lo && v <= hi))
            return;
    }
    *arg = repl;
    *len = strlen(repl);
}

static void clamp_seconds(const char **arg, size_t *len) {
    clamp(arg, len, 0.001, 0.02, 0.002, "0.01");
}

void fuzz_tx_rewrite(int argc, const char **argv, size_t *lens) {
    const char *name = argv[0];
    size_t n = lens[0];
    if (argc < 2) return;
    unsigned pick = lens[1] ? (unsigned char)argv[1][0] % FUZZ_TX_NTEMPLATES : 0;
    if (is(name, n, "EVAL") || is(name, n, "EVAL_RO")) {
        argv[1] = fuzz_tx_templates[pick];
        lens[1] = strlen(argv[1]);
    } else if ((is(name, n, "EVALSHA") || is(name, n, "EVALSHA_RO")) && lens[1] <= 1) {
        argv[1] = fuzz_tx_shas[pick];
        lens[1] = strlen(argv[1]);
    } else if (is(name, n, "BLPOP") || is(name, n, "BRPOP") || is(name, n, "BZPOPMIN") ||
               is(name, n, "BZPOPMAX") || is(name, n, "BRPOPLPUSH") || is(name, n, "BLMOVE")) {
        clamp_seconds(&argv[argc - 1], &lens[argc - 1]);
    } else if (is(name, n, "BLMPOP") || is(name, n, "BZMPOP")) {
        clamp_seconds(&argv[1], &lens[1]);
    } else if (is(name, n, "XREAD") || is(name, n, "XREADGROUP")) {
        for (int i = 1; i + 1 < argc; i++)
            if (is(argv[i], lens[i], "BLOCK")) clamp(&argv[i + 1], &lens[i + 1], 1, 20, 1, "10");
    }
}
