/* client_ctl.h -- the CLIENT subcommands that change how the server treats clients: PAUSE,
 * UNPAUSE, UNBLOCK, REPLY, NO-EVICT, NO-TOUCH (cmd/client.c dispatches to them). */
#ifndef KEEL_CORE_CLIENT_CTL_H
#define KEEL_CORE_CLIENT_CTL_H

#include <keel/sdk.h>

/* Whether `me` may see and act on client c (CLIENT LIST, INFO by id, UNBLOCK): a client of a
 * network with the admin permission sees every client, any other only its own network's (the
 * others are other tenants, other applications). */
bool client_visible_to(const keel_conn *me, const keel_conn *c);

/* True when me's network has the admin permission; else replies NOPERM naming `what` ("client
 * kill") and returns false. */
bool client_need_admin(keel_proc *p, const keel_conn *me, const char *what);

/* Each replies and returns the opcode's result; p->argv[1] names the subcommand.  PAUSE and
 * UNPAUSE act on every client of every network: they need the admin permission. */
keel_op_result client_ctl_pause(keel_proc *p);
keel_op_result client_ctl_unpause(keel_proc *p);
keel_op_result client_ctl_unblock(keel_proc *p);
keel_op_result client_ctl_reply(keel_proc *p);
keel_op_result client_ctl_flag(keel_proc *p); /* NO-EVICT and NO-TOUCH on|off */

#endif
