/* test_pubsub.c -- pubsub.so on the fake SDK table: subscriptions and their replies, the fan-out
 * to threads (one hand-off per thread), generations, patterns, shard channels, namespaces, the
 * connection hooks, PUBSUB. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_api.h"
#include "modules/pubsub/register.h"

static void setup(void) {
    fake_api_reset();
    fake_set_threads(3);
    ck_assert_int_eq(ps_register(fake_module()), KEEL_OK);
}

static void teardown(void) {
    ps_unregister(fake_module());
    ck_assert_int_eq(fake_api_live_allocs(), 0);
}

/* A RESP client on worker thread t. */
static keel_conn *client_on(uint32_t t) {
    keel_conn *c = fake_conn_new(NULL);
    c->thread = t;
    return c;
}

/* Renders a reply tree as text: aggregates in brackets, nil as "nil", a line per top-level
 * reply. */
static void render(const keel_reply *r, char *out, size_t cap, size_t *n) {
    switch (r->type) {
    case KEEL_REPLY_PUSH:
    case KEEL_REPLY_ARRAY: {
        *n += (size_t)snprintf(out + *n, cap - *n, "[");
        const keel_reply *k = r->v.child;
        for (uint32_t i = 0; i < r->len && k; i++, k = k->next) {
            if (i) *n += (size_t)snprintf(out + *n, cap - *n, " ");
            render(k, out, cap, n);
        }
        *n += (size_t)snprintf(out + *n, cap - *n, "]");
        break;
    }
    case KEEL_REPLY_INT:
        *n += (size_t)snprintf(out + *n, cap - *n, "%lld", (long long)r->v.i);
        break;
    case KEEL_REPLY_NIL:
        *n += (size_t)snprintf(out + *n, cap - *n, "nil");
        break;
    default:
        *n += (size_t)snprintf(out + *n, cap - *n, "%.*s", (int)r->len, r->v.s);
    }
}

/* Runs argv as c's command on c's thread; returns its replies rendered, a line each. */
static const char *run_on(keel_conn *c, int argc, const char *const *argv) {
    static char text[8192];
    fake_set_thread_self(c ? (int)c->thread : 0);
    keel_proc *p = fake_proc_new(c, argc, argv);
    fake_call(p);
    size_t n = 0;
    text[0] = '\0';
    for (const keel_reply *r = fake_proc_reply(p); r; r = r->next) {
        render(r, text, sizeof text, &n);
        n += (size_t)snprintf(text + n, sizeof text - n, "\n");
    }
    fake_proc_free(p);
    return text;
}

#define RUN(C, ...)                                                                                \
    run_on(C, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),                 \
           (const char *[]){__VA_ARGS__})

/* ---- subscribing ---- */

START_TEST(test_pubsub_subscribe_confirms_each_channel_with_the_count) {
    keel_conn *c = client_on(0);
    ck_assert_str_eq(RUN(c, "SUBSCRIBE", "a", "b", "a"),
                     "[subscribe a 1]\n[subscribe b 2]\n[subscribe a 2]\n");
    ck_assert_str_eq(RUN(c, "PSUBSCRIBE", "x*"), "[psubscribe x* 3]\n");
    ck_assert_str_eq(RUN(c, "SSUBSCRIBE", "s"), "[ssubscribe s 1]\n"); /* its own count */
    ck_assert_uint_eq(c->subs[0], 2);
    ck_assert_uint_eq(c->subs[1], 1);
    ck_assert_uint_eq(c->subs[2], 1);
    ck_assert_str_eq(RUN(c, "UNSUBSCRIBE", "b", "nope"),
                     "[unsubscribe b 2]\n[unsubscribe nope 2]\n");
    ck_assert_uint_eq(c->subs[0], 1);
    fake_conn_free(c);
}
END_TEST

