/* scrape.h -- HTTP.SCRAPE, the command every HTTP request becomes: the server's statistics as
 * Prometheus text, as STATS's JSON, or its health. */
#ifndef HTTP_SCRAPE_H
#define HTTP_SCRAPE_H

#include <stddef.h>
#include <keel/sdk.h>

extern const keel_opcode_def http_scrape_opcodes[];
extern const size_t http_scrape_opcode_count;
extern const keel_cmd_def http_scrape_commands[];
extern const size_t http_scrape_command_count;

#endif
