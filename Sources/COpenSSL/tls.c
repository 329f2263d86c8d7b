// TLS 1.3 for the remote listener and its clients (see COpenSSL.h).
#include "COpenSSL.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// The pre-shared key a context holds (its app data).
struct psk { size_t length; uint8_t bytes[]; };

static const unsigned char aes_128_gcm_sha256[] = { 0x13, 0x01 };

static void describe(char *error, size_t size, const char *what) {
    char reason[256];
    ppm_tls_last_error(reason, sizeof reason);
    snprintf(error, size, "%s%s%s", what, reason[0] ? ": " : "", reason);
}

/// A session that stands for the external PSK (TLS 1.3, RFC 8446 4.2.11).
static SSL_SESSION *psk_session(SSL *ssl, const struct psk *psk) {
    const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, aes_128_gcm_sha256);
    SSL_SESSION *session = cipher ? SSL_SESSION_new() : NULL;
    if (!session) return NULL;
    if (!SSL_SESSION_set1_master_key(session, psk->bytes, psk->length) || !SSL_SESSION_set_cipher(session, cipher)
        || !SSL_SESSION_set_protocol_version(session, TLS1_3_VERSION)) {
        SSL_SESSION_free(session);
        return NULL;
    }
    return session;
}

static const struct psk *psk_of(SSL *ssl) { return SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)); }

/// The listener's side: a client naming the identity gets the key's session;
/// any other identity gets none, and with no certificate the handshake fails.
static int find_psk(SSL *ssl, const unsigned char *identity, size_t length, SSL_SESSION **session) {
    *session = NULL;
    const struct psk *psk = psk_of(ssl);
    if (!psk || length != strlen(PPM_TLS_PSK_IDENTITY) || memcmp(identity, PPM_TLS_PSK_IDENTITY, length) != 0) return 1;
    *session = psk_session(ssl, psk);
    return *session ? 1 : 0;
}

/// The client's side: offers the identity and the key.
static int use_psk(SSL *ssl, const EVP_MD *md, const unsigned char **identity, size_t *length, SSL_SESSION **session) {
    *session = NULL;
    const struct psk *psk = psk_of(ssl);
    SSL_SESSION *s = psk ? psk_session(ssl, psk) : NULL;
    if (!s) return 0;
    if (md && md != SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(s))) {
        // After a HelloRetryRequest with another hash: no PSK to offer.
        SSL_SESSION_free(s);
        return 1;
    }
    *session = s;
    *identity = (const unsigned char *)PPM_TLS_PSK_IDENTITY;
    *length = strlen(PPM_TLS_PSK_IDENTITY);
    return 1;
}

static SSL_CTX *base_context(int server, char *error, size_t size) {
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!ctx) {
        describe(error, size, "cannot make a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
    // No resumption tickets or cache: each connection authenticates anew.
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_IGNORE_UNEXPECTED_EOF);
    // Writes of part of a buffer (non-blocking sockets), from a buffer that
    // may move between tries, and buffers released while a connection idles.
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
    return ctx;
}

ppm_tls_context *ppm_tls_context_psk(int server, const uint8_t *key, size_t key_length, char *error, size_t size) {
    if (key_length == 0 || key_length > 256) {
        snprintf(error, size, "a pre-shared key holds 1 to 256 bytes, not %zu", key_length);
        return NULL;
    }
    SSL_CTX *ctx = base_context(server, error, size);
    if (!ctx) return NULL;
    struct psk *psk = malloc(sizeof *psk + key_length);
    if (!psk) {
        SSL_CTX_free(ctx);
        snprintf(error, size, "out of memory");
        return NULL;
    }
    // The session's hash (SHA-256) must be the chosen suite's, or the key is ignored.
    SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256");
    psk->length = key_length;
    memcpy(psk->bytes, key, key_length);
    SSL_CTX_set_app_data(ctx, psk);
    if (server) {
        SSL_CTX_set_psk_find_session_callback(ctx, find_psk);
    } else {
        SSL_CTX_set_psk_use_session_callback(ctx, use_psk);
    }
    return (ppm_tls_context *)ctx;
}

