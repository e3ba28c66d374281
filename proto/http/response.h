/* response.h -- writing one HTTP/1.1 response (status line, headers, body) into a keel_buf. */
#ifndef HTTP_RESPONSE_H
#define HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <keel/sdk.h>

typedef struct http_response {
    int status;               /* 200, 404 ... */
    const char *content_type; /* "text/plain; charset=utf-8" ... */
    const char *body;         /* n bytes (Content-Length counts them even when head) */
    size_t n;
    bool head;  /* HEAD: the headers only */
    bool close; /* Connection: close */
    bool allow; /* 405: Allow: GET, HEAD */
} http_response;

/* Appends resp to out. */
void http_response_write(const http_response *resp, keel_buf *out);

#endif
