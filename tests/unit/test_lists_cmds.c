/* test_lists_cmds.c -- every non-blocking list command through the fake SDK, with a reduction
 * budget of a few elements so each per-element loop yields and resumes many times, on lists
 * small (one flat buffer) and large (many chunks). */
#include <check.h>

#include "dk_check_fast.h"
#include <stdlib.h>
#include <string.h>
#include "test_lists_util.h"
#include "modules/lists/listobj.h"

static void setup(void) {
    lt_setup();
}

/* Pushes "e0".."e<n-1>" (or the integers 0..n-1) onto key with RPUSH, 100 per command. */
static void fill(const char *key, int n, bool ints) {
    for (int i = 0; i < n;) {
        const char *argv[103] = {"RPUSH", key};
        char text[100][16];
        int k = 0;
        for (; k < 100 && i < n; k++, i++) {
            snprintf(text[k], sizeof text[k], ints ? "%d" : "e%d", i);
            argv[2 + k] = text[k];
        }
        argv[2 + k] = NULL;
        keel_op_result res;
        keel_proc *p = lt_start(argv, &res);
        fast_assert_int_eq(res, KEEL_DONE);
        fake_proc_free(p);
    }
}

/* The list stored at key (NULL if none). */
static dk_list *list_at(const char *key) {
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    keel_value v = {.size = sizeof v};
    dk_list *l = NULL;
    if (keel_key_lookup(p, key, strlen(key), &v) == KEEL_OK && v.type == lst_type) l = v.obj;
    fake_proc_free(p);
    return l;
}

/* "[e<a>,e<a+1>,...,e<b>]" */
static const char *range_text(int a, int b, bool ints) {
    static char buf[65536];
    strcpy(buf, "[");
    for (int i = a; i <= b; i++) {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, ints ? "%s%d" : "%se%d", i == a ? "" : ",", i);
    }
    strcat(buf, "]");
    return buf;
}

START_TEST(test_lists_push_pop_both_ends) {
    EXPECT(":3", "RPUSH", "l", "a", "b", "c");
    EXPECT(":5", "LPUSH", "l", "y", "x");
    EXPECT("[x,y,a,b,c]", "LRANGE", "l", "0", "-1");
    EXPECT("x", "LPOP", "l");
    EXPECT("c", "RPOP", "l");
    EXPECT("[y,a]", "LPOP", "l", "2");
    EXPECT("[b]", "RPOP", "l", "5");
    ck_assert_ptr_null(list_at("l")); /* emptied: the key is gone */
    EXPECT("nil", "LPOP", "l");
    EXPECT("nil", "RPOP", "l", "3");
    EXPECT(":0", "LLEN", "l");
}
END_TEST

START_TEST(test_lists_pushx_only_existing) {
    EXPECT(":0", "LPUSHX", "l", "a");
    EXPECT(":0", "RPUSHX", "l", "a", "b");
    ck_assert_int_eq(fake_key_count(), 0);
    EXPECT(":1", "RPUSH", "l", "m");
    EXPECT(":3", "LPUSHX", "l", "b", "a");
    EXPECT(":4", "RPUSHX", "l", "z");
    EXPECT("[a,b,m,z]", "LRANGE", "l", "0", "-1");
}
END_TEST

START_TEST(test_lists_elements_come_back_byte_exact) {
    EXPECT(":9", "RPUSH", "l", "1", "-1", "01", "-0", "1.0", "", "9223372036854775808",
           "-9223372036854775809", "x y");
    EXPECT("[1,-1,01,-0,1.0,,9223372036854775808,-9223372036854775809,x y]", "LRANGE", "l", "0",
           "-1");
    EXPECT(":1", "LPOS", "l", "-1");
    EXPECT("nil", "LPOS", "l", "001");
    EXPECT(":2", "LPOS", "l", "01");
}
END_TEST

