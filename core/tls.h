/* tls.h -- TLS for networks (OpenSSL 3): a server context per network and TLS sessions on the
 * connections' own non-blocking sockets.
 *
 * A server context holds one certificate/key pair per key type (RSA, ECDSA, Ed25519 ...); during
 * the handshake OpenSSL picks the pair the client's offer (signature algorithms, cipher suites)
 * can use.  Session tickets are encrypted with keys the server rotates itself (the current key
 * encrypts, the two before it still decrypt and get the ticket renewed), and the keys survive a
 * reload, so clients resume across ADMIN TLS RELOAD.  A reload builds a new context from the
 * files and swaps it in: new connections use it, open ones keep the one they started with.
 */
#ifndef KEEL_CORE_TLS_H
#define KEEL_CORE_TLS_H

#include "conf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tls_server tls_server;
typedef struct tls_session tls_session;

/* Builds network n's server context from its "tls" config, reading every file (relative names
 * against the config's directory).  On failure returns NULL after appending one
 * "$.networks[i].tls...: message" line per problem to *errs. */
tls_server *tls_server_new(const conf *c, const conf_network *n, char **errs);
/* Re-reads the network's certificates, keys and CA and swaps the new context in; on failure
 * the old one stays and *errs says why.  Any thread.  Returns 0 or -1. */
int tls_server_reload(tls_server *ts, char **errs);
/* Frees the context (sessions still open keep their own reference to it). */
void tls_server_free(tls_server *ts);
/* When the context in use was loaded (unix ms), and the key types it serves ("RSA,ECDSA"). */
int64_t tls_server_loaded_ms(tls_server *ts);
void tls_server_key_types(tls_server *ts, char *out, size_t cap);

/* ---- sessions ---- */

/* What an operation on a session came to. */
typedef enum tls_io {
    TLS_IO_OK = 0,     /* done (bytes moved, or the handshake finished) */
    TLS_IO_WANT_READ,  /* call again once the socket is readable */
    TLS_IO_WANT_WRITE, /* call again once the socket is writable */
    TLS_IO_EOF,        /* the peer closed (close_notify or plain EOF) */
    TLS_IO_ERROR       /* a protocol or socket error: close the connection */
} tls_io;

/* A server-side session on connected socket fd (non-blocking), in the accept state.  NULL when
 * OpenSSL cannot make one (logged). */
tls_session *tls_session_new(tls_server *ts, int fd);
/* Frees the session, first sending close_notify if that does not need to wait. */
void tls_session_free(tls_session *s);

/* True once the handshake is complete. */
bool tls_session_ready(const tls_session *s);
/* Moves the handshake on as far as the socket allows. */
tls_io tls_session_handshake(tls_session *s);
/* Reads up to len bytes of application data (*n set on TLS_IO_OK, never 0 then). */
tls_io tls_session_read(tls_session *s, void *buf, size_t len, size_t *n);
/* Writes up to len bytes (len > 0; *n set on TLS_IO_OK).  After a want, the next call must
 * offer at least the same bytes again (the buffer may have moved). */
tls_io tls_session_write(tls_session *s, const void *buf, size_t len, size_t *n);
/* Bytes OpenSSL holds (decrypted, or records read ahead from the socket) that a read would
 * return without touching the socket. */
bool tls_session_pending(const tls_session *s);

/* For SELF STATS and logs: the protocol version ("TLSv1.3"), the cipher, whether the session
 * was resumed, the client certificate's subject ("" when none), and the reason of the last
 * failure. */
const char *tls_session_version(const tls_session *s);
const char *tls_session_cipher(const tls_session *s);
bool tls_session_resumed(const tls_session *s);
void tls_session_peer(const tls_session *s, char *out, size_t cap);
const char *tls_session_error(const tls_session *s);

#endif
