/* snap_dir.c -- snapshot file names, the manifest, and clearing old generations. */
#include "config.h"
#include "snap_dir.h"
#include "snap_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void snap_shard_path(const char *dir, uint64_t generation, uint32_t shard, bool tmp, char *out,
                     size_t cap) {
    snprintf(out, cap, "%s/keel-%" PRIu64 "-%u.snap%s", dir, generation, shard, tmp ? ".tmp" : "");
}

static int fsync_dir(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int snap_manifest_write(const char *dir, const snap_manifest *m, char *err, size_t errlen) {
    char tmp[4096], path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, SNAP_MANIFEST_NAME) >= (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        snprintf(err, errlen, "the data directory's name is too long");
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    snap_buf b = {0};
    snap_buf_u64(&b, m->generation);
    snap_buf_u32(&b, m->nshards);
    snap_buf_u32(&b, m->ndbs);
    snap_buf_u64(&b, (uint64_t)m->created_ms);
    snap_buf_u64(&b, m->keys);
    snap_writer w = {0};
    int rc = -1;
    if (!b.oom && snap_writer_open(&w, fd, SNAP_FILE_MANIFEST)) {
        snap_block(&w, SNAP_BLK_MANIFEST, b.p, b.len);
        rc = snap_writer_finish(&w);
    }
    int e = rc == 0 ? 0 : (w.err ? w.err : ENOMEM);
    snap_writer_free(&w);
    snap_buf_free(&b);
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        e = errno;
    }
    if (rc == 0 && fsync_dir(dir) != 0) {
        rc = -1;
        e = errno;
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(e));
        unlink(tmp);
    }
    return rc;
}

int snap_manifest_read(const char *dir, snap_manifest *m, char *err, size_t errlen) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, SNAP_MANIFEST_NAME);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    snap_reader r;
    int rc = snap_reader_open(&r, fd, path, SNAP_FILE_MANIFEST);
    uint8_t kind = 0;
    const uint8_t *p = NULL;
    size_t len = 0;
    uint64_t at = 0;
    if (rc == 0 && snap_reader_next(&r, &kind, &p, &len, &at) != 1) rc = -1;
    if (rc != 0) {
        snprintf(err, errlen, "%s", r.err[0] ? r.err : "the manifest has no block");
    } else {
        snap_cur c = {p, p + len, false};
        uint64_t created = 0;
        if (kind != SNAP_BLK_MANIFEST || !snap_get_u64(&c, &m->generation) ||
            !snap_get_u32(&c, &m->nshards) || !snap_get_u32(&c, &m->ndbs) ||
            !snap_get_u64(&c, &created) || !snap_get_u64(&c, &m->keys) || m->nshards == 0) {
            snprintf(err, errlen, "%s: malformed manifest block at offset %llu", path,
                     (unsigned long long)at);
            rc = -1;
        }
        m->created_ms = (int64_t)created;
    }
    snap_reader_free(&r);
    close(fd);
    return rc == 0 ? 1 : -1;
}

int snap_publish_shard(const char *dir, uint64_t generation, uint32_t shard) {
    char tmp[4096], path[4096];
    snap_shard_path(dir, generation, shard, true, tmp, sizeof tmp);
    snap_shard_path(dir, generation, shard, false, path, sizeof path);
    if (rename(tmp, path) != 0) return -1;
    return 0;
}

/* Files removed but still open: closing the last descriptor is what frees a big file's blocks
 * (tens of milliseconds for hundreds of MB), so that is done here, off the save's path. */
typedef struct open_files {
    int n;
    int fd[];
} open_files;

static void *close_files(void *arg) {
    open_files *of = arg;
    for (int i = 0; i < of->n; i++)
        close(of->fd[i]);
    free(of);
    return NULL;
}

static void close_later(open_files *of) {
    pthread_t pt;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) == 0) {
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&pt, &attr, close_files, of);
        pthread_attr_destroy(&attr);
        if (rc == 0) return;
    }
    close_files(of);
}

void snap_remove_others(const char *dir, uint64_t keep) {
    DIR *d = opendir(dir);
    if (!d) return;
    open_files *of = NULL;
    int cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        unsigned long long gen;
        unsigned shard;
        int end = 0;
        if (sscanf(de->d_name, "keel-%llu-%u.snap%n", &gen, &shard, &end) != 2 || end == 0)
            continue;
        const char *rest = de->d_name + end;
        if (strcmp(rest, "") && strcmp(rest, ".tmp")) continue;
        if (gen == keep && !strcmp(rest, "")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (unlink(path) != 0 || fd < 0) {
            if (fd >= 0) close(fd);
            continue;
        }
        if (!of || of->n == cap) {
            int ncap = cap ? cap * 2 : 16;
            open_files *bigger = realloc(of, sizeof *of + (size_t)ncap * sizeof(int));
            if (!bigger) {
                close(fd);
                continue;
            }
            if (!of) bigger->n = 0;
            of = bigger;
            cap = ncap;
        }
        of->fd[of->n++] = fd;
    }
    closedir(d);
    if (of) close_later(of);
}
