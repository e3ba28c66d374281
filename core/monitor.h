/* monitor.h -- MONITOR: every request any client sends, as a line in Redis's format
 * (`+1733480000.123456 [0 127.0.0.1:5555] "set" "k" "v"`), pushed to the clients that asked.
 *
 * A request is shown when its connection prepares it (its command looked up), on that
 * connection's thread: the line is built once and handed to each thread that has monitors,
 * which pushes it to its own.  A monitor whose unsent output passes MONITOR_BACKLOG_MAX misses
 * lines (counted in INFO stats monitor_lines_dropped) rather than slowing anyone.  With no
 * monitor the cost per request is one relaxed atomic load.  As in Redis, commands that need the
 * admin permission are not shown and AUTH's arguments are redacted.
 */
#ifndef KEEL_CORE_MONITOR_H
#define KEEL_CORE_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <keel/sdk.h>

struct keel_conn;
struct cmd_entry;

#define MONITOR_BACKLOG_MAX (64u << 20)

/* c becomes a monitor (on c's thread). */
void monitor_add(struct keel_conn *c);
/* c stops being one (closing; on c's thread). */
void monitor_remove(struct keel_conn *c);
/* True when some client monitors: then call monitor_feed. */
bool monitor_active(void);
/* Shows c's request argv (command ce) to every monitor; on c's thread. */
void monitor_feed(const struct keel_conn *c, const struct cmd_entry *ce, uint32_t argc,
                  const keel_arg *argv);
/* Lines not sent to a monitor that was too far behind. */
uint64_t monitor_dropped(void);

#endif
