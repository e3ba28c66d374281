/* fuzz_ns_profile.h -- what each build of fuzz_ns_commands.c sends and checks: its name, the
 * commands it may send (allowed), the modules it loads, the secret it stores outside the
 * tenant's namespace (setup_script) and how it reads that back (outside_script, with
 * SECRETS_OUTSIDE copies of the secret).  ns_commands by default, data_commands with
 * FUZZ_DATA_COMMANDS, tx_commands with FUZZ_TX_COMMANDS too.  Included once, by
 * fuzz_ns_commands.c. */
#ifndef KEEL_FUZZ_NS_PROFILE_H
#define KEEL_FUZZ_NS_PROFILE_H

#ifndef FUZZ_DATA_COMMANDS
#define FUZZ_NAME "fuzz_ns_commands"
/* What a sequence may send: the namespace, key, listing, string and hash commands. */
static const char *const allowed[] = {
    "NS",           "NAMESPACE", "HS",         "HYPERSPACE",  "CS",
    "CUSTOMSPACE",  "NSRESET",   "HSRESET",    "CSRESET",     "WHEREAMI",
    "KEYS",         "VALS",      "GETALL",     "KEYSANDVALS", "KEYSANDEXPIRES",
    "KEYSANDTYPES", "SCAN",      "RANDOMKEY",  "DBSIZE",      "EXISTS",
    "TYPE",         "DEL",       "UNLINK",     "TOUCH",       "RENAME",
    "RENAMENX",     "EXPIRE",    "PEXPIRE",    "EXPIREAT",    "PEXPIREAT",
    "TTL",          "PTTL",      "EXPIRETIME", "PEXPIRETIME", "PERSIST",
    "FLUSHALL",     "SET",       "GET",        "GETDEL",      "GETEX",
    "GETSET",       "MSET",      "MGET",       "MSETNX",      "SETNX",
    "APPEND",       "INCR",      "INCRBY",     "DECR",        "STRLEN",
    "GETRANGE",     "HSET",      "HGET",       "HDEL",        "HGETALL",
    "HKEYS",        "HVALS",     "HLEN",       "HEXISTS",     "HINCRBY",
    "HMGET",        "HSETNX",    "HSCAN",      "HSTRLEN",     "PING",
    "ECHO",
};
static const char *const modules[] = {"resp", "strings", "maps"};
/* A secret at the top, in a namespace beside the tenant's and in one whose name extends it. */
static const char setup_script[] =
    "FLUSHALL;SET|sentinel|@;NS|outside;SET|k|@;HSET|h|f|@;EXPIRE|k|100000;"
    "NSRESET;NS|tenant2;SET|k|@;NSRESET;NS|tenant|inner;SET|mine|1;NSRESET";
/* Everything outside "tenant", read back (KEYS at the top is checked apart: "tenant" may come
 * and go). */
static const char outside_script[] =
    "GET|sentinel;TTL|sentinel;TYPE|sentinel;NS|outside;KEYS|*;GET|k;HGETALL|h;"
    "NSRESET;NS|tenant2;KEYS|*;GET|k;TTL|k;NSRESET;EXISTS|sentinel|outside|tenant2";
#define SECRETS_OUTSIDE 4 /* what outside_script reads back: sentinel, k, h, tenant2's k */
#else
#ifdef FUZZ_TX_COMMANDS
#define FUZZ_NAME "fuzz_tx_commands"
#else
#define FUZZ_NAME "fuzz_data_commands"
#endif
/* What a sequence may send: every data type's commands that neither block nor run code, with
 * the key, namespace and string commands that mix them.  Left out: the blocking pops and
 * XREAD/XREADGROUP (BLOCK 0 waits for ever), SETRANGE (a big offset is a big allocation), and
 * what reaches outside the data (scripts, persistence, server and client control). */