START_TEST(test_lists_pop_count_errors) {
    EXPECT(":2", "RPUSH", "l", "a", "b");
    EXPECT("!ERR value is out of range, must be positive", "LPOP", "l", "-1");
    EXPECT("!ERR value is out of range, must be positive", "LPOP", "l", "x");
    EXPECT("!ERR value is out of range, must be positive", "LPOP", "nokey", "x");
    EXPECT("!ERR wrong number of arguments for 'lpop' command", "LPOP", "l", "1", "2");
    EXPECT("[]", "LPOP", "l", "0");
    EXPECT("nil", "LPOP", "nokey", "0");
}
END_TEST

START_TEST(test_lists_wrongtype_everywhere) {
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    dk_val v = dk_bytes("str", 3);
    ck_assert_int_eq(keel_key_store(p, "s", 1, &v, 0), KEEL_OK);
    fake_proc_free(p);
    EXPECT(WRONGTYPE, "LPUSH", "s", "a");
    EXPECT(WRONGTYPE, "RPUSHX", "s", "a");
    EXPECT(WRONGTYPE, "LPOP", "s");
    EXPECT(WRONGTYPE, "RPOP", "s", "2");
    EXPECT(WRONGTYPE, "LLEN", "s");
    EXPECT(WRONGTYPE, "LINDEX", "s", "0");
    EXPECT(WRONGTYPE, "LSET", "s", "0", "x");
    EXPECT(WRONGTYPE, "LRANGE", "s", "0", "-1");
    EXPECT(WRONGTYPE, "LTRIM", "s", "0", "-1");
    EXPECT(WRONGTYPE, "LINSERT", "s", "BEFORE", "a", "b");
    EXPECT(WRONGTYPE, "LREM", "s", "0", "a");
    EXPECT(WRONGTYPE, "LPOS", "s", "a");
    EXPECT(WRONGTYPE, "RPOPLPUSH", "s", "d");
    EXPECT(WRONGTYPE, "LMPOP", "1", "s", "LEFT");
    EXPECT(":1", "RPUSH", "l", "a");
    EXPECT(WRONGTYPE, "RPOPLPUSH", "l", "s");
    EXPECT(WRONGTYPE, "LMOVE", "l", "s", "LEFT", "RIGHT");
    EXPECT("[a]", "LRANGE", "l", "0", "-1");  /* nothing moved */
    EXPECT("nil", "RPOPLPUSH", "nokey", "s"); /* as Redis: the source is looked at first */
}
END_TEST

START_TEST(test_lists_lindex_lset) {
    EXPECT(":3", "RPUSH", "l", "a", "b", "c");
    EXPECT("a", "LINDEX", "l", "0");
    EXPECT("c", "LINDEX", "l", "-1");
    EXPECT("nil", "LINDEX", "l", "3");
    EXPECT("nil", "LINDEX", "l", "-4");
    EXPECT(NOTINT, "LINDEX", "l", "x");
    EXPECT("nil", "LINDEX", "nokey", "x"); /* as Redis: the key before the index */
    EXPECT("+OK", "LSET", "l", "-1", "Z");
    EXPECT("+OK", "LSET", "l", "0", "42");
    EXPECT("[42,b,Z]", "LRANGE", "l", "0", "-1");
    EXPECT("!ERR index out of range", "LSET", "l", "3", "x");
    EXPECT("!ERR index out of range", "LSET", "l", "-4", "x");
    EXPECT("!ERR no such key", "LSET", "nokey", "0", "x");
    EXPECT(NOTINT, "LSET", "l", "1.5", "x");
}
END_TEST

START_TEST(test_lists_lrange_clamps) {
    EXPECT(":5", "RPUSH", "l", "a", "b", "c", "d", "e");
    EXPECT("[a,b,c,d,e]", "LRANGE", "l", "0", "-1");
    EXPECT("[d,e]", "LRANGE", "l", "-2", "100");
    EXPECT("[a,b]", "LRANGE", "l", "-100", "1");
    EXPECT("[]", "LRANGE", "l", "3", "1");
    EXPECT("[]", "LRANGE", "l", "5", "10");
    EXPECT("[]", "LRANGE", "nokey", "0", "-1");
    EXPECT(NOTINT, "LRANGE", "l", "a", "1");
    EXPECT(NOTINT, "LRANGE", "nokey", "0", "1.0");
}
END_TEST

