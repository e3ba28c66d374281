/* startup.c -- spawning each network's on_startup program once the server listens (in the config
 * file's directory, stdin from /dev/null), and logging how it ended. */
#include "config.h"
#include "startup.h"
#include "conf.h"
#include "log.h"
#include "mem.h"
#include "net.h"
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct startup_prog {
    pid_t pid;
    const listener *l;
} startup_prog;

static startup_prog *progs;
static int nprogs;

/* argv: the configured program and arguments, then name host port tls|notls protocol. */
static char **startup_argv(const listener *l, char *port) {
    char **conf_argv = l->cf->on_startup;
    int n = 0;
    while (conf_argv[n])
        n++;
    char **argv = mem_calloc((size_t)n + 6, sizeof *argv);
    for (int i = 0; i < n; i++)
        argv[i] = conf_argv[i];
    argv[0] = strchr(conf_argv[0], '/') ? conf_path(&srv->cf, conf_argv[0]) : conf_argv[0];
    snprintf(port, 16, "%d", l->port);
    argv[n] = l->cf->name;
    argv[n + 1] = l->cf->host;
    argv[n + 2] = port;
    argv[n + 3] = l->tls ? "tls" : "notls";
    argv[n + 4] = (char *)l->proto->def.name;
    return argv;
}

static void startup_run_one(const listener *l) {
    char port[16];
    char **argv = startup_argv(l, port);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (srv->cf.config_dir) posix_spawn_file_actions_addchdir_np(&fa, srv->cf.config_dir);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        log_warning("network %s: on_startup %s cannot start: %s", l->cf->name, argv[0],
                    strerror(rc));
    } else {
        log_notice("network %s: on_startup %s started (pid %d) with %s %s %s %s %s", l->cf->name,
                   argv[0], (int)pid, l->cf->name, l->cf->host, port, l->tls ? "tls" : "notls",
                   l->proto->def.name);
        progs = mem_realloc(progs, sizeof *progs * (size_t)(nprogs + 1));
        progs[nprogs++] = (startup_prog){pid, l};
    }
    if (argv[0] != l->cf->on_startup[0]) mem_free(argv[0]);
    mem_free(argv);
}

void startup_run_programs(void) {
    for (int i = 0; i < srv->nlisteners; i++)
        if (srv->listeners[i]->cf->on_startup) startup_run_one(srv->listeners[i]);
}

void startup_reap(void) {
    for (int i = 0; i < nprogs;) {
        int status;
        pid_t r = waitpid(progs[i].pid, &status, WNOHANG);
        if (r == 0 || (r < 0 && errno == EINTR)) {
            i++;
            continue;
        }
        const conf_network *cn = progs[i].l->cf;
        if (r < 0)
            log_warning("network %s: on_startup (pid %d) cannot be waited for: %s", cn->name,
                        (int)progs[i].pid, strerror(errno));
        else if (WIFEXITED(status))
            log_msg(WEXITSTATUS(status) == 0 ? LOG_NOTICE : LOG_WARNING,
                    "network %s: on_startup %s (pid %d) exited with status %d", cn->name,
                    cn->on_startup[0], (int)progs[i].pid, WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
            log_warning("network %s: on_startup %s (pid %d) was killed by signal %d", cn->name,
                        cn->on_startup[0], (int)progs[i].pid, WTERMSIG(status));
        progs[i] = progs[--nprogs];
    }
}

void startup_forget(void) {
    startup_reap();
    for (int i = 0; i < nprogs; i++)
        log_notice("network %s: on_startup (pid %d) is still running; not waiting for it",
                   progs[i].l->cf->name, (int)progs[i].pid);
    mem_free(progs);
    progs = NULL;
    nprogs = 0;
}
