/* db.h -- numbered databases: reading a database index the way Redis 7.0 does, and the one place
 * the commands that change keys outside the usual write path report it (WATCH hooks in here).
 *
 * A database is one more table per shard (shard.h): a key of database 3 lives on the same shard
 * as the same name in database 0, so a database never changes where a command runs, and every
 * database is spread over every thread.  A process carries its connection's database (zvm_proc.db)
 * as it carries its namespace path; the namespace is resolved inside that database's table. */
#ifndef KEEL_CORE_DB_H
#define KEEL_CORE_DB_H

#include <keel/sdk.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shard;
struct zvm_proc;

typedef enum db_index_status {
    DB_INDEX_OK = 0,
    DB_INDEX_NOT_INT,      /* not a canonical integer that fits 64 bits */
    DB_INDEX_INT_RANGE,    /* an integer outside a C int (Redis reads indexes as int) */
    DB_INDEX_OUT_OF_RANGE, /* an int, but no such database */
} db_index_status;

/* Reads argument a as a database index of this server (0 .. srv->ndbs - 1) into *db. */
db_index_status db_parse_index(const keel_arg *a, uint32_t *db);

/* Replies Redis 7.0's error for st: "ERR value is not an integer or out of range", "ERR value is
 * out of range, value must between -2147483648 and 2147483647", "ERR DB index is out of range";
 * a non-NULL int_err replaces the first two (SWAPDB's "invalid first DB index"). */
void db_reply_index_error(keel_proc *p, db_index_status st, const char *int_err);

/* ---- change hooks: WATCH hooks in here ----
 * Called on the owner thread of shard s, after the change.  Today they do nothing; a key watched
 * by WATCH must count as changed when one of these names it. */

/* Key key, as process p names it (through p's namespace path), changed in database db of s: MOVE
 * (in its old and its new database) and COPY (its destination). */
void db_key_changed(struct shard *s, uint32_t db, const struct zvm_proc *p, const void *key,
                    size_t klen);

/* Every key of database db on s may have changed: FLUSHDB, FLUSHALL (each database), SWAPDB
 * (both databases), also when done inside a namespace. */
void db_all_changed(struct shard *s, uint32_t db);

#endif
