/* tls.c -- OpenSSL 3 server contexts for TLS networks (several certificates, client
 * certificates, versions, rotating session-ticket keys, reload) and TLS sessions on connections'
 * non-blocking sockets. */
#include "config.h"
#include "tls.h"
#include "log.h"
#include "mem.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* Ticket keys kept: the newest encrypts, all of them decrypt. */
#define TLS_TICKET_KEYS 3

typedef struct tls_ticket_key {
    unsigned char name[16];
    unsigned char aes[32];
    unsigned char hmac[32];
    int64_t created_ms;
} tls_ticket_key;

struct tls_server {
    const conf *c;
    const conf_network *n;
    pthread_mutex_t lock; /* guards ctx, the ticket keys and the fields below */
    SSL_CTX *ctx;
    int64_t loaded_ms;
    char key_types[64]; /* "RSA,ECDSA" */
    tls_ticket_key keys[TLS_TICKET_KEYS];
    int nkeys;
};

struct tls_session {
    SSL *ssl;
    bool failed; /* a fatal error happened: no close_notify */
    char error[160];
};

static int64_t tls_now_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The reason of the oldest error on this thread's OpenSSL queue (which is then cleared). */
static const char *tls_error_text(char *out, size_t cap) {
    unsigned long e = ERR_get_error();
    const char *reason = e ? ERR_reason_error_string(e) : NULL;
    if (reason)
        snprintf(out, cap, "%s", reason);
    else if (e)
        snprintf(out, cap, "OpenSSL error %lu", e);
    else
        snprintf(out, cap, "unknown error");
    ERR_clear_error();
    return out;
}

/* ---- session tickets ---- */

static bool tls_key_fresh(tls_ticket_key *k, int64_t now) {
    k->created_ms = now;
    return RAND_bytes(k->name, sizeof k->name) == 1 && RAND_bytes(k->aes, sizeof k->aes) == 1 &&
           RAND_bytes(k->hmac, sizeof k->hmac) == 1;
}

/* Retires keys older than the rotation period (holding ts->lock). */
static void tls_rotate_locked(tls_server *ts, int64_t now) {
    int64_t period = (int64_t)ts->n->tls->ticket_rotation * 1000;
    if (ts->nkeys > 0 && now - ts->keys[0].created_ms < period) return;
    int64_t steps = ts->nkeys > 0 ? (now - ts->keys[0].created_ms) / period : TLS_TICKET_KEYS;
    if (steps >= TLS_TICKET_KEYS) { /* every key has expired: start over with one */
        steps = 1;
        ts->nkeys = 0;
    }
    for (int64_t i = 0; i < steps; i++) {
        int keep = ts->nkeys < TLS_TICKET_KEYS ? ts->nkeys : TLS_TICKET_KEYS - 1;
        memmove(&ts->keys[1], &ts->keys[0], sizeof ts->keys[0] * (size_t)keep);
        if (!tls_key_fresh(&ts->keys[0], now))
            log_warning("TLS: no randomness for a session ticket key");
        ts->nkeys = keep + 1;
    }
    OPENSSL_cleanse(&ts->keys[ts->nkeys],
                    sizeof ts->keys[0] * (size_t)(TLS_TICKET_KEYS - ts->nkeys));
}

/* OpenSSL's ticket callback: encrypt with the newest key; decrypt with whichever key named the
 * ticket (an older one asks for a renewed ticket); unknown keys mean a full handshake. */
static int tls_ticket_cb(SSL *ssl, unsigned char name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
                         EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc) {
    tls_server *ts = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    tls_ticket_key k;
    int which = -1;
    pthread_mutex_lock(&ts->lock);
    tls_rotate_locked(ts, tls_now_ms());
    for (int i = 0; i < ts->nkeys && which < 0; i++)
        if (enc ? i == 0 : memcmp(name, ts->keys[i].name, sizeof k.name) == 0) which = i;
    if (which >= 0) k = ts->keys[which];
    pthread_mutex_unlock(&ts->lock);
    if (which < 0) return enc ? -1 : 0;
    int rc = enc ? 1 : (which == 0 ? 1 : 2);
    if (enc) {
        memcpy(name, k.name, sizeof k.name);
        if (RAND_bytes(iv, 16) != 1 ||
            EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k.aes, iv) != 1)
            rc = -1;
    } else if (EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL, k.aes, iv) != 1) {
        rc = -1;
    }
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k.hmac, sizeof k.hmac),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
        OSSL_PARAM_construct_end(),
    };
    if (rc > 0 && EVP_MAC_CTX_set_params(hctx, params) != 1) rc = -1;
    OPENSSL_cleanse(&k, sizeof k);
    return rc;
}

