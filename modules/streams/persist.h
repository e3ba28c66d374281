/* persist.h -- a stream's snapshot form: its counters, entries and consumer groups. */
#ifndef KEEL_STREAMS_PERSIST_H
#define KEEL_STREAMS_PERSIST_H

#include <stddef.h>
#include <keel/sdk.h>

/* The type's save op: the whole stream to sink as packed datakit boxes (persist.c documents
 * the order). */
keel_status xs_save(const void *obj, keel_sink *sink);
/* The type's load op: a stream back from exactly what xs_save wrote; NULL with *err set when
 * the bytes are malformed (every count, ID order and reference is checked). */
void *xs_load(const void *data, size_t len, const char **err);

#endif