START_TEST(test_lists_lrange_big_list_yields) {
    fill("big", 3000, false);
    dk_list *l = list_at("big");
    ck_assert_ptr_nonnull(l);
    ck_assert_int_gt(dk_list_chunks(l), 4);
    lt_budget = 50;
    keel_op_result res;
    keel_proc *p = lt_start((const char *const[]){"LRANGE", "big", "0", "-1", NULL}, &res);
    ck_assert_int_eq(res, KEEL_DONE);
    ck_assert_int_gt(fake_proc_yields(p), 50);
    ck_assert_str_eq(lt_reply(p), range_text(0, 2999, false));
    fake_proc_free(p);
    EXPECT(range_text(1500, 1600, false), "LRANGE", "big", "1500", "1600");
    EXPECT(range_text(2990, 2999, false), "LRANGE", "big", "-10", "-1");
}
END_TEST

START_TEST(test_lists_big_push_yields_and_counts) {
    const char *argv[2003] = {"LPUSH", "k"};
    char text[2000][8];
    for (int i = 0; i < 2000; i++) {
        snprintf(text[i], sizeof text[i], "%d", i);
        argv[2 + i] = text[i];
    }
    keel_op_result res;
    keel_proc *p = lt_start(argv, &res);
    ck_assert_int_eq(res, KEEL_DONE);
    ck_assert_str_eq(lt_reply(p), ":2000");
    ck_assert_int_gt(fake_proc_yields(p), 100);
    fake_proc_free(p);
    EXPECT("[1999,1998,1997]", "LRANGE", "k", "0", "2");
    EXPECT("[2,1,0]", "LRANGE", "k", "-3", "-1");
}
END_TEST

START_TEST(test_lists_pop_count_big) {
    fill("big", 2500, true);
    EXPECT(range_text(0, 999, true), "LPOP", "big", "1000");
    lt_budget = 3;
    keel_op_result res;
    keel_proc *p = lt_start((const char *const[]){"RPOP", "big", "2000", NULL}, &res);
    ck_assert_int_eq(res, KEEL_DONE);
    ck_assert_int_gt(fake_proc_yields(p), 100);
    const char *got = lt_reply(p);
    ck_assert(strncmp(got, "[2499,2498,", 11) == 0);
    ck_assert(strcmp(got + strlen(got) - 6, ",1000]") == 0);
    fake_proc_free(p);
    ck_assert_ptr_null(list_at("big"));
}
END_TEST

/* LTRIM of a big list, in each plan, against the expected range. */
static void trim_case(const char *start, const char *stop, int a, int b) {
    fake_api_reset();
    ck_assert_int_eq(lst_register(fake_module()), KEEL_OK);
    fill("t", 4000, false);
    lt_budget = 20;
    EXPECT("+OK", "LTRIM", "t", start, stop);
    if (a > b) {
        fast_assert_ptr_null(list_at("t"));
        return;
    }
    EXPECT(range_text(a, b, false), "LRANGE", "t", "0", "-1");
    char n[16];
    snprintf(n, sizeof n, ":%d", b - a + 1);
    EXPECT(n, "LLEN", "t");
}

START_TEST(test_lists_ltrim_in_place_and_by_copy) {
    trim_case("1", "-2", 1, 3998);       /* a little off both ends: in place */
    trim_case("0", "2999", 0, 2999);     /* a chunk run off the tail */
    trim_case("3990", "-1", 3990, 3999); /* nearly everything: copy */
    trim_case("100", "120", 100, 120);
    trim_case("-5", "-3", 3995, 3997);
    trim_case("5", "1", 1, 0); /* empty: the key goes */
    trim_case("4000", "5000", 1, 0);
    trim_case("0", "-1", 0, 3999);
    trim_case("-100000", "100000", 0, 3999);
}
END_TEST