static const char *const allowed[] = {
    "NS",
    "NSRESET",
    "HS",
    "HSRESET",
    "WHEREAMI",
    "KEYS",
    "SCAN",
    "DBSIZE",
    "EXISTS",
    "TYPE",
    "DEL",
    "RENAME",
    "COPY",
    "EXPIRE",
    "PEXPIRE",
    "TTL",
    "PERSIST",
    "FLUSHALL",
    "OBJECT",
    "SET",
    "GET",
    "MSET",
    "MGET",
    "INCR",
    "INCRBYFLOAT",
    "APPEND",
    "GETRANGE",
    "HSET",
    "HGETALL",
    "HINCRBYFLOAT",
    "HRANDFIELD",
    "PING",
    /* lists */
    "LPUSH",
    "RPUSH",
    "LPUSHX",
    "RPUSHX",
    "LPOP",
    "RPOP",
    "LRANGE",
    "LLEN",
    "LINDEX",
    "LSET",
    "LINSERT",
    "LREM",
    "LTRIM",
    "LPOS",
    "LMOVE",
    "RPOPLPUSH",
    "LMPOP",
    /* sets */
    "SADD",
    "SREM",
    "SMEMBERS",
    "SISMEMBER",
    "SMISMEMBER",
    "SCARD",
    "SPOP",
    "SRANDMEMBER",
    "SMOVE",
    "SINTER",
    "SINTERCARD",
    "SINTERSTORE",
    "SUNION",
    "SUNIONSTORE",
    "SDIFF",
    "SDIFFSTORE",
    "SSCAN",
    /* sorted sets */
    "ZADD",
    "ZINCRBY",
    "ZREM",
    "ZCARD",
    "ZSCORE",
    "ZMSCORE",
    "ZRANK",
    "ZREVRANK",
    "ZRANGE",
    "ZRANGESTORE",
    "ZREVRANGE",
    "ZRANGEBYSCORE",
    "ZREVRANGEBYSCORE",
    "ZRANGEBYLEX",
    "ZREVRANGEBYLEX",
    "ZCOUNT",
    "ZLEXCOUNT",
    "ZPOPMIN",
    "ZPOPMAX",
    "ZMPOP",
    "ZRANDMEMBER",
    "ZREMRANGEBYRANK",
    "ZREMRANGEBYSCORE",
    "ZREMRANGEBYLEX",
    "ZUNION",
    "ZUNIONSTORE",
    "ZINTER",
    "ZINTERSTORE",
    "ZINTERCARD",
    "ZDIFF",
    "ZDIFFSTORE",
    "ZSCAN",
    /* HyperLogLogs, streams, SORT */
    "PFADD",
    "PFCOUNT",
    "PFMERGE",
    "XADD",
    "XLEN",
    "XRANGE",
    "XREVRANGE",
    "XDEL",
    "XTRIM",
    "XGROUP",
    "XACK",
    "XPENDING",
    "XCLAIM",
    "XAUTOCLAIM",
    "XINFO",
    "XSETID",
    "SORT",
    "SORT_RO",
    /* sparse bitsets, B-trees */
    "SSETBIT",
    "SGETBIT",
    "SBITCOUNT",
    "SBITOP",
    "SBITPOS",
    "SBITRANK",
    "SBITSCAN",
    "SBITSELECT",
    "BTSET",
    "BTSETF",
    "BTGET",
    "BTDEL",
    "BTDELRANGE",
    "BTRANGE",
    "BTRANK",
    "BTCARD",
    "BTCOUNT",
    "BTTOP",
    "BTAGG",
#ifdef FUZZ_TX_COMMANDS
    /* transactions, scripts and functions, blocking commands, numbered databases */
    "MULTI",
    "EXEC",
    "DISCARD",
    "WATCH",
    "UNWATCH",
    "EVAL",
    "EVALSHA",
    "EVAL_RO",
    "EVALSHA_RO",
    "FCALL",
    "FCALL_RO",
    "BLPOP",
    "BRPOP",
    "BRPOPLPUSH",
    "BLMOVE",
    "BLMPOP",
    "BZPOPMIN",
    "BZPOPMAX",
    "BZMPOP",
    "XREAD",
    "XREADGROUP",
    "SELECT",
    "MOVE",
    "SWAPDB",
    "FLUSHDB",
#endif
};
static const char *const modules[] = {
    "resp",      "strings", "maps", "lists",   "sets",  "zsets",
    "hll",       "streams", "sort", "sbitset", "btree",
#ifdef FUZZ_TX_COMMANDS
    "scripting",
#endif
};
/* The secret in a value of each type: at the top, in a namespace beside the tenant's, and in
 * one whose name extends it. */
static const char setup_script[] =
    "FLUSHALL;SET|sentinel|@;NS|outside;SET|k|@;HSET|h|f|@;EXPIRE|k|100000;RPUSH|l|a|@;"
    "SADD|s|@;ZADD|z|1|@;XADD|x|1-1|f|@;BTSET|b|@|1;"
    "NSRESET;NS|tenant2;SET|k|@;RPUSH|l|@;NSRESET;NS|tenant|inner;SET|mine|1;NSRESET";
static const char outside_script[] =
    "GET|sentinel;TTL|sentinel;TYPE|sentinel;NS|outside;KEYS|*;GET|k;HGETALL|h;LRANGE|l|0|-1;"
    "SMEMBERS|s;ZRANGE|z|0|-1|WITHSCORES;XRANGE|x|-|+;BTRANGE|b|-inf|+inf;"
    "NSRESET;NS|tenant2;KEYS|*;GET|k;TTL|k;LRANGE|l|0|-1;NSRESET;"
    "EXISTS|sentinel|outside|tenant2";
#define SECRETS_OUTSIDE 10 /* sentinel; outside's k h l s z x b; tenant2's k and l */
#endif

#endif
