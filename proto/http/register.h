/* register.h -- everything http.so registers, in one place. */
#ifndef HTTP_REGISTER_H
#define HTTP_REGISTER_H

#include <keel/sdk.h>

/* Registers the "http" protocol, then the HTTP.SCRAPE opcode and command; logs and returns the
 * first failure.  Only inside init. */
keel_status http_register(keel_module *m);

#endif
