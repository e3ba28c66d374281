/* fake_internal.h -- how the fake keel_api's files (fake_api.c, fake_proc.c, fake_keyspace.c)
 * share the table and the clock.  Tests include fake_api.h only. */
#ifndef KEEL_TEST_FAKE_INTERNAL_H
#define KEEL_TEST_FAKE_INTERNAL_H

#include <keel/sdk.h>

/* Each file fills the entries it backs. */
void fake_proc_fill(keel_api *t);
void fake_keyspace_fill(keel_api *t);

/* Forgets every key (called by fake_api_reset). */
void fake_keyspace_reset(void);

/* The fake clock. */
int64_t fake_now(void);

void fake_options_reset(void);
/* Turns forced yields and the yield hook off (fake_proc.c). */
void fake_yields_reset(void);

/* Connections, threads and publishing (fake_conn.c): their entries, forgetting posted calls and
 * the publisher, and freeing what a connection holds for them. */
void fake_conn_fill(keel_api *t);
void fake_conn_reset(void);
void fake_conn_release(keel_conn *c);

/* The snapshot sink (fake_sink.c). */
void fake_sink_fill(keel_api *t);

#endif