/* ---- contexts ---- */

static const char *tls_key_type_name(int type) {
    switch (type) {
    case EVP_PKEY_RSA:
        return "RSA";
    case EVP_PKEY_RSA_PSS:
        return "RSA-PSS";
    case EVP_PKEY_EC:
        return "ECDSA";
    case EVP_PKEY_ED25519:
        return "Ed25519";
    case EVP_PKEY_ED448:
        return "Ed448";
    default:
        return "other";
    }
}

/* No passphrases: an encrypted key is refused rather than asking a terminal for one. */
static int tls_no_passphrase(char *buf, int size, int rwflag, void *u) {
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

/* Loads the private key of the certificate just added to ctx (cert), checking that the two
 * belong together.  False after appending an error for base.key. */
static bool tls_use_key(SSL_CTX *ctx, const char *key, char **errs, const char *base,
                        const char *cert) {
    char why[160];
    BIO *bio = BIO_new_file(key, "r");
    if (!bio) {
        conf_error(errs, "%s.key: cannot read %s: %s", base, key, strerror(errno));
        ERR_clear_error();
        return false;
    }
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(bio, NULL, tls_no_passphrase, NULL);
    BIO_free(bio);
    bool ok = false;
    if (!pk)
        conf_error(errs, "%s.key: %s is not an unencrypted PEM private key: %s", base, key,
                   tls_error_text(why, sizeof why));
    else if (X509_check_private_key(SSL_CTX_get0_certificate(ctx), pk) != 1)
        conf_error(errs, "%s.key: %s is not the private key of %s", base, key, cert);
    else if (SSL_CTX_use_PrivateKey(ctx, pk) != 1)
        conf_error(errs, "%s.key: OpenSSL refuses %s: %s", base, key,
                   tls_error_text(why, sizeof why));
    else
        ok = true;
    EVP_PKEY_free(pk);
    ERR_clear_error();
    return ok;
}

/* Loads certificate/key pair i into ctx.  Two pairs of one key type would replace each other
 * silently in OpenSSL, so that is an error. */
static void tls_add_pair(tls_server *ts, SSL_CTX *ctx, int i, char *types, size_t tcap,
                         char **errs) {
    const conf_tls_pair *pair = &ts->n->tls->certs[i];
    char base[160], why[160];
    char field[48];
    snprintf(field, sizeof field, "tls.certs[%d]", i);
    conf_network_path(ts->n, field, base, sizeof base);
    if (!pair->cert || !pair->key) return; /* already reported by the config loader */
    char *cert = conf_path(ts->c, pair->cert), *key = conf_path(ts->c, pair->key);
    if (access(cert, R_OK) != 0) {
        conf_error(errs, "%s.cert: cannot read %s: %s", base, cert, strerror(errno));
    } else if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        conf_error(errs, "%s.cert: %s is not a usable PEM certificate: %s", base, cert,
                   tls_error_text(why, sizeof why));
    } else {
        const char *tname = tls_key_type_name(
            EVP_PKEY_get_base_id(X509_get0_pubkey(SSL_CTX_get0_certificate(ctx))));
        char needle[24];
        snprintf(needle, sizeof needle, ",%s,", tname);
        char list[80];
        snprintf(list, sizeof list, ",%s,", types);
        if (strstr(list, needle)) {
            conf_error(errs, "%s.cert: a second %s certificate (give one certificate per key type)",
                       base, tname);
        } else if (tls_use_key(ctx, key, errs, base, cert)) {
            size_t used = strlen(types);
            snprintf(types + used, tcap - used, "%s%s", used ? "," : "", tname);
        }
    }
    ERR_clear_error();
    mem_free(cert);
    mem_free(key);
}

