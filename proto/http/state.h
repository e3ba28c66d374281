/* state.h -- an HTTP connection's state and the tag each request carries to its reply. */
#ifndef HTTP_STATE_H
#define HTTP_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/sdk.h>

/* A request's tag: what its reply becomes.  Bit 7 is always set, so tag 0 is a reply the core
 * queued itself (a refused request or connection), never one of ours. */
#define HTTP_TAG_KIND_MASK 0x0fu /* an http_reply_kind */
#define HTTP_TAG_HEAD (1u << 4)  /* HEAD: headers only */
#define HTTP_TAG_CLOSE (1u << 5) /* close the connection after this reply */
#define HTTP_TAG_REQUEST (1u << 7)

typedef enum http_reply_kind {
    HTTP_KIND_NOT_FOUND = 0, /* 404 (the permission check still comes first: 403) */
    HTTP_KIND_BAD_METHOD,    /* 405 with Allow */
    HTTP_KIND_METRICS,       /* the body is Prometheus text */
    HTTP_KIND_STATS,         /* the body is JSON */
    HTTP_KIND_HEALTH         /* the body is "ok" */
} http_reply_kind;

/* The per-connection state the core allocates (zeroed). */
typedef struct http_state {
    keel_arg argv[2]; /* the request handed to the core (copied by it at once) */
    bool closing;     /* a request asked to close: later ones are not read */
} http_state;

#endif
