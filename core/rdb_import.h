/* rdb_import.h -- --load-rdb FILE: importing a Redis RDB file at start.  The core knows only the
 * option and how to drive the import: the file is read and its keys made by the RDBIMPORT command
 * of dump.so, which the core runs on worker thread 0 one chunk at a time (as the append-only
 * log's replay runs its commands) while data commands answer -LOADING.  docs/persistence.md,
 * "Importing a Redis RDB file", says why. */
#ifndef KEEL_CORE_RDB_IMPORT_H
#define KEEL_CORE_RDB_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

/* At start, after Keel's own snapshot and log were looked at, before the workers run: with
 * --load-rdb, checks that the import can run (the file opens, dump.so's RDBIMPORT is loaded,
 * the data directory holds no snapshot or log of Keel's own).  0, or -1 (logged). */
int rdb_import_prepare(void);
/* Once the workers run: starts the import on worker 0 (nothing without --load-rdb). */
void rdb_import_start(void);
/* True when an import was asked for and has not finished (failed, or stopped by a shutdown):
 * the data must not be saved at exit. */
bool rdb_import_unfinished(void);
/* True when the import failed (the server shuts down and exits with status 1). */
bool rdb_import_failed(void);
/* While the import runs: Redis's INFO persistence loading_* lines (loading_start_time,
 * loading_total_bytes, loading_loaded_bytes, loading_loaded_perc, loading_eta_seconds ...);
 * otherwise "".  Any thread. */
void rdb_import_info(char *out, size_t cap);

#endif