static void tls_add_ca(tls_server *ts, SSL_CTX *ctx, char **errs) {
    const conf_tls *t = ts->n->tls;
    char path[160], why[160];
    conf_network_path(ts->n, "tls.ca", path, sizeof path);
    char *ca = conf_path(ts->c, t->ca);
    STACK_OF(X509_NAME) *names = NULL;
    if (access(ca, R_OK) != 0) {
        conf_error(errs, "%s: cannot read %s: %s", path, ca, strerror(errno));
    } else if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
               !(names = SSL_load_client_CA_file(ca))) {
        conf_error(errs, "%s: %s holds no usable PEM CA certificate: %s", path, ca,
                   tls_error_text(why, sizeof why));
    } else {
        SSL_CTX_set_client_CA_list(ctx, names);
        int mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
        if (t->client_certs == CONF_CLIENT_CERTS_REQUIRED) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
        if (t->client_certs != CONF_CLIENT_CERTS_NONE) SSL_CTX_set_verify(ctx, mode, NULL);
    }
    ERR_clear_error();
    mem_free(ca);
}

/* A new context from the files, or NULL with errors appended. */
static SSL_CTX *tls_ctx_build(tls_server *ts, char *types, size_t tcap, char **errs) {
    const conf_tls *t = ts->n->tls;
    char path[160], why[160];
    int before = conf_error_count(*errs);
    conf_network_path(ts->n, "tls", path, sizeof path);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        conf_error(errs, "%s: OpenSSL cannot make a context: %s", path,
                   tls_error_text(why, sizeof why));
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, t->min_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, t->max_version == 12 ? TLS1_2_VERSION : TLS1_3_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF |
                                 (t->session_tickets ? 0 : SSL_OP_NO_TICKET));
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_read_ahead(ctx, 1); /* one read() takes several records, not two per record */
    unsigned char sid[SSL_MAX_SID_CTX_LENGTH];
    size_t nsid = strlen(ts->n->name) < sizeof sid ? strlen(ts->n->name) : sizeof sid;
    memcpy(sid, ts->n->name, nsid);
    SSL_CTX_set_session_id_context(ctx, sid, (unsigned)nsid);
    SSL_CTX_set_timeout(ctx, (long)t->ticket_rotation * TLS_TICKET_KEYS);
    SSL_CTX_set_app_data(ctx, ts);
    if (t->session_tickets) SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, tls_ticket_cb);
    if (t->ciphers && SSL_CTX_set_cipher_list(ctx, t->ciphers) != 1)
        conf_error(errs, "%s.ciphers: no cipher OpenSSL knows in \"%s\"", path, t->ciphers);
    if (t->ciphersuites && SSL_CTX_set_ciphersuites(ctx, t->ciphersuites) != 1)
        conf_error(errs, "%s.ciphersuites: not a TLS 1.3 suite list OpenSSL knows: \"%s\"", path,
                   t->ciphersuites);
    ERR_clear_error();
    types[0] = '\0';
    for (int i = 0; i < t->ncerts; i++)
        tls_add_pair(ts, ctx, i, types, tcap, errs);
    if (t->ca) tls_add_ca(ts, ctx, errs);
    if (conf_error_count(*errs) > before) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

tls_server *tls_server_new(const conf *c, const conf_network *n, char **errs) {
    tls_server *ts = mem_calloc(1, sizeof *ts);
    ts->c = c;
    ts->n = n;
    pthread_mutex_init(&ts->lock, NULL);
    ts->ctx = tls_ctx_build(ts, ts->key_types, sizeof ts->key_types, errs);
    if (!ts->ctx) {
        tls_server_free(ts);
        return NULL;
    }
    ts->loaded_ms = tls_now_ms();
    return ts;
}

int tls_server_reload(tls_server *ts, char **errs) {
    char types[sizeof ts->key_types];
    SSL_CTX *ctx = tls_ctx_build(ts, types, sizeof types, errs);
    if (!ctx) return -1;
    pthread_mutex_lock(&ts->lock);
    SSL_CTX *old = ts->ctx;
    ts->ctx = ctx;
    ts->loaded_ms = tls_now_ms();
    memcpy(ts->key_types, types, sizeof types);
    pthread_mutex_unlock(&ts->lock);
    SSL_CTX_free(old); /* sessions made from it hold their own reference */
    return 0;
}

