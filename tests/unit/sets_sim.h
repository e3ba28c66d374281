/* sets_sim.h -- for the sets.so and hll.so unit tests: runs commands on the fake SDK table
 * (fake_api.h) as if their keys lived on two threads, and shows replies as short text.
 *
 * With the simulation on, a key whose name starts with 'x', 'y' or 'z' lives on thread 1, any
 * other on thread 0; keyspace calls on a key of the other thread answer KEEL_MOVED, and
 * keel_key_nth orders keys by thread (as the core orders them by shard).  sim_run starts a
 * command on the thread of its last key in that order (where the core's key.lock leaves it) and
 * moves it whenever it returns KEEL_HOP, counting hops.  With the simulation off, or outside
 * sim_run (a test calling keel_key_* itself), every key is on thread 0 and nothing moves.
 */
#ifndef KEEL_TEST_SETS_SIM_H
#define KEEL_TEST_SETS_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/sdk.h>

/* Resets the fake table (fake_api_reset) and points keel_api_ptr at the simulating copy. */
void sim_reset(bool two_threads);

/* Turns the two-thread simulation on or off (keys stay where they are stored). */
void sim_threads(bool on);

/* Runs argv[0]'s command with the given budget per slice until it finishes; returns the
 * process (free with fake_proc_free) and sets *result to KEEL_DONE or KEEL_FAIL. */
keel_proc *sim_run(int64_t budget, keel_op_result *result, int argc, const char *const *argv);

/* Hops and yields of the last sim_run. */
long sim_hops(void);
long sim_yields(void);

/* Runs a command and returns its reply as text, in a static buffer valid until the next call:
 * integers "12", bulk strings as they are, nil "nil", simple strings "+OK", errors "!ERR ...",
 * aggregates "[a,b,c]". */
const char *sim_text(int64_t budget, int argc, const char *const *argv);

/* The same for a NULL-terminated list of words, with the default budget of 1000. */
#define SIM(...)                                                                                   \
    sim_text(1000, sim_argc_((const char *const[]){__VA_ARGS__, NULL}),                            \
             (const char *const[]){__VA_ARGS__, NULL})
#define SIM_BUDGET(B, ...)                                                                         \
    sim_text(B, sim_argc_((const char *const[]){__VA_ARGS__, NULL}),                               \
             (const char *const[]){__VA_ARGS__, NULL})
int sim_argc_(const char *const *argv);

/* Writes a reply as text (see sim_text) into out (cap bytes, NUL-terminated, cut if needed). */
void sim_show(const keel_reply *r, char *out, size_t cap);

#endif