START_TEST(test_pubsub_unsubscribe_all_goes_in_the_order_made) {
    keel_conn *c = client_on(1);
    ck_assert_str_eq(RUN(c, "UNSUBSCRIBE"), "[unsubscribe nil 0]\n"); /* never subscribed */
    RUN(c, "SUBSCRIBE", "z", "a", "m");
    RUN(c, "PSUBSCRIBE", "p1", "p2");
    ck_assert_str_eq(RUN(c, "UNSUBSCRIBE"),
                     "[unsubscribe z 4]\n[unsubscribe a 3]\n[unsubscribe m 2]\n");
    ck_assert_str_eq(RUN(c, "UNSUBSCRIBE"), "[unsubscribe nil 2]\n");
    ck_assert_str_eq(RUN(c, "PUNSUBSCRIBE"), "[punsubscribe p1 1]\n[punsubscribe p2 0]\n");
    ck_assert_str_eq(RUN(c, "SUNSUBSCRIBE"), "[sunsubscribe nil 0]\n");
    ck_assert_uint_eq(c->subs[0] + c->subs[1] + c->subs[2], 0);
    fake_conn_free(c);
}
END_TEST

/* ---- publishing ---- */

START_TEST(test_pubsub_publish_on_the_same_thread_delivers_at_once) {
    keel_conn *sub = client_on(0), *pub = client_on(0);
    RUN(sub, "SUBSCRIBE", "ch");
    ck_assert_str_eq(RUN(pub, "PUBLISH", "ch", "hello"), "1\n");
    ck_assert_str_eq(fake_conn_pushes(sub), "message ch hello\n");
    ck_assert_int_eq(fake_posted(0) + fake_posted(1) + fake_posted(2), 0);
    ck_assert_str_eq(RUN(pub, "PUBLISH", "other", "x"), "0\n");
    ck_assert_str_eq(fake_conn_pushes(sub), "");
    fake_conn_free(sub);
    fake_conn_free(pub);
}
END_TEST

START_TEST(test_pubsub_publish_hands_one_message_to_each_other_thread) {
    keel_conn *pub = client_on(0), *subs[5];
    for (int i = 0; i < 5; i++) {
        subs[i] = client_on(i < 3 ? 1 : 2); /* three on thread 1, two on thread 2 */
        RUN(subs[i], "SUBSCRIBE", "news");
    }
    ck_assert_str_eq(RUN(pub, "PUBLISH", "news", "m1"), "5\n");
    ck_assert_str_eq(RUN(pub, "PUBLISH", "news", "m2"), "5\n");
    ck_assert_int_eq(fake_posted(0), 0);
    ck_assert_int_eq(fake_posted(1), 2); /* one per message, not one per subscriber */
    ck_assert_int_eq(fake_posted(2), 2);
    for (int i = 0; i < 5; i++)
        ck_assert_str_eq(fake_conn_pushes(subs[i]), ""); /* not yet */
    ck_assert_int_eq(fake_run_posted(1), 2);
    ck_assert_int_eq(fake_run_posted(2), 2);
    for (int i = 0; i < 5; i++) {
        ck_assert_str_eq(fake_conn_pushes(subs[i]), "message news m1\nmessage news m2\n");
        fake_conn_free(subs[i]);
    }
    fake_conn_free(pub);
}
END_TEST

START_TEST(test_pubsub_message_reaches_only_subscriptions_older_than_it) {
    keel_conn *pub = client_on(0), *early = client_on(1), *late = client_on(1);
    RUN(early, "SUBSCRIBE", "ch");
    RUN(early, "PSUBSCRIBE", "c*");
    ck_assert_str_eq(RUN(pub, "PUBLISH", "ch", "first"), "2\n");
    RUN(late, "SUBSCRIBE", "ch"); /* before thread 1 has the message */
    RUN(late, "PSUBSCRIBE", "c*");
    fake_run_posted(1);
    ck_assert_str_eq(fake_conn_pushes(early), "message ch first\npmessage c* ch first\n");
    ck_assert_str_eq(fake_conn_pushes(late), "");
    ck_assert_str_eq(RUN(pub, "PUBLISH", "ch", "second"), "4\n");
    RUN(early, "UNSUBSCRIBE", "ch"); /* before it arrives: it misses it */
    fake_run_posted(1);
    ck_assert_str_eq(fake_conn_pushes(early), "pmessage c* ch second\n");
    ck_assert_str_eq(fake_conn_pushes(late), "message ch second\npmessage c* ch second\n");
    fake_conn_free(early);
    fake_conn_free(late);
    fake_conn_free(pub);
}
END_TEST

