// TLS 1.3 and the digests of the remote listener, from the system's OpenSSL
// (libssl, libcrypto): a small surface Swift can call without macros,
// variadic functions or callbacks into Swift.
#ifndef PPM_COPENSSL_H
#define PPM_COPENSSL_H

#include <stddef.h>
#include <stdint.h>

/// An SSL_CTX: the settings shared by a listener's (or a client's) connections.
typedef struct ppm_tls_context ppm_tls_context;
/// An SSL: one connection's TLS state.
typedef struct ppm_tls ppm_tls;

/// What a handshake, read or write step came to.
enum {
    PPM_TLS_WANT_READ = -1,   ///< call again when the socket is readable
    PPM_TLS_WANT_WRITE = -2,  ///< call again when the socket is writable
    PPM_TLS_CLOSED = -3,      ///< the peer closed (close_notify, or end of input)
    PPM_TLS_FAILED = -4,      ///< a protocol or socket error (see ppm_tls_last_error)
};

/// The PSK identity both ends use.
#define PPM_TLS_PSK_IDENTITY "ppm-lua"

/// A TLS 1.3 context keyed with a pre-shared key (`server`: a listener's,
/// else a client's). NULL on failure, with the reason in `error`.
ppm_tls_context *ppm_tls_context_psk(int server, const uint8_t *key, size_t key_length, char *error, size_t error_size);

/// A TLS 1.3 context with a certificate chain, its key and the CA that
/// signs the peer's certificate (required of clients by a listener).
ppm_tls_context *ppm_tls_context_certificates(int server, const char *cert, const char *key, const char *ca, char *error, size_t error_size);

void ppm_tls_context_free(ppm_tls_context *context);

/// A connection over the socket `fd` (non-blocking for a listener's), the
/// listener's end when `server`. `host` (client only, may be NULL): the
/// name or IP address the daemon's certificate must carry.
ppm_tls *ppm_tls_new(ppm_tls_context *context, int fd, int server, const char *host);

/// Frees the connection (sending close_notify if it can, without waiting).
void ppm_tls_free(ppm_tls *tls);

/// One step of the handshake: 0 once it is done, else a PPM_TLS_ code.
int ppm_tls_handshake(ppm_tls *tls);

/// Decrypted bytes read into `buffer` (> 0), or a PPM_TLS_ code.
long ppm_tls_read(ppm_tls *tls, void *buffer, size_t size);

/// Bytes of `buffer` written (> 0), or a PPM_TLS_ code.
long ppm_tls_write(ppm_tls *tls, const void *buffer, size_t size);

/// Decrypted bytes waiting inside the connection (read without the socket).
int ppm_tls_pending(ppm_tls *tls);

/// Sends close_notify (best effort: a non-blocking socket may not take it).
void ppm_tls_shutdown(ppm_tls *tls);

/// The reason of the last failure on this thread, as one line.
void ppm_tls_last_error(char *buffer, size_t size);

/// SHA-256 of `length` bytes into `digest` (32 bytes).
void ppm_sha256(const uint8_t *data, size_t length, uint8_t *digest);

/// HMAC-SHA256 of `message` keyed with `key` into `code` (32 bytes); 0 on success.
int ppm_hmac_sha256(const uint8_t *key, size_t key_length, const uint8_t *message, size_t length, uint8_t *code);

/// Whether two buffers of `length` bytes are equal, in constant time.
int ppm_equal_constant_time(const uint8_t *a, const uint8_t *b, size_t length);

#endif
