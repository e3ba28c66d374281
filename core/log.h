/* log.h -- logging that never blocks a data thread: lines go through a lock-free ring to a
 * log thread that writes them to stderr or a file. */
#ifndef KEEL_CORE_LOG_H
#define KEEL_CORE_LOG_H

#include <stdarg.h>
#include <stdint.h>

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_NOTICE, LOG_WARNING, LOG_ERROR };

/* Starts the log thread writing to path (NULL or "" = stderr).  Before log_start (and after
 * log_stop) lines are written synchronously to stderr. Returns 0 or -1 (file not writable). */
int log_start(const char *path, int level);
/* Drains every queued line and stops the log thread. */
void log_stop(void);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int level, const char *fmt, va_list ap);

void log_set_level(int level);
int log_get_level(void);
/* Parses "debug", "info"/"verbose", "notice", "warning", "error"; -1 if unknown. */
int log_level_parse(const char *name);
const char *log_level_name(int level);
/* Asks the log thread to reopen its file (SIGHUP); safe from a signal handler. */
void log_request_reopen(void);
/* The log file ("" = stderr), and the ring's capacity in lines. */
const char *log_path(void);
unsigned log_ring_size(void);
/* Lines dropped because the ring was full, lines written. */
uint64_t log_dropped(void);
uint64_t log_written(void);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
