/* shebang.h -- a script's optional first line, "#!lua flags=no-writes,allow-oom" (Redis 7): the
 * engine must be lua; the flags say what the script may do.  The line stays in the code as a
 * Lua comment, so line numbers in errors match the text the client sent. */
#ifndef KEEL_SCRIPTING_SHEBANG_H
#define KEEL_SCRIPTING_SHEBANG_H

#include <keel/sdk.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct shebang {
    bool present;
    bool no_writes;   /* flags=no-writes */
    const char *code; /* what to compile */
    size_t code_len;
} shebang;

/* Reads body's shebang (code is body itself, or a copy in p's arena).  Returns NULL, or Redis's
 * error text for a bad one. */
const char *shebang_parse(keel_proc *p, const char *body, size_t len, shebang *out);

/* Whether flag (n bytes) is one a script or function may declare; sets *no_writes for
 * "no-writes". */
bool shebang_known_flag(const char *flag, size_t n, bool *no_writes);

#endif
