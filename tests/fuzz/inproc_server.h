/* inproc_server.h -- a whole keel-server inside the calling process, for fuzz targets: the
 * core's commands and the modules named, worker threads running as keel-server runs them, and
 * client connections over socketpairs on networks the caller describes (nothing listens on TCP).
 * Requests travel the server's real path: the protocol module parses, the core checks the
 * network's permissions, applies the client's namespace and runs each command on the thread
 * that owns its keys; replies come back in order. */
#ifndef KEEL_FUZZ_INPROC_SERVER_H
#define KEEL_FUZZ_INPROC_SERVER_H

#include <stdbool.h>

struct listener;

/* Starts the server once: nthreads worker threads, the core's commands and the modules named
 * (from $KEEL_MODULE_DIR, else FUZZ_MODULE_DIR).  Returns 0, or -1 after printing why. */
int inproc_start(const char *const *modules, int nmodules, int nthreads);

/* A network speaking RESP with the permissions given (PERM_* of conf.h); clients start in the
 * namespace path ns[0..nns) (none: the top), which they can never leave when locked. */
struct listener *inproc_network(const char *name, unsigned permissions, const char *const *ns,
                                int nns, bool locked);

/* A new client connection on network l, served by worker thread `thread` (taken modulo the
 * thread count).  Returns the client's end of the socket (non-blocking), or -1. */
int inproc_connect(struct listener *l, int thread);

#endif