ppm_tls_context *ppm_tls_context_certificates(int server, const char *cert, const char *key, const char *ca, char *error, size_t size) {
    SSL_CTX *ctx = base_context(server, error, size);
    if (!ctx) return NULL;
    char what[512];
    if (cert && SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        snprintf(what, sizeof what, "cannot load the certificate %s", cert);
    } else if (key && SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        snprintf(what, sizeof what, "cannot load the key %s", key);
    } else if (cert && key && SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(what, sizeof what, "the key %s does not belong to the certificate %s", key, cert);
    } else if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
        snprintf(what, sizeof what, "cannot load the CA certificate %s", ca);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
        return (ppm_tls_context *)ctx;
    }
    describe(error, size, what);
    SSL_CTX_free(ctx);
    return NULL;
}

void ppm_tls_context_free(ppm_tls_context *context) {
    SSL_CTX *ctx = (SSL_CTX *)context;
    if (!ctx) return;
    free(SSL_CTX_get_app_data(ctx));
    SSL_CTX_free(ctx);
}

ppm_tls *ppm_tls_new(ppm_tls_context *context, int fd, int server, const char *host) {
    SSL_CTX *ctx = (SSL_CTX *)context;
    SSL *ssl = SSL_new(ctx);
    if (!ssl) return NULL;
    if (SSL_set_fd(ssl, fd) != 1) {
        SSL_free(ssl);
        return NULL;
    }
    if (server) {
        SSL_set_accept_state(ssl);
        return (ppm_tls *)ssl;
    }
    SSL_set_connect_state(ssl);
    if (SSL_CTX_get_app_data(ctx) == NULL && host && host[0]) {
        // The daemon's certificate must name the host (or address) dialled.
        unsigned char address[16];
        int numeric = inet_pton(AF_INET, host, address) == 1 || inet_pton(AF_INET6, host, address) == 1;
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        int ok = numeric ? X509_VERIFY_PARAM_set1_ip_asc(param, host) : X509_VERIFY_PARAM_set1_host(param, host, 0);
        if (!numeric) SSL_set_tlsext_host_name(ssl, host);
        if (ok != 1) {
            SSL_free(ssl);
            return NULL;
        }
    }
    return (ppm_tls *)ssl;
}

void ppm_tls_free(ppm_tls *tls) {
    if (tls) SSL_free((SSL *)tls);
}

static long outcome(SSL *ssl, int rc) {
    switch (SSL_get_error(ssl, rc)) {
    case SSL_ERROR_WANT_READ: return PPM_TLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE: return PPM_TLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN: return PPM_TLS_CLOSED;
    default: return PPM_TLS_FAILED;
    }
}

int ppm_tls_handshake(ppm_tls *tls) {
    SSL *ssl = (SSL *)tls;
    ERR_clear_error();
    int rc = SSL_do_handshake(ssl);
    return rc == 1 ? 0 : (int)outcome(ssl, rc);
}

long ppm_tls_read(ppm_tls *tls, void *buffer, size_t size) {
    SSL *ssl = (SSL *)tls;
    size_t n = 0;
    ERR_clear_error();
    int rc = SSL_read_ex(ssl, buffer, size, &n);
    return rc == 1 ? (long)n : outcome(ssl, rc);
}

long ppm_tls_write(ppm_tls *tls, const void *buffer, size_t size) {
    SSL *ssl = (SSL *)tls;
    size_t n = 0;
    ERR_clear_error();
    int rc = SSL_write_ex(ssl, buffer, size, &n);
    return rc == 1 ? (long)n : outcome(ssl, rc);
}

int ppm_tls_pending(ppm_tls *tls) { return SSL_pending((SSL *)tls); }

void ppm_tls_shutdown(ppm_tls *tls) {
    ERR_clear_error();
    (void)SSL_shutdown((SSL *)tls);
    ERR_clear_error();
}

void ppm_tls_last_error(char *buffer, size_t size) {
    unsigned long code = ERR_peek_last_error();
    if (size == 0) return;
    buffer[0] = 0;
    if (code) ERR_error_string_n(code, buffer, size);
    ERR_clear_error();
}

void ppm_sha256(const uint8_t *data, size_t length, uint8_t *digest) { SHA256(data, length, digest); }

int ppm_hmac_sha256(const uint8_t *key, size_t key_length, const uint8_t *message, size_t length, uint8_t *code) {
    unsigned int size = 32;
    static const uint8_t empty = 0;
    return HMAC(EVP_sha256(), key_length ? key : &empty, (int)key_length, length ? message : &empty, length, code, &size) ? 0 : -1;
}

int ppm_equal_constant_time(const uint8_t *a, const uint8_t *b, size_t length) { return CRYPTO_memcmp(a, b, length) == 0; }
