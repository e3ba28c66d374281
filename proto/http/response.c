/* response.c -- writing one HTTP/1.1 response (response.h). */
#include "response.h"
#include "parse.h"

#include <stdio.h>
#include <string.h>

void http_response_write(const http_response *resp, keel_buf *out) {
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nServer: keel\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\n%s%s\r\n",
                     http_status_text(resp->status), resp->content_type, resp->n,
                     resp->close ? "Connection: close\r\n" : "",
                     resp->allow ? "Allow: GET, HEAD\r\n" : "");
    size_t hlen = n > 0 && (size_t)n < sizeof head ? (size_t)n : 0;
    size_t blen = resp->head ? 0 : resp->n;
    char *w = keel_buf_reserve(out, hlen + blen);
    memcpy(w, head, hlen);
    if (blen) memcpy(w + hlen, resp->body, blen);
    out->len += hlen + blen;
}
