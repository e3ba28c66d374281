/* db.c -- numbered databases: database indexes from commands, and the change hooks (db.h). */
#include "config.h"
#include "db.h"
#include "keyspace.h"
#include "ns.h"
#include "server.h"
#include "shard.h"
#include "watch.h"
#include "zvm.h"

#include <limits.h>

db_index_status db_parse_index(const keel_arg *a, uint32_t *db) {
    int64_t v;
    if (!keel_arg_i64(a, &v)) return DB_INDEX_NOT_INT;
    if (v < INT_MIN || v > INT_MAX) return DB_INDEX_INT_RANGE;
    if (v < 0 || (uint64_t)v >= srv->ndbs) return DB_INDEX_OUT_OF_RANGE;
    *db = (uint32_t)v;
    return DB_INDEX_OK;
}

void db_reply_index_error(keel_proc *p, db_index_status st, const char *int_err) {
    if (st == DB_INDEX_OUT_OF_RANGE)
        keel_reply_error(p, "ERR DB index is out of range");
    else if (int_err)
        keel_reply_error(p, "ERR %s", int_err);
    else if (st == DB_INDEX_INT_RANGE)
        keel_reply_error(p, "ERR value is out of range, value must between %d and %d", INT_MIN,
                         INT_MAX);
    else
        keel_reply_error(p, "ERR value is not an integer or out of range");
}

void db_key_changed(struct shard *s, uint32_t db, const struct zvm_proc *p, const void *key,
                    size_t klen) {
    if (!s->watch.count) return;
    /* the key's lock identity: the top of the process's namespace path, or the key itself */
    const char *ident = p->ns && p->ns->n ? p->ns->comp[0].ptr : key;
    size_t len = p->ns && p->ns->n ? p->ns->comp[0].len : klen;
    watch_touch(s, db, ident, len, ks_hash(ident, len));
}

void db_all_changed(struct shard *s, uint32_t db) {
    if (s->watch.count) watch_touch_existing(s, db);
}
