/* scrape.h -- HTTP.SCRAPE, the command every HTTP request becomes: the server's statistics as
 * Prometheus text, as STATS's JSON, or its health. */
#ifndef HTTP_SCRAPE_H
#define HTTP_SCRAPE_H

#include <stddef.h>
#include <keel/sdk.h>

/* HTTP.SCRAPE's opcode and command, registered by register.c. */
extern const keel_family http_scrape_family;

#endif
