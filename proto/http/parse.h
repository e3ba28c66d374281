/* parse.h -- the HTTP/1.x request parser of http.so: bytes in, one request's head out.
 *
 * A pure function over a byte window (no allocation, no SDK call), so the fuzz target and the
 * unit tests run exactly what the module runs.  It reads the request line and the header fields,
 * skips a body announced by Content-Length, and refuses what it will not serve with the status
 * to answer.  Limits: HTTP_MAX_HEAD bytes of request line and headers, HTTP_MAX_BODY of body.
 */
#ifndef HTTP_PARSE_H
#define HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD 8192  /* request line + header fields + blank line (431 past it) */
#define HTTP_MAX_BODY 65536 /* the largest body read and thrown away (413 past it) */

typedef enum http_parse_status {
    HTTP_PARSED = 0, /* one whole request (head and body) in the window */
    HTTP_NEED,       /* incomplete: call again with more bytes (need: the total wanted, or 0) */
    HTTP_REFUSED     /* a request not to be served: answer status and close the connection */
} http_parse_status;

/* What the server serves (the resource a request's path names). */
typedef enum http_resource {
    HTTP_RES_NONE = 0, /* no such path: 404 */
    HTTP_RES_METRICS,  /* /metrics */
    HTTP_RES_STATS,    /* /stats */
    HTTP_RES_HEALTH    /* /health */
} http_resource;

typedef struct http_request {
    size_t consumed;        /* HTTP_PARSED: bytes of head and body */
    size_t need;            /* HTTP_NEED: total bytes wanted from the window's start, 0 = any */
    int status;             /* HTTP_REFUSED: 400, 405 ... to answer */
    http_resource resource; /* HTTP_PARSED: what the path names */
    bool head;              /* HEAD: answer with headers only */
    bool method_allowed;    /* GET or HEAD (otherwise 405 for a known resource) */
    bool keep_alive;        /* the connection stays open after the answer */
} http_request;

/* Parses at most one request from buf[0..len).  Never reads past len. */
http_parse_status http_parse(const char *buf, size_t len, http_request *req);

/* The status line text of a status code the module answers ("404 Not Found"); a static string.
 * An unknown code gives "500 Internal Server Error". */
const char *http_status_text(int status);

#endif
