/* test_hello.c -- hello.so's unit test on the module harness: loads the module through its
 * descriptor and runs HELLO.WORLD in-process, yielding at every opcode boundary. */
#include <stdio.h>
#include <string.h>
#include <keel/sdk.h>
#include "fake_api.h"

extern const keel_module_desc keel_module_descriptor;

static int failures;
static void expect(int ok, const char *what) {
    if (!ok) fprintf(stderr, "FAIL: %s\n", what);
    failures += !ok;
}

/* Runs argv as one command and returns its reply (valid until the next call). */
static keel_proc *last;
static const keel_reply *call(int argc, const char *const *argv) {
    fake_proc_free(last);
    last = fake_proc_new(NULL, argc, argv);
    fake_call(last);
    return fake_proc_reply(last);
}

int main(void) {
    fake_api_reset();
    fake_set_yield_every_op(true);
    expect(fake_module_load(&keel_module_descriptor) == KEEL_OK, "the module loads");
    const keel_reply *r = call(1, (const char *[]){"HELLO.WORLD"});
    expect(r->type == KEEL_REPLY_SIMPLE && !strcmp(r->v.s, "hello, world"), "HELLO.WORLD greets");
    r = call(2, (const char *[]){"hello.world", "keel"});
    expect(r->type == KEEL_REPLY_BULK && r->len == 4 && !memcmp(r->v.s, "keel", 4),
           "HELLO.WORLD name replies the name");
    fake_proc_free(last);
    if (!failures) printf("ok: hello.so on the harness\n");
    return failures ? 1 : 0;
}
