/* snap_dir.h -- the snapshot's files in the data directory: names by generation, the manifest
 * that names the current generation (written last, atomically), and clearing other
 * generations' files once a new manifest is on disk. */
#ifndef KEEL_CORE_SNAP_DIR_H
#define KEEL_CORE_SNAP_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAP_MANIFEST_NAME "keel.manifest"

/* What the manifest says: the generation whose shard files make the snapshot. */
typedef struct snap_manifest {
    uint64_t generation;
    uint32_t nshards;
    uint32_t ndbs;
    int64_t created_ms; /* when the save started (unix ms) */
    uint64_t keys;      /* top-level entries written, every database */
} snap_manifest;

/* "<dir>/keel-<generation>-<shard>.snap", with ".tmp" while being written. */
void snap_shard_path(const char *dir, uint64_t generation, uint32_t shard, bool tmp, char *out,
                     size_t cap);

/* Writes the manifest (a temp file, fsynced, renamed over the old one, the directory fsynced):
 * 0, or -1 with err. */
int snap_manifest_write(const char *dir, const snap_manifest *m, char *err, size_t errlen);
/* Reads the manifest: 1 with *m, 0 when there is none (an empty start), -1 with err. */
int snap_manifest_read(const char *dir, snap_manifest *m, char *err, size_t errlen);

/* Renames a shard's finished temp file to its name and fsyncs the directory: 0 or -1 (errno). */
int snap_publish_shard(const char *dir, uint64_t generation, uint32_t shard);
/* Removes the shard files (and temp files) of every generation but `keep`: unlinked here, each
 * held open and closed on a helper thread (the close frees a big file's blocks, which takes
 * long). */
void snap_remove_others(const char *dir, uint64_t keep);

#endif