START_TEST(test_pubsub_patterns_match_as_globs_in_the_order_subscribed) {
    keel_conn *c = client_on(0), *pub = client_on(0);
    RUN(c, "PSUBSCRIBE", "news.*", "*.sport", "n?ws.[a-s]*", "x");
    RUN(c, "SUBSCRIBE", "news.sport");
    ck_assert_str_eq(RUN(pub, "PUBLISH", "news.sport", "goal"), "4\n");
    ck_assert_str_eq(fake_conn_pushes(c), "message news.sport goal\n"
                                          "pmessage news.* news.sport goal\n"
                                          "pmessage *.sport news.sport goal\n"
                                          "pmessage n?ws.[a-s]* news.sport goal\n");
    ck_assert_str_eq(RUN(pub, "PUBLISH", "news.tv", "x"), "1\n");
    ck_assert_str_eq(fake_conn_pushes(c), "pmessage news.* news.tv x\n");
    fake_conn_free(c);
    fake_conn_free(pub);
}
END_TEST

START_TEST(test_pubsub_shard_channels_are_apart) {
    keel_conn *c = client_on(0), *pub = client_on(1);
    RUN(c, "SSUBSCRIBE", "s");
    RUN(c, "PSUBSCRIBE", "*");
    ck_assert_str_eq(RUN(pub, "SPUBLISH", "s", "1"), "1\n"); /* patterns never see shard channels */
    ck_assert_str_eq(RUN(pub, "PUBLISH", "s", "2"), "1\n");  /* only the pattern */
    fake_run_posted(0);
    ck_assert_str_eq(fake_conn_pushes(c), "smessage s 1\npmessage * s 2\n");
    fake_conn_free(c);
    fake_conn_free(pub);
}
END_TEST

START_TEST(test_pubsub_publish_from_outside_the_workers_posts_to_every_thread) {
    keel_conn *a = client_on(0), *b = client_on(2);
    RUN(a, "SUBSCRIBE", "ev");
    RUN(b, "SUBSCRIBE", "ev");
    fake_set_thread_self(-1);
    ck_assert_int_eq(keel_publish(NULL, 0, 0, "ev", 2, "x", 1), 2);
    ck_assert_int_eq(keel_publish(NULL, 0, 99, "ev", 2, "x", 1), -1); /* unknown flags */
    keel_arg deep[KEEL_NS_DEPTH_MAX + 1], empty = {"", 0};
    for (int i = 0; i <= KEEL_NS_DEPTH_MAX; i++)
        deep[i] = (keel_arg){"n", 1};
    ck_assert_int_eq(keel_publish(deep, KEEL_NS_DEPTH_MAX + 1, 0, "ev", 2, "x", 1), -1);
    ck_assert_int_eq(keel_publish(&empty, 1, 0, "ev", 2, "x", 1), -1); /* no namespace */
    ck_assert_int_eq(keel_publish(deep, KEEL_NS_DEPTH_MAX, 0, "ev", 2, "x", 1), 0);
    ck_assert_int_eq(fake_posted(0), 1);
    ck_assert_int_eq(fake_posted(2), 1);
    fake_run_posted(0);
    fake_run_posted(2);
    ck_assert_str_eq(fake_conn_pushes(a), "message ev x\n");
    ck_assert_str_eq(fake_conn_pushes(b), "message ev x\n");
    fake_conn_free(a);
    fake_conn_free(b);
}
END_TEST

