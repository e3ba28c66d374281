/* startup.h -- on_startup programs: once every network listens, each network's program runs with
 * the network's name, host, port (the chosen one when the config said 0), tls|notls and
 * protocol as its last five arguments, in the config file's directory; when it exits, its
 * status is logged.  Nothing waits for them: the server serves while they run. */
#ifndef KEEL_CORE_STARTUP_H
#define KEEL_CORE_STARTUP_H

/* Starts the programs (main thread, after the listeners are bound).  A program that cannot
 * be started is logged; the server keeps running. */
void startup_run_programs(void);
/* Collects programs that exited and logs their status (main thread, on SIGCHLD). */
void startup_reap(void);
/* Forgets programs still running at shutdown (they are left to finish on their own). */
void startup_forget(void);

#endif
