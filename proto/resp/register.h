/* register.h -- everything resp.so registers, in one place. */
#ifndef RESP_REGISTER_H
#define RESP_REGISTER_H

#include <keel/sdk.h>

/* Registers the "resp" protocol, then every opcode and command family of the module; logs and
 * returns the first failure.  Only inside init. */
keel_status resp_register(keel_module *m);

#endif
