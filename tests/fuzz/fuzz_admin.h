/* fuzz_admin.h -- what the in-process server's fuzz targets share: a random secret they store
 * or publish where a tenant must not reach it, counting it in replies without letting libFuzzer
 * learn it, the admin connection's scripted commands, the commands an input may send, splitting
 * an input line into arguments, and CHECK. */
#ifndef KEEL_FUZZ_ADMIN_H
#define KEEL_FUZZ_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "resp_reply.h"

/* Aborts, saying why (prefixed with the target's FUZZ_NAME), when cond is false. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, FUZZ_NAME ": " __VA_ARGS__);                                           \
            fprintf(stderr, "\n");                                                                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define FUZZ_WORD_LEN 32 /* the characters of a fuzz_random_word */

/* 32 random hex characters and a NUL, from /dev/urandom: the fuzzer cannot guess them. */
void fuzz_random_word(char out[FUZZ_WORD_LEN + 1]);

/* How many times does s[0..n) hold the FUZZ_WORD_LEN characters of word?  By a rolling hash, not
 * memmem: libFuzzer learns the operands of memmem and memcmp and would copy them into its
 * inputs. */
size_t fuzz_count_of(const char *word, const char *s, size_t n);

/* Runs commands given as one string on connection fd: '|' between arguments, ';' between
 * commands, an argument "@" standing for secret.  The replies go to *out; aborts, saying
 * which script, when the connection fails or stalls for timeout_ms. */
void fuzz_admin(int fd, const char *secret, const char *script, resp_buf *out, int timeout_ms);

/* The in-process server's world (inproc_server.h): two worker threads with the modules given,
 * an admin network at the top, a tenant network locked in namespace "tenant" (read + write), an
 * admin connection and a fresh secret.  Aborts when the server does not start. */
typedef struct fuzz_world {
    struct listener *admin_net, *tenant_net;
    int admin_fd;
    char secret[FUZZ_WORD_LEN + 1];
} fuzz_world;
void fuzz_world_start(fuzz_world *w, const char *const *modules, int nmodules);

/* Is name[0..len) one of the n names in list, ignoring case? */
bool fuzz_allowed(const char *const *list, size_t n, const char *name, size_t len);

/* Splits [a, end) at single spaces into at most max arguments (empty ones included); returns
 * how many. */
int fuzz_split_args(const char *a, const char *end, const char **argv, size_t *lens, int max);

/* An input of the in-process targets: a header line, then one command a line.  Header byte 0
 * 'a' runs on the admin network (else the tenant's), byte 1 picks the worker thread, byte 2
 * (ns_commands) 's' sends one command at a time. */
typedef struct fuzz_input {
    bool as_admin, one_by_one;
    int thread;
    const char *body, *end; /* the command lines (body == end: none) */
} fuzz_input;
fuzz_input fuzz_read_input(const uint8_t *data, size_t size);

#define FUZZ_MAX_ARGS 40 /* a command line's arguments past these are joined to the last */

/* Calls take(ctx, who, argc, argv, lens) for each command line of in that has a name: who is 1
 * for a line starting with '@' (the second client's), else 0; arguments are split at single
 * spaces.  Stops once take has accepted (returned true for) max lines. */
typedef bool (*fuzz_take_fn)(void *ctx, int who, int argc, const char **argv, size_t *lens);
void fuzz_each_command(const fuzz_input *in, size_t max, fuzz_take_fn take, void *ctx);

#endif