void tls_server_free(tls_server *ts) {
    if (!ts) return;
    SSL_CTX_free(ts->ctx);
    OPENSSL_cleanse(ts->keys, sizeof ts->keys);
    pthread_mutex_destroy(&ts->lock);
    mem_free(ts);
}

int64_t tls_server_loaded_ms(tls_server *ts) {
    pthread_mutex_lock(&ts->lock);
    int64_t v = ts->loaded_ms;
    pthread_mutex_unlock(&ts->lock);
    return v;
}

void tls_server_key_types(tls_server *ts, char *out, size_t cap) {
    pthread_mutex_lock(&ts->lock);
    snprintf(out, cap, "%s", ts->key_types);
    pthread_mutex_unlock(&ts->lock);
}

/* ---- sessions ---- */

tls_session *tls_session_new(tls_server *ts, int fd) {
    pthread_mutex_lock(&ts->lock);
    SSL *ssl = SSL_new(ts->ctx);
    pthread_mutex_unlock(&ts->lock);
    if (!ssl || SSL_set_fd(ssl, fd) != 1) {
        char why[160];
        log_warning("network %s: cannot start a TLS session: %s", ts->n->name,
                    tls_error_text(why, sizeof why));
        SSL_free(ssl);
        return NULL;
    }
    SSL_set_accept_state(ssl);
    tls_session *s = mem_calloc(1, sizeof *s);
    s->ssl = ssl;
    return s;
}

void tls_session_free(tls_session *s) {
    if (!s) return;
    if (!s->failed && SSL_is_init_finished(s->ssl)) {
        ERR_clear_error();
        SSL_shutdown(s->ssl); /* one try: sends close_notify if the socket takes it */
    }
    ERR_clear_error();
    SSL_free(s->ssl);
    mem_free(s);
}

/* Maps an OpenSSL result to a tls_io, remembering why a failure happened. */
static tls_io tls_result(tls_session *s, int r) {
    int e = SSL_get_error(s->ssl, r);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        return TLS_IO_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return TLS_IO_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return TLS_IO_EOF;
    case SSL_ERROR_SYSCALL:
        s->failed = true;
        if (ERR_peek_error() == 0 && errno == 0) return TLS_IO_EOF;
        if (ERR_peek_error() == 0)
            snprintf(s->error, sizeof s->error, "%s", strerror(errno));
        else
            tls_error_text(s->error, sizeof s->error);
        return TLS_IO_ERROR;
    default:
        s->failed = true;
        tls_error_text(s->error, sizeof s->error);
        return TLS_IO_ERROR;
    }
}

bool tls_session_ready(const tls_session *s) {
    return SSL_is_init_finished(s->ssl);
}

tls_io tls_session_handshake(tls_session *s) {
    ERR_clear_error();
    errno = 0;
    int r = SSL_do_handshake(s->ssl);
    return r == 1 ? TLS_IO_OK : tls_result(s, r);
}

tls_io tls_session_read(tls_session *s, void *buf, size_t len, size_t *n) {
    ERR_clear_error();
    errno = 0;
    int r = SSL_read_ex(s->ssl, buf, len, n);
    return r == 1 ? TLS_IO_OK : tls_result(s, r);
}

tls_io tls_session_write(tls_session *s, const void *buf, size_t len, size_t *n) {
    ERR_clear_error();
    errno = 0;
    int r = SSL_write_ex(s->ssl, buf, len, n);
    return r == 1 ? TLS_IO_OK : tls_result(s, r);
}

bool tls_session_pending(const tls_session *s) {
    return SSL_has_pending(s->ssl) == 1;
}

const char *tls_session_version(const tls_session *s) {
    return SSL_get_version(s->ssl);
}

const char *tls_session_cipher(const tls_session *s) {
    const char *c = SSL_get_cipher_name(s->ssl);
    return c ? c : "";
}

bool tls_session_resumed(const tls_session *s) {
    return SSL_session_reused(s->ssl) == 1;
}

void tls_session_peer(const tls_session *s, char *out, size_t cap) {
    X509 *x = SSL_get0_peer_certificate(s->ssl);
    out[0] = '\0';
    if (x) X509_NAME_oneline(X509_get_subject_name(x), out, (int)cap);
}

const char *tls_session_error(const tls_session *s) {
    return s->error[0] ? s->error : "unknown error";
}
