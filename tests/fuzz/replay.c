/* replay.c -- runs a fuzz target over its corpus without libFuzzer, so `make check` keeps every
 * target compiling and its seed inputs passing in any build.
 *
 * Usage: fuzz_X_replay [file-or-directory ...]; with no argument it replays
 * $KEEL_SRCDIR/FUZZ_CORPUS (or ./FUZZ_CORPUS).  A crash or abort is a failure; so is finding
 * no input at all. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef FUZZ_CORPUS
#error "define FUZZ_CORPUS, the corpus directory relative to the source tree"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long replayed;

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, n = 0, got;
    uint8_t *data = malloc(cap);
    while (data && (got = fread(data + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) data = realloc(data, cap *= 2);
    }
    fclose(f);
    if (!data) return -1;
    LLVMFuzzerTestOneInput(data, n);
    free(data);
    replayed++;
    return 0;
}

static int replay_path(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) return replay_file(path);
    DIR *d = opendir(path);
    if (!d) return -1;
    int rc = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        if (replay_path(child) != 0) rc = -1;
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv) {
    int rc = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++)
            if (replay_path(argv[i]) != 0) rc = 1;
    } else {
        const char *top = getenv("KEEL_SRCDIR");
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", top ? top : ".", FUZZ_CORPUS);
        if (replay_path(dir) != 0) rc = 1;
    }
    printf("replayed %ld inputs\n", replayed);
    return rc == 0 && replayed > 0 ? 0 : 1;
}
