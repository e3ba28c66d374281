/* running.c -- the list of running scripts, SCRIPT/FUNCTION KILL, and the INFO section. */
#include "running.h"
#include "cache.h"
#include "alone.h"
#include "learn.h"
#include "library.h"
#include "run.h"
#include "vm.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

script_stats scripting_stats;

static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER;
static script_run *run_head;

void running_add(script_run *run) {
    pthread_mutex_lock(&run_mu);
    run->prev = NULL;
    run->next = run_head;
    if (run_head) run_head->prev = run;
    run_head = run;
    pthread_mutex_unlock(&run_mu);
}

void running_remove(script_run *run) {
    pthread_mutex_lock(&run_mu);
    if (run->prev || run_head == run) {
        if (run->prev)
            run->prev->next = run->next;
        else
            run_head = run->next;
        if (run->next) run->next->prev = run->prev;
        run->prev = run->next = NULL;
    }
    pthread_mutex_unlock(&run_mu);
}

kill_result running_kill(bool function) {
    bool any_busy = false, wrong_kind = false, unkillable = false, killed = false;
    pthread_mutex_lock(&run_mu);
    for (script_run *r = run_head; r; r = r->next) {
        if (!atomic_load(&r->busy)) continue;
        any_busy = true;
        if (atomic_load(&r->wrote))
            unkillable = true;
        else if (r->function != function)
            wrong_kind = true;
        else if (!atomic_exchange(&r->kill, true))
            killed = true;
        else
            killed = true; /* asked already */
    }
    pthread_mutex_unlock(&run_mu);
    if (killed) return KILL_OK;
    if (!any_busy) return KILL_NOTBUSY;
    if (unkillable) return KILL_UNKILLABLE;
    return wrong_kind ? KILL_WRONG_KIND : KILL_NOTBUSY;
}

void running_reply_busy_function(keel_proc *p) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    pthread_mutex_lock(&run_mu); /* a listed run's process (and its arguments) is alive */
    script_run *r = run_head;
    while (r && !(r->function && atomic_load(&r->busy)))
        r = r->next;
    if (!r) {
        keel_reply_nil(p);
    } else {
        keel_reply_map(p, 3);
        keel_reply_bulk(p, "name", 4);
        keel_reply_bulk(p, r->name, strlen(r->name));
        keel_reply_bulk(p, "command", 7);
        keel_reply_array(p, r->p->argc);
        for (uint32_t i = 0; i < r->p->argc; i++)
            keel_reply_bulk(p, r->p->argv[i].ptr, r->p->argv[i].len);
        keel_reply_bulk(p, "duration_ms", 11);
        keel_reply_int(p, now - r->started_ms);
    }
    pthread_mutex_unlock(&run_mu);
}

static void info_line(keel_buf *out, const char *name, uint64_t v) {
    char line[96];
    int n = snprintf(line, sizeof line, "%s:%llu\r\n", name, (unsigned long long)v);
    keel_buf_put(out, line, (size_t)n);
}

/* Redis's human form: 1.50K, 2.00M (bytes below 1K as they are). */
static void info_human(keel_buf *out, const char *name, uint64_t v) {
    static const char units[] = "BKMGTP";
    double n = (double)v;
    int u = 0;
    while (n >= 1024 && u < 5) {
        n /= 1024;
        u++;
    }
    char line[96];
    int len = u ? snprintf(line, sizeof line, "%s:%.2f%c\r\n", name, n, units[u])
                : snprintf(line, sizeof line, "%s:%lluB\r\n", name, (unsigned long long)v);
    keel_buf_put(out, line, (size_t)len);
}

void running_info(keel_buf *out) {
    uint64_t scripts, bytes, running = 0, busy = 0;
    cache_stats(&scripts, &bytes);
    pthread_mutex_lock(&run_mu);
    for (script_run *r = run_head; r; r = r->next) {
        running++;
        busy += atomic_load(&r->busy);
    }
    pthread_mutex_unlock(&run_mu);
    uint64_t libs, fns, lib_bytes;
    library_counts(&libs, &fns, &lib_bytes);
    /* Redis's memory fields: eval scripts and functions share each thread's Lua state here, so
     * the eval VM's figure is every state's and the functions' VM holds nothing of its own */
    uint64_t vm = vm_memory();
    info_line(out, "used_memory_lua", vm);
    info_human(out, "used_memory_lua_human", vm);
    info_line(out, "used_memory_vm_eval", vm);
    info_line(out, "used_memory_vm_functions", 0);
    info_line(out, "used_memory_vm_total", vm);
    info_human(out, "used_memory_vm_total_human", vm);
    info_line(out, "used_memory_functions", lib_bytes);
    info_line(out, "used_memory_scripts", bytes + lib_bytes);
    info_human(out, "used_memory_scripts_human", bytes + lib_bytes);
    info_line(out, "number_of_cached_scripts", scripts);
    info_line(out, "used_memory_scripts_eval", bytes);
    info_line(out, "number_of_libraries", libs);
    info_line(out, "number_of_functions", fns);
    info_line(out, "scripts_running", running);
    info_line(out, "scripts_busy", busy);
    info_line(out, "scripts_started", atomic_load(&scripting_stats.runs));
    info_line(out, "scripts_undeclared_keys", atomic_load(&scripting_stats.undeclared));
    info_line(out, "scripts_undeclared_restarts", atomic_load(&scripting_stats.restarts));
    info_line(out, "scripts_undeclared_after_write", atomic_load(&scripting_stats.after_write));
    info_line(out, "scripts_undeclared_undone", atomic_load(&scripting_stats.undone));
    info_line(out, "scripts_learned_argv_keys", learn_count());
    info_line(out, "scripts_alone", alone_count());
    info_line(out, "scripts_went_busy", atomic_load(&scripting_stats.busy));
    info_line(out, "scripts_killed", atomic_load(&scripting_stats.killed));
    info_line(out, "scripts_yields", atomic_load(&scripting_stats.yields));
}
