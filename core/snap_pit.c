/* snap_pit.c -- pre-images and handled keys of a point-in-time BGSAVE on one shard. */
#include "config.h"
#include "snap_pit.h"
#include "keyspace.h"
#include "mem.h"
#include "ns.h"
#include "shard.h"
#include "snap_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A point-in-time save's record blocks and output buffer, per shard. */
#define SNAP_PIT_BLOCK (32u * 1024)
#define SNAP_PIT_OUT_BUF (64u * 1024)

/* The walk leaves out what was handled before it got there. */
static bool handled_skip(void *ctx, uint32_t db, const void *key, size_t klen) {
    snap_pit *pit = ctx;
    dk_table *h = pit->handled[db];
    return h && dk_table_find(h, key, klen, ks_hash(key, klen)) != DK_REF_NONE;
}

int snap_pit_arm(shard *s, const char *path, uint64_t generation, int64_t start_ms,
                 snap_io_group *io, char *err, size_t errlen) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    snap_pit *pit = mem_calloc(1, sizeof *pit);
    pit->fd = fd;
    pit->handled = mem_calloc(s->ndbs, sizeof *pit->handled);
    if (!snap_shard_begin(&pit->sw, s, fd, generation, start_ms)) {
        snprintf(err, errlen, "%s: %s", path, pit->sw.err);
        snap_shard_writer_free(&pit->sw);
        close(fd);
        mem_free(pit->handled);
        mem_free(pit);
        return -1;
    }
    /* the disk is written by the I/O thread: a write(2) that stalls stalls no client */
    pit->io = io ? snap_io_open(io, fd) : NULL;
    if (pit->io) snap_writer_use_io(&pit->sw.w, pit->io);
    /* every shard's file is open for the whole save: small buffers (a 16-shard save holds about
     * 2 MB in them instead of 20) */
    pit->sw.block_bytes = SNAP_PIT_BLOCK;
    pit->sw.w.no_sync = true; /* fsynced when the save commits, off the worker threads */
    snap_writer_set_buffer(&pit->sw.w, SNAP_PIT_OUT_BUF);
    pit->sw.skip = handled_skip;
    pit->sw.skip_ctx = pit;
    s->pit = pit;
    return 0;
}

static void drop_handled(snap_pit *pit, uint32_t ndbs) {
    for (uint32_t db = 0; db < ndbs; db++)
        if (pit->handled[db]) {
            dk_table_free(pit->handled[db], NULL, NULL);
            pit->handled[db] = NULL;
        }
}

void snap_pit_disarm(shard *s, uint64_t *preimages, uint64_t *bytes) {
    snap_pit *pit = s->pit;
    if (!pit) return;
    s->pit = NULL;
    if (preimages) *preimages += pit->preimages;
    if (bytes) *bytes += pit->preimage_bytes;
    drop_handled(pit, s->ndbs);
    mem_free(pit->handled);
    if (pit->io)
        snap_writer_finish(&pit->sw.w); /* what is still buffered (a failed walk: harmless) */
    snap_shard_writer_free(&pit->sw);
    if (pit->io)
        snap_io_close(pit->io);
    else
        close(pit->fd);
    mem_free(pit);
}

/* Remembers key as handled in database db: the walk will leave it out. */
static void remember(snap_pit *pit, uint32_t db, const void *key, size_t klen, uint64_t hash) {
    if (!pit->handled[db]) pit->handled[db] = dk_table_new();
    dk_val one = dk_i64(1);
    void *old = NULL;
    uint16_t old_type = 0;
    if (!pit->handled[db] || dk_table_put_box(pit->handled[db], key, klen, hash, &one, false, &old,
                                              &old_type) == DK_REF_NONE) {
        /* no memory to remember it: the walk could write its new value; fail the save */
        pit->sw.failed = true;
        snprintf(pit->sw.err, sizeof pit->sw.err, "out of memory for the keys already saved");
    }
}

void snap_pit_note_slow(shard *s, uint32_t db, const void *key, size_t klen, uint64_t hash) {
    snap_pit *pit = s->pit;
    snap_shard_writer *sw = &pit->sw;
    /* the walk has passed this database (or everything): what it wrote was the start's state */
    if (sw->walked || sw->failed || db >= s->ndbs || db < sw->db) return;
    if (!hash) hash = ks_hash(key, klen);
    if (pit->handled[db] && dk_table_find(pit->handled[db], key, klen, hash) != DK_REF_NONE) return;
    /* Within the database being walked the walk may have written the key already: then this
     * first change after it writes the same value again (the loader keeps the last). */
    dk_table *t = shard_table(s, db);
    dk_ref r = t ? dk_table_find(t, key, klen, hash) : DK_REF_NONE;
    if (r != DK_REF_NONE) {
        dk_entry e;
        dk_table_view(t, r, &e);
        uint64_t n = snap_shard_write_entry(sw, db, &e);
        if (n) {
            pit->preimages++;
            pit->preimage_bytes += n;
        }
    }
    remember(pit, db, key, klen, hash);
}

void snap_pit_note_nested(shard *s, uint32_t db, const ns_obj *owner) {
    if (!s->pit) return;
    const ns_obj *root = owner;
    int depth = 0;
    while (root->parent && depth++ < KEEL_NS_DEPTH_MAX)
        root = root->parent;
    if (root->orphan) return; /* deleted: its keys are no longer in the database */
    dk_table *t = db < s->ndbs ? shard_table(s, db) : NULL;
    if (root->name && t) {
        dk_ref r = dk_table_find(t, root->name, root->nlen, ks_hash(root->name, root->nlen));
        if (r != DK_REF_NONE) {
            dk_entry e;
            dk_table_view(t, r, &e);
            if (e.kind == DK_ENTRY_OBJ && e.obj == root) {
                snap_pit_note_slow(s, db, root->name, root->nlen, 0);
                return;
            }
        }
    }
    snap_pit_finish_walk(s); /* its place is unknown: write everything not written yet */
}

bool snap_pit_step(shard *s, size_t budget) {
    snap_pit *pit = s->pit;
    bool done = snap_shard_walk(&pit->sw, budget);
    for (uint32_t db = 0; db < s->ndbs && (db < pit->sw.db || done); db++)
        if (pit->handled[db]) {
            dk_table_free(pit->handled[db], NULL, NULL);
            pit->handled[db] = NULL;
        }
    return done;
}

void snap_pit_finish_walk(shard *s) {
    snap_pit *pit = s->pit;
    if (!pit || pit->sw.walked || pit->sw.failed) return;
    snap_pit_step(s, SIZE_MAX); /* lets go of the handled keys once done */
}
