/* sdk.h -- the Keel module SDK: include this one header.
 *
 * Two views from one header set.  A module (the default) calls keel_reply_int(...) and friends,
 * which go through the function table its init received.  The core defines KEEL_CORE and gets
 * plain prototypes of the same names instead.
 */
#ifndef KEEL_SDK_H
#define KEEL_SDK_H

#include <keel/abi.h>
#include <keel/status.h>
#include <keel/vm.h>
#include <keel/cmd.h>
#include <keel/type.h>
#include <keel/reply.h>
#include <keel/proto.h>
#include <keel/conn.h>
#include <keel/pubsub.h>
#include <keel/notify.h>
#include <keel/api.h>
#include <keel/module.h>
#include <keel/args.h>

#ifdef KEEL_CORE
#define KEEL_API_PROTOTYPE(ret, name, params) ret keel_##name params;
KEEL_API_LIST(KEEL_API_PROTOTYPE)
#undef KEEL_API_PROTOTYPE
#else
extern const keel_api *keel_api_ptr;
#include <keel/api_module.h>
#endif
#include <keel/family.h>

/* The dialect a request speaks: the connection option KEEL_DIALECT_OPTION, "redis" (unset: the
 * default) or "keel".  Where Keel's own behaviour differs from Redis 7.0 on a Redis command
 * (INCRBY past int64, GET of a list, PFMERGE's reply ...), the redis dialect behaves exactly as
 * Redis and the keel dialect as Keel (docs/compatibility.md lists every such place).  A network
 * sets it for its clients ("dialect" in the config), a client with DIALECT. */
#define KEEL_DIALECT_OPTION "core.dialect"
static inline bool keel_proc_dialect_keel(keel_proc *p) {
    const char *d = keel_proc_option(p, KEEL_DIALECT_OPTION);
    return d && d[0] == 'k' && d[1] == 'e' && d[2] == 'e' && d[3] == 'l' && d[4] == '\0';
}

/* Appends n bytes to b. */
static inline void keel_buf_put(keel_buf *b, const void *s, size_t n) {
    char *w = keel_buf_reserve(b, n);
    for (size_t i = 0; i < n; i++)
        w[i] = ((const char *)s)[i];
    b->len += n;
}

#endif