START_TEST(test_lists_ltrim_keeps_ttl_and_errors) {
    EXPECT("+OK", "LTRIM", "nokey", "0", "1");
    EXPECT(NOTINT, "LTRIM", "nokey", "x", "1");
    fill("t", 3000, true);
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    ck_assert_int_eq(keel_key_expire(p, "t", 1, keel_now_ms(p) + 100000), KEEL_OK);
    fake_proc_free(p);
    EXPECT("+OK", "LTRIM", "t", "2998", "-1"); /* copy plan: a new list replaces the old */
    EXPECT("[2998,2999]", "LRANGE", "t", "0", "-1");
    p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    keel_value v = {.size = sizeof v};
    ck_assert_int_eq(keel_key_lookup(p, "t", 1, &v), KEEL_OK);
    ck_assert_int_gt(v.expire_at_ms, 0);
    fake_proc_free(p);
}
END_TEST

START_TEST(test_lists_linsert) {
    EXPECT(":0", "LINSERT", "nokey", "BEFORE", "a", "x");
    EXPECT("!ERR syntax error", "LINSERT", "nokey", "MIDDLE", "a", "x");
    EXPECT(":3", "RPUSH", "l", "a", "b", "a");
    EXPECT(":4", "LINSERT", "l", "before", "a", "x");
    EXPECT(":5", "LINSERT", "l", "AFTER", "a", "y");
    EXPECT(":6", "LINSERT", "l", "AFTER", "a", "12");
    EXPECT(":-1", "LINSERT", "l", "BEFORE", "zz", "q");
    EXPECT("[x,a,12,y,b,a]", "LRANGE", "l", "0", "-1");
    fill("big", 2000, true);
    lt_budget = 7;
    EXPECT(":2001", "LINSERT", "big", "AFTER", "1999", "end");
    EXPECT(":2002", "LINSERT", "big", "BEFORE", "1000", "mid");
    EXPECT("[999,mid,1000]", "LRANGE", "big", "999", "1001");
    EXPECT("[1999,end]", "LRANGE", "big", "-2", "-1");
}
END_TEST

START_TEST(test_lists_lrem_directions) {
    EXPECT(":0", "LREM", "nokey", "0", "a");
    EXPECT(NOTINT, "LREM", "nokey", "x", "a");
    EXPECT(":7", "RPUSH", "l", "a", "b", "a", "c", "a", "b", "a");
    EXPECT(":2", "LREM", "l", "2", "a");
    EXPECT("[b,c,a,b,a]", "LRANGE", "l", "0", "-1");
    EXPECT(":1", "LREM", "l", "-1", "a");
    EXPECT("[b,c,a,b]", "LRANGE", "l", "0", "-1");
    EXPECT(":2", "LREM", "l", "0", "b");
    EXPECT(":0", "LREM", "l", "0", "zz");
    EXPECT(":1", "LREM", "l", "-5", "a");
    EXPECT(":1", "LREM", "l", "1", "c");
    ck_assert_ptr_null(list_at("l"));
}
END_TEST

/* Runs a command that must succeed, ignoring its reply. */
static void run_ok(const char *const *argv) {
    keel_op_result res;
    keel_proc *p = lt_start(argv, &res);
    ck_assert_msg(res == KEEL_DONE, "%s failed: %s", argv[0], lt_reply(p));
    fake_proc_free(p);
}

#define DO(...) run_ok((const char *const[]){__VA_ARGS__, NULL})

START_TEST(test_lists_lrem_big_yields) {
    /* 3000 elements, every third one "x" */
    for (int i = 0; i < 3000; i++) {
        char t[16];
        snprintf(t, sizeof t, "v%d", i);
        DO("RPUSH", "big", i % 3 ? t : "x");
    }
    lt_budget = 4;
    EXPECT(":10", "LREM", "big", "10", "x");
    EXPECT(":10", "LREM", "big", "-10", "x");
    EXPECT(":980", "LREM", "big", "0", "x");
    EXPECT(":2000", "LLEN", "big");
    EXPECT("[v1,v2,v4]", "LRANGE", "big", "0", "2");
    EXPECT("[v2995,v2996,v2998,v2999]", "LRANGE", "big", "-4", "-1");
    EXPECT("nil", "LPOS", "big", "x");
}
END_TEST

