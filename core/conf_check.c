/* conf_check.c -- config checks that look beyond the JSON: files, addresses, names, modules and
 * protocols, each error with the JSON path of the field at fault. */
#include "config.h"
#include "conf_check.h"
#include "loader.h"
#include "mem.h"
#include "registry.h"
#include "tls.h"

#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

int conf_check_modules(const conf *c, const char *dir, char **errs) {
    int before = conf_error_count(*errs);
    if (!c->modules) {
        char one[4096];
        for (const char *p = dir; *p; p += *p == ':') { /* each directory but the installed one */
            size_t n = strcspn(p, ":");
            snprintf(one, sizeof one, "%.*s", (int)n, p);
            p += n;
            if (!*one || !strcmp(one, KEEL_MODULE_DIR)) continue;
            DIR *d = opendir(one);
            if (!d)
                conf_error(errs, "$.module_dir: cannot read the module directory %s: %s", one,
                           strerror(errno));
            else
                closedir(d);
        }
        return conf_error_count(*errs) - before;
    }
    for (int i = 0; i < c->nmodules; i++) {
        char file[4096], where[32];
        if (c->modules_from_flag)
            snprintf(where, sizeof where, "--modules");
        else
            snprintf(where, sizeof where, "$.modules[%d]", i);
        if (strchr(c->modules[i], '/') || !c->modules[i][0])
            conf_error(errs, "%s: \"%s\" is not a module name", where, c->modules[i]);
        else if (!c->module_optional[i] && !loader_find_file(dir, c->modules[i], file, sizeof file))
            conf_error(errs, "%s: no module \"%s\" in %s (no %s.so in any of its directories)",
                       where, c->modules[i], dir, c->modules[i]);
    }
    return conf_error_count(*errs) - before;
}

/* The address a network binds, for comparing networks; false (with an error) when its host
 * does not resolve. */
static bool net_addr(const conf_network *n, struct sockaddr_storage *out, char **errs) {
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(n->host, NULL, &hints, &res);
    if (rc != 0 || !res) {
        char path[160];
        conf_network_path(n, "host", path, sizeof path);
        conf_error(errs, "%s: cannot resolve \"%s\": %s", path, n->host, gai_strerror(rc));
        return false;
    }
    memset(out, 0, sizeof *out);
    memcpy(out, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return true;
}

static bool addr_any(const struct sockaddr_storage *a) {
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr == htonl(INADDR_ANY);
    const struct in6_addr *x = &((const struct sockaddr_in6 *)a)->sin6_addr;
    return IN6_IS_ADDR_UNSPECIFIED(x);
}

/* Would binding both on one port clash: the same address, or a wildcard covering the other
 * ("::" covers IPv4 too: listeners are not IPv6-only). */
static bool addr_clash(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
    if (a->ss_family != b->ss_family)
        return (a->ss_family == AF_INET6 && addr_any(a)) ||
               (b->ss_family == AF_INET6 && addr_any(b));
    if (addr_any(a) || addr_any(b)) return true;
    if (a->ss_family == AF_INET)
        return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
               ((const struct sockaddr_in *)b)->sin_addr.s_addr;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr)) == 0;
}

/* Finds a program the way posix_spawnp will: names with a slash as paths (relative to the
 * config's directory), others along $PATH. */
static bool program_found(const conf *c, const char *prog, char *why, size_t cap) {
    if (strchr(prog, '/')) {
        char *p = conf_path(c, prog);
        struct stat st;
        bool ok = stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
        if (!ok)
            snprintf(why, cap, "cannot run %s: %s", p,
                     errno ? strerror(errno) : "not a regular file");
        mem_free(p);
        return ok;
    }
    const char *path = getenv("PATH");
    for (const char *s = path ? path : "/usr/bin:/bin"; *s;) {
        const char *e = strchr(s, ':');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char full[4096];
        snprintf(full, sizeof full, "%.*s/%s", (int)n, n ? s : ".", prog);
        if (access(full, X_OK) == 0) return true;
        s += n + (e ? 1 : 0);
    }
    snprintf(why, cap, "no program \"%s\" along $PATH", prog);
    return false;
}

