/* harness_replay.c -- runs a command script through the module harness and writes each reply as
 * the RESP2 bytes resp.so would send, so test_harness_conformance.py can compare them with a
 * real keel-server's replies to the same script.  One command a line on stdin, its words split
 * by single spaces; strings.so and lists.so are loaded; every process yields at every opcode
 * boundary on a budget of 2 reductions, as the most crowded server would make it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "modules/lists/register.h"
#include "modules/strings/register.h"
#include "proto/resp/encode.h"
#include "fake_api.h"

#define MAX_WORDS 64

int main(void) {
    fake_api_reset();
    if (str_register(fake_module()) != KEEL_OK || lst_register(fake_module()) != KEEL_OK) {
        fprintf(stderr, "harness_replay: cannot register: %s\n", fake_last_log());
        return 2;
    }
    fake_set_yield_every_op(true);
    char line[4096];
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0]) continue;
        const char *words[MAX_WORDS];
        int argc = 0;
        for (char *w = strtok(line, " "); w && argc < MAX_WORDS; w = strtok(NULL, " "))
            words[argc++] = w;
        keel_proc *p = fake_proc_new(NULL, argc, words);
        fake_proc_set_budget(p, 2);
        fake_call(p);
        keel_buf out = {0};
        for (const keel_reply *r = fake_proc_reply(p); r; r = r->next)
            resp_encode(r, 2, &out);
        fwrite(out.data, 1, out.len, stdout);
        fake_buf_free(&out);
        fake_proc_free(p);
    }
    return 0;
}