START_TEST(test_lists_lpos_options) {
    EXPECT(":8", "RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c");
    EXPECT(":2", "LPOS", "l", "c");
    EXPECT(":6", "LPOS", "l", "c", "RANK", "2");
    EXPECT(":7", "LPOS", "l", "c", "RANK", "-1");
    EXPECT(":6", "LPOS", "l", "c", "RANK", "-2");
    EXPECT("[:2,:6]", "LPOS", "l", "c", "COUNT", "2");
    EXPECT("[:2,:6,:7]", "LPOS", "l", "c", "COUNT", "0");
    EXPECT("[:7,:6,:2]", "LPOS", "l", "c", "RANK", "-1", "COUNT", "0");
    EXPECT("[:6,:7]", "LPOS", "l", "c", "RANK", "2", "COUNT", "0");
    EXPECT("[:2]", "LPOS", "l", "c", "COUNT", "0", "MAXLEN", "6");
    EXPECT("nil", "LPOS", "l", "c", "MAXLEN", "2");
    EXPECT("[]", "LPOS", "l", "zz", "COUNT", "1");
    EXPECT(":3", "LPOS", "l", "1");
    EXPECT("nil", "LPOS", "nokey", "a");
    EXPECT("[]", "LPOS", "nokey", "a", "COUNT", "0");
    EXPECT("!ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
           "or use negative to start from the end of the list",
           "LPOS", "l", "c", "RANK", "0");
    EXPECT("!ERR COUNT can't be negative", "LPOS", "l", "c", "COUNT", "-1");
    EXPECT("!ERR COUNT can't be negative", "LPOS", "l", "c", "COUNT", "x");
    EXPECT("!ERR MAXLEN can't be negative", "LPOS", "l", "c", "MAXLEN", "-1");
    EXPECT(NOTINT, "LPOS", "l", "c", "RANK", "x");
    EXPECT("!ERR syntax error", "LPOS", "l", "c", "RANK");
    EXPECT("!ERR syntax error", "LPOS", "l", "c", "FOO", "1");
}
END_TEST

START_TEST(test_lists_lpos_big_yields) {
    fill("big", 3000, true);
    lt_budget = 3;
    EXPECT(":2999", "LPOS", "big", "2999");
    EXPECT(":0", "LPOS", "big", "0", "RANK", "-1");
    EXPECT("[:1500]", "LPOS", "big", "1500", "COUNT", "0");
    EXPECT("nil", "LPOS", "big", "2999", "MAXLEN", "2999");
    EXPECT(":2999", "LPOS", "big", "2999", "MAXLEN", "3000");
}
END_TEST

START_TEST(test_lists_move_and_rotate) {
    EXPECT(":3", "RPUSH", "s", "a", "b", "c");
    EXPECT("c", "RPOPLPUSH", "s", "d");
    EXPECT("a", "LMOVE", "s", "d", "LEFT", "RIGHT");
    EXPECT("[c,a]", "LRANGE", "d", "0", "-1");
    EXPECT("b", "LMOVE", "s", "d", "RIGHT", "LEFT");
    ck_assert_ptr_null(list_at("s"));
    EXPECT("nil", "RPOPLPUSH", "s", "d");
    EXPECT("[b,c,a]", "LRANGE", "d", "0", "-1");
    EXPECT("a", "RPOPLPUSH", "d", "d"); /* same list: a rotation */
    EXPECT("[a,b,c]", "LRANGE", "d", "0", "-1");
    EXPECT("a", "LMOVE", "d", "d", "LEFT", "RIGHT");
    EXPECT("[b,c,a]", "LRANGE", "d", "0", "-1");
    EXPECT("b", "LMOVE", "d", "d", "LEFT", "LEFT");
    EXPECT("!ERR syntax error", "LMOVE", "d", "e", "UP", "LEFT");
    EXPECT("!ERR syntax error", "LMOVE", "d", "e", "LEFT", "DOWN");
    EXPECT(":1", "RPUSH", "one", "x");
    EXPECT("x", "RPOPLPUSH", "one", "one");
    EXPECT("[x]", "LRANGE", "one", "0", "-1");
}
END_TEST

