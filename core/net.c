/* net.c -- listeners: bind each network, accept on the main thread, hand sockets out
 * round-robin to the worker threads. */
#include "config.h"
#include "net.h"
#include "conn.h"
#include "log.h"
#include "mem.h"
#include "ns.h"
#include "server.h"
#include "thread.h"
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/listener.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static unsigned net_next_thread;

static const char NET_FULL[] = "ERR max number of clients reached";
static const char NET_PROTECTED[] =
    "DENIED Keel is running in protected mode because protected mode is enabled and no password is "
    "set "
    "for this network. In this mode connections are only accepted from the loopback interface. If "
    "you "
    "want to connect from external computers to Keel you may adopt one of the following solutions: "
    "1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the "
    "loopback "
    "interface by connecting to Keel from the same host the server is running, however MAKE SURE "
    "Keel is "
    "not publicly accessible from internet if you do so. 2) Alternatively you can disable "
    "protected mode "
    "by setting \"protected_mode\": false in the config file, and restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. "
    "4) Set up a password for this network (\"requirepass\" in its config). NOTE: You only need to "
    "do "
    "one of the above things in order for the server to start accepting connections from the "
    "outside.";

/* True for an address of this host's loopback interface (127.0.0.0/8, ::1, ::ffff:127.x). */
static bool net_is_loopback(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family != AF_INET6) return sa->sa_family == AF_UNIX;
    const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(a)) return true;
    return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
}

/* Why a new client of l from sa is refused, or NULL to accept it.  Networks that may run admin
 * commands have a reserve past max_clients, so a flood of clients elsewhere cannot lock the
 * operator out. */
static const char *net_refusal(const listener *l, const struct sockaddr *sa) {
    if (limit_get(srv->cf.protected_mode) && !l->cf->requirepass && !net_is_loopback(sa))
        return NET_PROTECTED;
    int64_t all = atomic_load(&srv->nclients), limit = limit_get(srv->cf.max_clients);
    if (l->cf->permissions & PERM_ADMIN) limit += limit_get(srv->cf.admin_reserve);
    if (all >= limit) return NET_FULL;
    if (l->cf->max_clients > 0 && atomic_load(&l->st.active) >= (uint64_t)l->cf->max_clients)
        return NET_FULL;
    return NULL;
}

void net_client_gone(listener *l) {
    atomic_fetch_sub(&srv->nclients, 1);
    atomic_fetch_sub_explicit(&l->st.active, 1, memory_order_relaxed);
}

static void net_on_accept(struct evconnlistener *evl, evutil_socket_t fd, struct sockaddr *sa,
                          int salen, void *arg) {
    (void)evl;
    (void)salen;
    listener *l = arg;
    if (atomic_load(&srv->shutting_down)) {
        close(fd);
        return;
    }
    const char *refuse = net_refusal(l, sa);
    if (refuse) {
        atomic_fetch_add(&srv->rejected_connections, 1);
        atomic_fetch_add_explicit(&l->st.rejected, 1, memory_order_relaxed);
        if (l->tls) { /* no TLS session to say why on: just close */
            close(fd);
            return;
        }
    }
    net_hand_over(l, fd, srv->threads[net_next_thread++ % (unsigned)srv->nthreads], refuse);
}

void net_hand_over(listener *l, int fd, thr *t, const char *refuse) {
    if (!refuse) { /* counted here, so a burst of accepts sees the clients before their threads do
                    */
        atomic_fetch_add(&srv->nclients, 1);
        atomic_fetch_add_explicit(&l->st.active, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&l->st.connections, 1, memory_order_relaxed);
        atomic_fetch_add(&srv->total_connections, 1);
    }
    conn_msg *cm = mem_alloc(sizeof *cm);
    cm->m.kind = MSG_CONN;
    cm->fd = fd;
    cm->net = l;
    cm->refuse = refuse;
    thr_send(t, &cm->m);
}

static void net_on_error(struct evconnlistener *evl, void *arg) {
    (void)evl;
    listener *l = arg;
    log_warning("network %s: accept failed: %s", l->cf->name, strerror(errno));
}

static int net_bound_port(evutil_socket_t fd) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) return -1;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -1;
}

