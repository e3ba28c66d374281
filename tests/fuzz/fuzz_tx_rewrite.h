/* fuzz_tx_rewrite.h -- the tx_commands fuzz target's rewrites of scripts and blocking timeouts,
 * so that every input ends (fuzz_tx_rewrite.c says which and why). */
#ifndef KEEL_FUZZ_TX_REWRITE_H
#define KEEL_FUZZ_TX_REWRITE_H

#include <stdbool.h>
#include <stddef.h>

#define FUZZ_TX_NTEMPLATES 9

/* The script bodies EVAL may run, and the library FCALL calls into (loaded at start). */
extern const char *const fuzz_tx_templates[FUZZ_TX_NTEMPLATES];
extern const char fuzz_tx_library[];

/* Each template's SHA1 in hex, as SCRIPT LOAD answered it: the harness fills these at start. */
extern char fuzz_tx_shas[FUZZ_TX_NTEMPLATES][41];

/* Rewrites the command argv[0..argc) in place (pointers to static strings replace arguments):
 * EVAL's body, EVALSHA's one-byte SHA, and blocking timeouts. */
void fuzz_tx_rewrite(int argc, const char **argv, size_t *lens);

#endif
