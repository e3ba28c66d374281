/* wire.c -- the fixed lines the parser answers bad commands with. */
#include "wire.h"

#define LINE(s)                                                                                    \
    { s, sizeof(s) - 1 }

const mc_line mc_msg_lines[MC_MSG_COUNT] = {
    [MC_MSG_ERROR] = LINE("ERROR"),
    [MC_MSG_BAD_FORMAT] = LINE("CLIENT_ERROR bad command line format"),
    [MC_MSG_DELETE_USAGE] = LINE("CLIENT_ERROR bad command line format.  "
                                 "Usage: delete <key> [noreply]"),
    [MC_MSG_BAD_EXPTIME] = LINE("CLIENT_ERROR invalid exptime argument"),
    [MC_MSG_BAD_DELTA] = LINE("CLIENT_ERROR invalid numeric delta argument"),
    [MC_MSG_TOO_LARGE] = LINE("SERVER_ERROR object too large for cache"),
    [MC_MSG_KEY_DECODE] = LINE("CLIENT_ERROR error decoding key"),
    [MC_MSG_BAD_TOKEN] = LINE("CLIENT_ERROR bad token in command line format"),
    [MC_MSG_TOO_MANY] = LINE("CLIENT_ERROR too many tokens"),
    [MC_MSG_SLABS_BADCLASS] = LINE("BADCLASS invalid src or dst class id"),
    [MC_MSG_SLABS_NOSPARE] = LINE("NOSPARE source class has no spare pages"),
    [MC_MSG_SLABS_SAME] = LINE("SAME src and dst class are identical"),
};