static int net_listen_one(listener *l) {
    const conf_network *cn = l->cf;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char port[16];
    snprintf(port, sizeof port, "%d", cn->port);
    int rc = getaddrinfo(cn->host, port, &hints, &res);
    if (rc != 0) {
        log_error("network %s: cannot resolve %s: %s", cn->name, cn->host, gai_strerror(rc));
        return -1;
    }
    l->evl =
        evconnlistener_new_bind(srv->main_base, net_on_accept, l,
                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
                                511, res->ai_addr, (int)res->ai_addrlen);
    freeaddrinfo(res);
    if (!l->evl) {
        log_error("network %s: cannot listen on %s:%d: %s", cn->name, cn->host, cn->port,
                  strerror(errno));
        return -1;
    }
    evconnlistener_set_error_cb(l->evl, net_on_error);
    l->port = net_bound_port(evconnlistener_get_fd(l->evl));
    log_notice("network %s: %s%s listening on %s:%d%s", cn->name, l->proto->def.name,
               l->tls ? " over TLS" : "", cn->host, l->port,
               cn->port == 0 ? " (port chosen by the system)" : "");
    return 0;
}

/* A listener for network cn, with its namespace and TLS context, not bound yet. */
static listener *net_prepare(const conf_network *cn, const proto_entry *pe) {
    listener *l = mem_calloc(1, sizeof *l);
    l->cf = cn;
    l->proto = pe;
    snprintf(l->database, sizeof l->database, "%d", cn->database);
    if (cn->namespace_n > 0) {
        l->ns_base = ns_path_new(NULL, cn->namespace_path, (uint32_t)cn->namespace_n);
        if (cn->namespace_locked) l->ns_base->locked = l->ns_base->n;
    }
    srv->listeners =
        mem_realloc(srv->listeners, sizeof *srv->listeners * (size_t)(srv->nlisteners + 1));
    srv->listeners[srv->nlisteners++] = l;
    if (!cn->tls) return l;
    char *errs = NULL;
    l->tls = tls_server_new(&srv->cf, cn, &errs);
    if (!l->tls) {
        log_error("network %s: TLS cannot start:\n%s", cn->name, errs ? errs : "");
        mem_free(errs);
        return NULL;
    }
    return l;
}

int net_listen_all(void) {
    for (int i = 0; i < srv->cf.nnetworks; i++) {
        const conf_network *cn = &srv->cf.networks[i];
        const proto_entry *pe = proto_lookup(cn->protocol);
        if (!pe) {
            if (cn->implicit) continue;
            log_error("network %s: protocol '%s' is not provided by any loaded module", cn->name,
                      cn->protocol);
            return -1;
        }
        if (!net_prepare(cn, pe)) return -1;
    }
    if (srv->nlisteners == 0) {
        log_error("no network to listen on (is the resp module loaded?)");
        return -1;
    }
    for (int i = 0; i < srv->nlisteners; i++)
        if (net_listen_one(srv->listeners[i]) != 0) return -1;
    return 0;
}

void net_close_all(void) {
    for (int i = 0; i < srv->nlisteners; i++) {
        if (srv->listeners[i]->evl) evconnlistener_free(srv->listeners[i]->evl);
        srv->listeners[i]->evl = NULL;
    }
}

void net_free_all(void) {
    net_close_all();
    for (int i = 0; i < srv->nlisteners; i++) {
        listener *l = srv->listeners[i];
        tls_server_free(l->tls);
        ns_path_unref(l->ns_base);
        mem_free(l);
    }
    mem_free(srv->listeners);
    srv->listeners = NULL;
    srv->nlisteners = 0;
}

listener *net_find(const char *name) {
    for (int i = 0; i < srv->nlisteners; i++)
        if (!strcmp(srv->listeners[i]->cf->name, name)) return srv->listeners[i];
    return NULL;
}

int net_tls_reload(const char *name, char **errs) {
    int reloaded = 0, failed = 0;
    for (int i = 0; i < srv->nlisteners; i++) {
        listener *l = srv->listeners[i];
        if (!l->tls || (name && strcmp(l->cf->name, name) != 0)) continue;
        if (tls_server_reload(l->tls, errs) == 0) {
            reloaded++;
            log_notice("network %s: TLS certificates reloaded", l->cf->name);
        } else {
            failed++;
            log_warning("network %s: TLS reload failed; the previous certificates stay in use",
                        l->cf->name);
        }
    }
    return failed ? -1 : reloaded;
}

/* ---- the SDK's view of a connection's network ---- */

const char *keel_conn_network_setting(keel_conn *c, const char *name) {
    const listener *l = c && name ? c->net : NULL;
    if (!l) return NULL;
    if (!strcmp(name, "name")) return l->cf->name;
    if (!strcmp(name, "protocol")) return l->proto->def.name;
    if (!strcmp(name, "tls")) return l->tls ? "tls" : "notls";
    if (!strcmp(name, "reply_syntax")) return l->cf->reply_syntax;
    if (!strcmp(name, "database")) return l->database;
    return NULL;
}