int conf_check_networks(const conf *c, char **errs) {
    int before = conf_error_count(*errs);
    struct sockaddr_storage *addrs = mem_calloc((size_t)c->nnetworks + 1, sizeof *addrs);
    bool *resolved = mem_calloc((size_t)c->nnetworks + 1, sizeof *resolved);
    for (int i = 0; i < c->nnetworks; i++) {
        const conf_network *n = &c->networks[i];
        char path[160];
        for (int j = 0; j < i; j++) {
            if (strcmp(c->networks[j].name, n->name) != 0) continue;
            conf_network_path(n, "name", path, sizeof path);
            conf_error(errs, "%s: \"%s\" is the name of another network too", path, n->name);
            break;
        }
        if (n->database >= c->databases) {
            conf_network_path(n, "database", path, sizeof path);
            conf_error(errs, "%s: database %d does not exist (databases is %d: 0 to %d)", path,
                       n->database, c->databases, c->databases - 1);
        }
        resolved[i] = net_addr(n, &addrs[i], errs);
        for (int j = 0; j < i && resolved[i] && n->port != 0; j++) {
            if (!resolved[j] || c->networks[j].port != n->port || !addr_clash(&addrs[i], &addrs[j]))
                continue;
            char other[160];
            conf_network_path(n, "port", path, sizeof path);
            conf_network_path(&c->networks[j], "", other, sizeof other);
            conf_error(errs, "%s: %s:%d is bound by %s (%s) already", path, n->host, n->port, other,
                       c->networks[j].name);
            break;
        }
        if (n->tls) tls_server_free(tls_server_new(c, n, errs));
        if (n->on_startup) {
            char why[512];
            conf_network_path(n, "on_startup", path, sizeof path);
            errno = 0;
            if (!program_found(c, n->on_startup[0], why, sizeof why))
                conf_error(errs, "%s: %s", path, why);
        }
    }
    mem_free(addrs);
    mem_free(resolved);
    return conf_error_count(*errs) - before;
}

/* Appends to out (cap bytes) the names, ", "-separated, of the reply syntaxes the loaded
 * protocols offer (offered_by NULL) or of the protocols that offer `offered_by`. */
static void syntax_list(const char *offered_by, char *out, size_t cap) {
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < proto_count(); i++) {
        const proto_entry *pe = proto_at(i);
        for (const char *const *s = pe->def.reply_syntaxes; s && *s; s++) {
            if (offered_by && strcmp(*s, offered_by) != 0) continue;
            const char *name = offered_by ? pe->def.name : *s;
            if (n < cap) n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? ", " : "", name);
            if (offered_by) break;
        }
    }
}

/* A network's "reply_syntax" must be one its protocol offers (keel_proto_def.reply_syntaxes);
 * the error names what it could be instead. */
static void check_reply_syntax(const conf_network *n, const proto_entry *pe, char **errs) {
    if (!n->reply_syntax || proto_has_syntax(pe, n->reply_syntax)) return;
    char path[160], names[512];
    conf_network_path(n, "reply_syntax", path, sizeof path);
    if (pe->def.reply_syntaxes) {
        size_t len = 0;
        names[0] = '\0';
        for (const char *const *s = pe->def.reply_syntaxes; *s && len < sizeof names; s++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", *s);
        conf_error(errs, "%s: expected one of %s", path, names);
        return;
    }
    syntax_list(n->reply_syntax, names, sizeof names);
    if (names[0]) {
        conf_error(errs, "%s: \"%s\" replies are for %s networks (this one speaks %s)", path,
                   n->reply_syntax, names, n->protocol);
        return;
    }
    syntax_list(NULL, names, sizeof names);
    conf_error(errs, "%s: expected one of %s", path, names[0] ? names : n->protocol);
}

int conf_check_protocols(const conf *c, char **errs) {
    int before = conf_error_count(*errs), listening = 0;
    for (int i = 0; i < c->nnetworks; i++) {
        const conf_network *n = &c->networks[i];
        char path[160];
        if (!proto_lookup(n->protocol)) {
            if (n->implicit) continue;
            conf_network_path(n, "protocol", path, sizeof path);
            conf_error(errs, "%s: protocol '%s' is not provided by any loaded module", path,
                       n->protocol);
            continue;
        }
        listening++;
        check_reply_syntax(n, proto_lookup(n->protocol), errs);
    }
    if (listening == 0 && conf_error_count(*errs) == before)
        conf_error(errs, "$.networks: no network to listen on (is the resp module loaded?)");
    return conf_error_count(*errs) - before;
}
