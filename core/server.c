/* server.c -- the process's one server instance and the shutdown request any thread may make. */
#include "config.h"
#include "server.h"

#include <stdint.h>
#include <unistd.h>

server *srv;

void server_request_shutdown(void) {
    atomic_store(&srv->shutting_down, 1);
    if (srv->shutdown_fd < 0) return;
    uint64_t one = 1;
    ssize_t n = write(srv->shutdown_fd, &one, sizeof one);
    (void)n;
}