START_TEST(test_pubsub_binary_names_and_empty_messages) {
    keel_conn *c = client_on(0);
    keel_arg sub[2] = {{"SUBSCRIBE", 9}, {"a\0b\r\n", 5}};
    keel_proc *p = fake_proc_new_args(c, 2, sub);
    ck_assert_int_eq(fake_call(p), KEEL_DONE);
    fake_proc_free(p);
    ck_assert_int_eq(keel_publish(NULL, 0, 0, "a\0b\r\n", 5, "", 0), 1);
    ck_assert_int_eq(keel_publish(NULL, 0, 0, "a", 1, "", 0), 0);
    ck_assert_int_eq(memcmp(fake_conn_pushes(c), "message a\0b\r\n \n", 16), 0);
    fake_conn_free(c);
}
END_TEST

/* ---- namespaces ---- */

static void enter(keel_conn *c, const char *name) {
    keel_arg a = {name, strlen(name)};
    ck_assert_int_eq(keel_conn_ns_enter(c, &a, 1), KEEL_OK);
}

START_TEST(test_pubsub_channels_live_in_the_namespace) {
    keel_conn *top = client_on(0), *tenant = client_on(1), *other = client_on(2);
    enter(tenant, "t1");
    enter(other, "t2");
    RUN(top, "SUBSCRIBE", "news");
    RUN(top, "PSUBSCRIBE", "*");
    RUN(tenant, "SUBSCRIBE", "news");
    RUN(tenant, "PSUBSCRIBE", "*");
    ck_assert_str_eq(RUN(tenant, "PUBLISH", "news", "t"), "2\n"); /* its own two */
    ck_assert_str_eq(RUN(other, "PUBLISH", "news", "o"), "0\n");
    ck_assert_str_eq(RUN(top, "PUBLISH", "news", "p"), "2\n");
    /* a name spelling the tenant's identity is just a name at the top */
    keel_arg fake_id[3] = {{"PUBLISH", 7}, {"\x01\x00\x02t1news", 9}, {"x", 1}};
    keel_proc *p = fake_proc_new_args(top, 3, fake_id);
    fake_set_thread_self(0);
    fake_call(p);
    ck_assert_int_eq(fake_proc_reply(p)->v.i, 1); /* the top's pattern */
    fake_proc_free(p);
    fake_run_posted(1);
    ck_assert_str_eq(fake_conn_pushes(tenant), "message news t\npmessage * news t\n");
    ck_assert_int_eq(
        memcmp(fake_conn_pushes(top), "message news p\npmessage * news p\npmessage * \x01", 41), 0);
    /* a path given to keel_publish names the same channel */
    keel_arg t1 = {"t1", 2};
    ck_assert_int_eq(keel_publish(&t1, 1, 0, "news", 4, "k", 1), 2);
    fake_run_posted(1);
    ck_assert_str_eq(fake_conn_pushes(tenant), "message news k\npmessage * news k\n");
    /* PUBSUB sees the namespace only, by its own names */
    ck_assert_str_eq(RUN(tenant, "PUBSUB", "CHANNELS"), "[news]\n");
    ck_assert_str_eq(RUN(other, "PUBSUB", "CHANNELS"), "[]\n");
    ck_assert_str_eq(RUN(tenant, "PUBSUB", "NUMSUB", "news"), "[news 1]\n");
    ck_assert_str_eq(RUN(other, "PUBSUB", "NUMPAT"), "0\n");
    ck_assert_str_eq(RUN(tenant, "PUBSUB", "NUMPAT"), "1\n");
    fake_conn_free(top);
    fake_conn_free(tenant);
    fake_conn_free(other);
}
END_TEST