START_TEST(test_lists_lmpop) {
    EXPECT("nil", "LMPOP", "2", "a", "b", "LEFT");
    EXPECT(":3", "RPUSH", "b", "1", "2", "3");
    EXPECT(":1", "RPUSH", "c", "z");
    EXPECT("[b,[1]]", "LMPOP", "3", "a", "b", "c", "LEFT");
    EXPECT("[b,[3,2]]", "LMPOP", "3", "a", "b", "c", "RIGHT", "COUNT", "5");
    EXPECT("[c,[z]]", "LMPOP", "3", "a", "b", "c", "left", "count", "1");
    ck_assert_int_eq(fake_key_count(), 0);
    EXPECT("!ERR numkeys should be greater than 0", "LMPOP", "0", "a", "LEFT");
    EXPECT("!ERR numkeys should be greater than 0", "LMPOP", "x", "a", "LEFT");
    EXPECT("!ERR syntax error", "LMPOP", "2", "a", "LEFT");
    EXPECT("!ERR syntax error", "LMPOP", "1", "a", "UP");
    EXPECT("!ERR syntax error", "LMPOP", "1", "a", "LEFT", "COUNT");
    EXPECT("!ERR syntax error", "LMPOP", "1", "a", "LEFT", "COUNT", "1", "COUNT", "1");
    EXPECT("!ERR count should be greater than 0", "LMPOP", "1", "a", "LEFT", "COUNT", "0");
    EXPECT("!ERR count should be greater than 0", "LMPOP", "1", "a", "LEFT", "COUNT", "x");
}
END_TEST

START_TEST(test_lists_lmpop_first_key_in_argument_order) {
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    dk_val v = dk_bytes("str", 3);
    ck_assert_int_eq(keel_key_store(p, "s", 1, &v, 0), KEEL_OK);
    fake_proc_free(p);
    EXPECT(":1", "RPUSH", "l", "x");
    EXPECT("[l,[x]]", "LMPOP", "2", "l", "s", "LEFT"); /* the list comes first: popped */
    EXPECT(":1", "RPUSH", "l", "y");
    EXPECT(WRONGTYPE, "LMPOP", "2", "s", "l", "LEFT"); /* the string comes first */
    EXPECT("[l,[y]]", "LMPOP", "3", "nokey", "l", "s", "RIGHT");
}
END_TEST

START_TEST(test_lists_lmpop_big_count_yields) {
    fill("big", 2000, false);
    lt_budget = 3;
    keel_op_result res;
    const char *const argv[] = {"LMPOP", "1", "big", "LEFT", "COUNT", "5000", NULL};
    keel_proc *p = lt_start(argv, &res);
    ck_assert_int_eq(res, KEEL_DONE);
    ck_assert_int_gt(fake_proc_yields(p), 100);
    char want[65536];
    snprintf(want, sizeof want, "[big,%s]", range_text(0, 1999, false));
    ck_assert_str_eq(lt_reply(p), want);
    fake_proc_free(p);
    ck_assert_int_eq(fake_key_count(), 0);
}
END_TEST

START_TEST(test_lists_get_shows_the_list) {
    fill("l", 10, false);
    keel_proc *p = fake_proc_new(NULL, 1, (const char *const[]){"X"});
    keel_value v = {.size = sizeof v};
    ck_assert_int_eq(keel_key_lookup(p, "l", 1, &v), KEEL_OK);
    keel_reply_stored(p, &v);
    ck_assert_str_eq(lt_reply(p), range_text(0, 9, false));
    fake_proc_free(p);
}
END_TEST

