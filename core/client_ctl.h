/* client_ctl.h -- the CLIENT subcommands that change how the server treats clients: PAUSE,
 * UNPAUSE, UNBLOCK, REPLY, NO-EVICT, NO-TOUCH (cmd/client.c dispatches to them). */
#ifndef KEEL_CORE_CLIENT_CTL_H
#define KEEL_CORE_CLIENT_CTL_H

#include <keel/sdk.h>

/* Each replies and returns the opcode's result; p->argv[1] names the subcommand. */
keel_op_result client_ctl_pause(keel_proc *p);
keel_op_result client_ctl_unpause(keel_proc *p);
keel_op_result client_ctl_unblock(keel_proc *p);
keel_op_result client_ctl_reply(keel_proc *p);
keel_op_result client_ctl_flag(keel_proc *p); /* NO-EVICT and NO-TOUCH on|off */

#endif