START_TEST(test_pubsub_a_subscription_keeps_its_namespace) {
    keel_conn *c = client_on(0);
    RUN(c, "SUBSCRIBE", "news");
    enter(c, "t1");
    ck_assert_str_eq(RUN(c, "UNSUBSCRIBE", "news"),
                     "[unsubscribe news 1]\n"); /* t1's: not subscribed */
    ck_assert_int_eq(keel_publish(NULL, 0, 0, "news", 4, "m", 1), 1);
    ck_assert_str_eq(fake_conn_pushes(c), "message news m\n");
    ck_assert_str_eq(RUN(c, "UNSUBSCRIBE"), "[unsubscribe news 0]\n"); /* all, wherever made */
    fake_conn_free(c);
}
END_TEST

/* ---- hooks ---- */

START_TEST(test_pubsub_closing_drops_every_subscription) {
    keel_conn *c = client_on(1), *pub = client_on(0);
    RUN(c, "SUBSCRIBE", "a", "b");
    RUN(c, "PSUBSCRIBE", "*");
    RUN(c, "SSUBSCRIBE", "s");
    ck_assert_str_eq(RUN(pub, "PUBLISH", "a", "x"), "2\n");
    fake_conn_free(c); /* the message still on its way finds nobody */
    ck_assert_int_eq(fake_run_posted(1), 1);
    ck_assert_str_eq(RUN(pub, "PUBLISH", "a", "x"), "0\n");
    ck_assert_str_eq(RUN(pub, "SPUBLISH", "s", "x"), "0\n");
    ck_assert_str_eq(RUN(pub, "PUBSUB", "NUMSUB", "a", "b"), "[a 0 b 0]\n");
    ck_assert_str_eq(RUN(pub, "PUBSUB", "NUMPAT"), "0\n");
    ck_assert_int_eq(fake_posted(1), 0);
    fake_conn_free(pub);
}
END_TEST

START_TEST(test_pubsub_reset_drops_every_subscription_quietly) {
    keel_conn *c = client_on(0);
    RUN(c, "SUBSCRIBE", "a");
    RUN(c, "PSUBSCRIBE", "b*");
    keel_conn_reset(c);
    ck_assert_uint_eq(c->subs[0] + c->subs[1] + c->subs[2], 0);
    ck_assert_str_eq(fake_conn_pushes(c), "");
    ck_assert_int_eq(keel_publish(NULL, 0, 0, "a", 1, "x", 1), 0);
    ck_assert_str_eq(RUN(c, "SUBSCRIBE", "a"), "[subscribe a 1]\n"); /* and starts again */
    fake_conn_free(c);
}
END_TEST

START_TEST(test_pubsub_a_closed_connection_cannot_subscribe) {
    keel_conn *c = client_on(0);
    c->closed = true; /* an EXEC running after its client left */
    ck_assert_str_eq(RUN(c, "SUBSCRIBE", "a"), "ERR the connection is closed\n");
    ck_assert_int_eq(keel_publish(NULL, 0, 0, "a", 1, "x", 1), 0);
    fake_conn_free(c);
}
END_TEST

/* ---- PUBSUB ---- */

START_TEST(test_pubsub_introspection) {
    keel_conn *a = client_on(0), *b = client_on(1), *q = client_on(2);
    RUN(a, "SUBSCRIBE", "news.1", "news.2", "other");
    RUN(b, "SUBSCRIBE", "news.1");
    RUN(a, "PSUBSCRIBE", "n*", "m*");
    RUN(b, "PSUBSCRIBE", "n*");
    RUN(b, "SSUBSCRIBE", "s1", "s2");
    ck_assert_str_eq(RUN(q, "PUBSUB", "CHANNELS", "news.[1]"), "[news.1]\n");
    ck_assert_str_eq(RUN(q, "PUBSUB", "NUMSUB", "news.1", "other", "none"),
                     "[news.1 2 other 1 none 0]\n");
    ck_assert_str_eq(RUN(q, "PUBSUB", "NUMSUB"), "[]\n");
    ck_assert_str_eq(RUN(q, "PUBSUB", "NUMPAT"), "2\n"); /* distinct patterns */
    ck_assert_str_eq(RUN(q, "PUBSUB", "SHARDCHANNELS", "*2"), "[s2]\n");
    ck_assert_str_eq(RUN(q, "PUBSUB", "SHARDNUMSUB", "s1", "news.1"), "[s1 1 news.1 0]\n");
    ck_assert_str_eq(RUN(q, "PUBSUB", "CHANNELS", "s*"), "[]\n"); /* shard channels apart */
    ck_assert_str_eq(RUN(q, "PUBSUB", "numpat", "x"),
                     "ERR wrong number of arguments for 'pubsub|numpat' command\n");
    ck_assert_str_eq(
        RUN(q, "PUBSUB", "CHANNELS", "a", "b"),
        "ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\n");
    ck_assert_str_eq(RUN(q, "PUBSUB", "nope"), "ERR unknown subcommand 'nope'. Try PUBSUB HELP.\n");
    ck_assert_ptr_nonnull(strstr(RUN(q, "PUBSUB", "HELP"), "SHARDNUMSUB [<shardchannel> ...]"));
    fake_conn_free(a);
    fake_conn_free(b);
    fake_conn_free(q);
}
END_TEST

