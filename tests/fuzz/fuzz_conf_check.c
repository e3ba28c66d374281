/* fuzz_conf_check.c -- fuzz target: arbitrary bytes as a JSON config file, through what
 * `keel-server --check-config` and startup run: conf_load_file over the embedded default, then
 * (when the fields load) the module, network and protocol checks.
 *
 * Checks: nothing crashes or leaks; the error count returned is the number of error lines and
 * every line names where it is ("$..." or the file); a config that loads without errors holds
 * what the checks promise (ports in range, TLS versions in order, a CA wherever client
 * certificates are asked for, every network named).  The network checks resolve host names:
 * they run only when every host is an address literal or "localhost" (a fuzzer must not wait on
 * DNS), and only when every TLS file the config names is a small regular file (never a device
 * or a FIFO that would never end). */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "conf.h"
#include "conf_check.h"
#include "loader.h"
#include "log.h"
#include "mem.h"
#include "registry.h"

#ifndef FUZZ_MODULE_DIR
#define FUZZ_MODULE_DIR ".modules"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_conf_check: " __VA_ARGS__);                                      \
            fprintf(stderr, "\n");                                                                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char *module_dir;
static bool modules_loaded;
static int memfd = -1;
static char memfd_path[64];

/* Once: the protocols of the modules that exist, so conf_check_protocols has something to find. */
static void init(void) {
    module_dir = getenv("KEEL_MODULE_DIR");
    if (!module_dir || !*module_dir) module_dir = FUZZ_MODULE_DIR;
    log_set_level(LOG_ERROR);
    keel_module *core = loader_core_module();
    core->in_init = true;
    int rc = builtin_register_all(core);
    core->in_init = false;
    static char *names[] = {"resp", "memcache"};
    modules_loaded =
        rc == 0 && loader_load_all(module_dir, names, NULL, 2) == 0 && reg_resolve_programs() == 0;
    memfd = memfd_create("fuzz-config.json", 0);
    CHECK(memfd >= 0, "memfd_create failed");
    snprintf(memfd_path, sizeof memfd_path, "/proc/self/fd/%d", memfd);
}

static void write_config(const uint8_t *data, size_t size) {
    CHECK(ftruncate(memfd, 0) == 0 && pwrite(memfd, data, size, 0) == (ssize_t)size,
          "cannot write the config");
}

static bool host_is_literal(const char *h) {
    unsigned char buf[sizeof(struct in6_addr)];
    return h && (!strcmp(h, "localhost") || inet_pton(AF_INET, h, buf) == 1 ||
                 inet_pton(AF_INET6, h, buf) == 1);
}

static bool small_regular_file(const conf *c, const char *name) {
    if (!name) return true;
    char *p = conf_path(c, name);
    struct stat st;
    bool ok = stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (1 << 20);
    mem_free(p);
    return ok;
}

static bool networks_safe_to_check(const conf *c) {
    for (int i = 0; i < c->nnetworks; i++) {
        const conf_network *n = &c->networks[i];
        if (!host_is_literal(n->host)) return false;
        if (!n->tls) continue;
        if (!small_regular_file(c, n->tls->ca)) return false;
        for (int j = 0; j < n->tls->ncerts; j++)
            if (!small_regular_file(c, n->tls->certs[j].cert) ||
                !small_regular_file(c, n->tls->certs[j].key))
                return false;
    }
    return true;
}

/* Every line of errs is "where: message", where being a JSON path, the file's name, or (for the
 * embedded default's networks and --modules) what the setting came from. */
static void check_error_lines(const char *errs) {
    for (const char *line = errs, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        CHECK(nl, "an error without its line end: %s", line);
        CHECK(line[0] == '$' || !strncmp(line, memfd_path, strlen(memfd_path)) ||
                  !strncmp(line, "--modules", 9) || !strncmp(line, "network ", 8),
              "an error line that does not say where: %.*s", (int)(nl - line), line);
        CHECK(memchr(line, ':', (size_t)(nl - line)), "an error line without \": \": %.*s",
              (int)(nl - line), line);
    }
}

static void check_loaded(const conf *c) {
    CHECK(c->threads >= 0 && c->threads <= 256 && c->shards >= 0 && c->shards <= 65536,
          "threads/shards out of range");
    CHECK(c->max_clients >= 1, "max_clients below 1");
    CHECK(c->nmodules == 0 || c->modules, "a module count without modules");
    for (int i = 0; i < c->nnetworks; i++) {
        const conf_network *n = &c->networks[i];
        CHECK(n->name && n->host && n->protocol, "network %d lacks a name, host or protocol", i);
        CHECK(n->port >= 0 && n->port <= 65535, "network %d: port %d", i, n->port);
        CHECK((n->permissions & ~(unsigned)PERM_ALL) == 0, "network %d: unknown permission bits",
              i);
        CHECK(n->namespace_n >= 0 && (n->namespace_n == 0 || n->namespace_path),
              "network %d: namespace", i);
        if (!n->tls) continue;
        CHECK(n->tls->ncerts > 0, "network %d: TLS without a certificate", i);
        CHECK(n->tls->min_version <= n->tls->max_version, "network %d: TLS versions out of order",
              i);
        CHECK(n->tls->client_certs == CONF_CLIENT_CERTS_NONE || n->tls->ca,
              "network %d: client certs without a CA", i);
        CHECK(n->tls->ticket_rotation >= 1, "network %d: ticket rotation %d", i,
              n->tls->ticket_rotation);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (memfd < 0) init();
    write_config(data, size);
    conf c;
    memset(&c, 0, sizeof c);
    conf_default(&c);
    char *errs = NULL;
    int n = conf_load_file(&c, memfd_path, &errs);
    CHECK(n == conf_error_count(errs), "%d errors returned, %d lines", n, conf_error_count(errs));
    CHECK((n == 0) == (errs == NULL), "errors and their text disagree");
    check_error_lines(errs);
    if (n == 0) {
        check_loaded(&c);
        int before = conf_error_count(errs);
        int added = conf_check_modules(&c, module_dir, &errs);
        if (networks_safe_to_check(&c)) added += conf_check_networks(&c, &errs);
        if (modules_loaded) added += conf_check_protocols(&c, &errs);
        CHECK(conf_error_count(errs) - before == added, "the checks added %d lines, said %d",
              conf_error_count(errs) - before, added);
        check_error_lines(errs);
    }
    mem_free(errs);
    conf_free(&c);
    return 0;
}