/* Saves the list at key with its type's save op and loads the bytes back. */
START_TEST(test_lists_save_load_round_trip_and_refuse_garbage) {
    fill("l", 5000, false);
    fill("n", 300, true);
    const keel_type_def *def = fake_type(lst_type);
    ck_assert_ptr_nonnull(def->save);
    const char *keys[] = {"l", "n"};
    for (int k = 0; k < 2; k++) {
        dk_list *src = list_at(keys[k]);
        fast_assert_ptr_null(fake_type_roundtrip(lst_type, src));
        keel_sink *sink = fake_sink_new();
        fast_assert_int_eq(def->save(src, sink), KEEL_OK);
        size_t len;
        const uint8_t *bytes = fake_sink_bytes(sink, &len);
        const char *err = NULL;
        dk_list *back = def->load(bytes, len, &err);
        fast_assert_ptr_nonnull(back);
        fast_assert_uint_eq(dk_list_len(back), dk_list_len(src));
        dk_iter a = dk_iter_at(0), b = dk_iter_at(0);
        dk_val x, y;
        while (dk_list_next(src, &a, &x)) {
            fast_assert(dk_list_next(back, &b, &y));
            fast_assert_int_eq(x.type, y.type); /* integers stay integers, bytes stay bytes */
            fast_assert(dk_val_eq(&x, &y));
        }
        def->free(back);
        /* every cut inside the last element is refused, never read past the end */
        for (size_t cut = 1; cut < 4 && cut < len; cut++) {
            err = NULL;
            void *o = def->load(bytes, len - cut, &err);
            if (o)
                def->free(o); /* a cut may land on an element boundary of a packed int */
            else
                fast_assert_ptr_nonnull(err);
        }
        fake_sink_free(sink);
    }
    const char *err = NULL;
    ck_assert_ptr_null(def->load("", 0, &err)); /* a list is never empty */
    ck_assert_str_eq(err, "empty list");
    uint8_t real[DK_BOX_MAX_SCALAR];
    dk_val d = dk_f64(1.5);
    size_t n = dk_box_pack(&d, real);
    ck_assert_ptr_null(def->load(real, n, &err)); /* lists hold integers and bytes only */
    const uint8_t claims_more[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    err = NULL;
    ck_assert_ptr_null(def->load(claims_more, sizeof claims_more, &err));
    ck_assert_ptr_nonnull(err);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("lists_cmds");
    TCase *tc = tcase_create("cmds");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_lists_push_pop_both_ends);
    tcase_add_test(tc, test_lists_pushx_only_existing);
    tcase_add_test(tc, test_lists_elements_come_back_byte_exact);
    tcase_add_test(tc, test_lists_pop_count_errors);
    tcase_add_test(tc, test_lists_wrongtype_everywhere);
    tcase_add_test(tc, test_lists_lindex_lset);
    tcase_add_test(tc, test_lists_lrange_clamps);
    tcase_add_test(tc, test_lists_lrange_big_list_yields);
    tcase_add_test(tc, test_lists_big_push_yields_and_counts);
    tcase_add_test(tc, test_lists_pop_count_big);
    tcase_add_test(tc, test_lists_ltrim_in_place_and_by_copy);
    tcase_add_test(tc, test_lists_ltrim_keeps_ttl_and_errors);
    tcase_add_test(tc, test_lists_linsert);
    tcase_add_test(tc, test_lists_lrem_directions);
    tcase_add_test(tc, test_lists_lrem_big_yields);
    tcase_add_test(tc, test_lists_lpos_options);
    tcase_add_test(tc, test_lists_lpos_big_yields);
    tcase_add_test(tc, test_lists_move_and_rotate);
    tcase_add_test(tc, test_lists_lmpop);
    tcase_add_test(tc, test_lists_lmpop_first_key_in_argument_order);
    tcase_add_test(tc, test_lists_lmpop_big_count_yields);
    tcase_add_test(tc, test_lists_get_shows_the_list);
    tcase_add_test(tc, test_lists_save_load_round_trip_and_refuse_garbage);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