static int64_t dummy_publisher(const keel_arg *path, uint32_t npath, unsigned flags,
                               const void *channel, size_t clen, const void *msg, size_t mlen) {
    (void)path, (void)npath, (void)flags, (void)channel, (void)clen, (void)msg, (void)mlen;
    return 0;
}

START_TEST(test_pubsub_registers_commands_flagged_for_subscribed_mode) {
    const char *allowed[] = {"SUBSCRIBE",    "UNSUBSCRIBE", "PSUBSCRIBE",
                             "PUNSUBSCRIBE", "SSUBSCRIBE",  "SUNSUBSCRIBE"};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        const keel_cmd_def *d = fake_command(allowed[i]);
        ck_assert_ptr_nonnull(d);
        ck_assert(d->flags & KEEL_CMD_PUBSUB);
        ck_assert(d->flags & KEEL_CMD_CONN);
    }
    ck_assert(!(fake_command("PUBLISH")->flags & KEEL_CMD_PUBSUB));
    ck_assert(fake_command("PUBLISH")->flags & KEEL_CMD_WRITE);
    ck_assert(!(fake_command("PUBSUB")->flags & KEEL_CMD_PUBSUB));
    /* the module is the server's publisher: a second one is refused */
    ck_assert_int_eq(keel_register_publisher(fake_module(), dummy_publisher, NULL), KEEL_EEXIST);
}
END_TEST

int main(void) {
    Suite *s = suite_create("pubsub");
    TCase *tc = tcase_create("pubsub");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_pubsub_subscribe_confirms_each_channel_with_the_count);
    tcase_add_test(tc, test_pubsub_unsubscribe_all_goes_in_the_order_made);
    tcase_add_test(tc, test_pubsub_publish_on_the_same_thread_delivers_at_once);
    tcase_add_test(tc, test_pubsub_publish_hands_one_message_to_each_other_thread);
    tcase_add_test(tc, test_pubsub_message_reaches_only_subscriptions_older_than_it);
    tcase_add_test(tc, test_pubsub_patterns_match_as_globs_in_the_order_subscribed);
    tcase_add_test(tc, test_pubsub_shard_channels_are_apart);
    tcase_add_test(tc, test_pubsub_publish_from_outside_the_workers_posts_to_every_thread);
    tcase_add_test(tc, test_pubsub_binary_names_and_empty_messages);
    tcase_add_test(tc, test_pubsub_channels_live_in_the_namespace);
    tcase_add_test(tc, test_pubsub_a_subscription_keeps_its_namespace);
    tcase_add_test(tc, test_pubsub_closing_drops_every_subscription);
    tcase_add_test(tc, test_pubsub_reset_drops_every_subscription_quietly);
    tcase_add_test(tc, test_pubsub_a_closed_connection_cannot_subscribe);
    tcase_add_test(tc, test_pubsub_introspection);
    tcase_add_test(tc, test_pubsub_registers_commands_flagged_for_subscribed_mode);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
