/* test_lists_util.h -- helpers shared by the lists.so unit tests: run a command on the fake SDK
 * with a tiny reduction budget (so every loop yields and resumes) and compare its reply written
 * as compact text: bulk "abc", integer ":3", nil "nil", simple "+OK", error "!ERR ...", arrays
 * "[a,b]". */
#ifndef KEEL_TEST_LISTS_UTIL_H
#define KEEL_TEST_LISTS_UTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "modules/lists/register.h"

/* The budget every command runs with unless a test says otherwise. */
static int64_t lt_budget = 5;

/* Appends the text of reply r (and its children) to out. */
static inline void lt_text(const keel_reply *r, char *out, size_t cap) {
    size_t n = strlen(out);
    switch (r->type) {
    case KEEL_REPLY_NIL:
        snprintf(out + n, cap - n, "nil");
        break;
    case KEEL_REPLY_INT:
        snprintf(out + n, cap - n, ":%lld", (long long)r->v.i);
        break;
    case KEEL_REPLY_BULK:
        snprintf(out + n, cap - n, "%.*s", (int)r->len, r->v.s);
        break;
    case KEEL_REPLY_SIMPLE:
        snprintf(out + n, cap - n, "+%.*s", (int)r->len, r->v.s);
        break;
    case KEEL_REPLY_ERROR:
        snprintf(out + n, cap - n, "!%.*s", (int)r->len, r->v.s);
        break;
    case KEEL_REPLY_ARRAY: {
        snprintf(out + n, cap - n, "[");
        const keel_reply *c = r->v.child;
        for (uint32_t i = 0; i < r->len && c; i++, c = c->next) {
            if (i) strncat(out, ",", cap - strlen(out) - 1);
            lt_text(c, out, cap);
        }
        strncat(out, "]", cap - strlen(out) - 1);
        break;
    }
    default:
        snprintf(out + n, cap - n, "?%d", r->type);
        break;
    }
}

/* Runs argv (NULL-terminated) with lt_budget; returns the process (free it) and its result. */
static inline keel_proc *lt_start(const char *const *argv, keel_op_result *res) {
    int argc = 0;
    while (argv[argc])
        argc++;
    keel_arg *args = calloc((size_t)argc, sizeof *args); /* fake_proc_new takes at most 64 */
    ck_assert_ptr_nonnull(args);
    for (int i = 0; i < argc; i++)
        args[i] = (keel_arg){argv[i], strlen(argv[i])};
    keel_proc *p = fake_proc_new_args(NULL, argc, args);
    free(args);
    fake_proc_set_budget(p, lt_budget);
    *res = fake_call(p);
    return p;
}

/* The reply of p as text (static buffer). */
static inline const char *lt_reply(const keel_proc *p) {
    static char buf[65536];
    buf[0] = '\0';
    for (const keel_reply *r = fake_proc_reply(p); r; r = r->next) {
        if (buf[0]) strncat(buf, " ", sizeof buf - strlen(buf) - 1);
        lt_text(r, buf, sizeof buf);
    }
    return buf;
}

/* Runs a command and checks its reply text and that it finished (DONE, or FAIL for errors). */
static inline void lt_expect(const char *want, const char *const *argv) {
    keel_op_result res;
    keel_proc *p = lt_start(argv, &res);
    const char *got = lt_reply(p);
    ck_assert_msg(strcmp(got, want) == 0, "%s %s: got '%s', want '%s'", argv[0],
                  argv[1] ? argv[1] : "", got, want);
    ck_assert_int_eq(res, want[0] == '!' ? KEEL_FAIL : KEEL_DONE);
    ck_assert(!fake_proc_reply_open(p));
    fake_proc_free(p);
}

#define EXPECT(WANT, ...) lt_expect(WANT, (const char *const[]){__VA_ARGS__, NULL})

#define WRONGTYPE "!WRONGTYPE Operation against a key holding the wrong kind of value"
#define NOTINT "!ERR value is not an integer or out of range"

/* Resets the fake SDK and registers lists.so. */
static inline void lt_setup(void) {
    fake_api_reset();
    lt_budget = 5;
    ck_assert_int_eq(lst_register(fake_module()), KEEL_OK);
}

#endif
