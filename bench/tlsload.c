/* tlsload: TLS 1.3 handshakes against a ppm-lua TCP listener, one after another.
 *
 *   tlsload HOST PORT TOKEN_FILE SECONDS
 *
 * Each round connects, makes the handshake with the token as the external
 * pre-shared key (identity "ppm-lua", the file's bytes without trailing
 * whitespace, as the daemon and `openssl s_client -psk` use it), reads the
 * daemon's hello line and closes.  Prints one JSON object:
 *   {"handshakes": N, "failed": F, "seconds": S}
 * The daemon's CPU time over the same window is measured by the harness, so
 * handshakes per daemon CPU second is what one core of the daemon sustains. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned char key[512];
static size_t key_length;
static const char identity[] = "ppm-lua";

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Offers the token as a TLS 1.3 external PSK with TLS_AES_128_GCM_SHA256. */
static int offer_key(SSL *ssl, const EVP_MD *md, const unsigned char **id, size_t *id_length, SSL_SESSION **session) {
    const unsigned char suite[] = {0x13, 0x01};
    const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, suite);
    SSL_SESSION *s = cipher ? SSL_SESSION_new() : NULL;
    *session = NULL;
    if (!s) return 0;
    if (!SSL_SESSION_set1_master_key(s, key, key_length) || !SSL_SESSION_set_cipher(s, cipher)
        || !SSL_SESSION_set_protocol_version(s, TLS1_3_VERSION)
        || (md && md != SSL_CIPHER_get_handshake_digest(cipher))) {
        SSL_SESSION_free(s);
        return md ? 1 : 0;
    }
    *session = s;
    *id = (const unsigned char *)identity;
    *id_length = strlen(identity);
    return 1;
}

static int read_key(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    key_length = fread(key, 1, sizeof key, f);
    fclose(f);
    while (key_length && (key[key_length - 1] == '\n' || key[key_length - 1] == ' ' || key[key_length - 1] == '\r'))
        key_length--;
    return key_length ? 0 : -1;
}

/* One connection: handshake, hello line, close.  1 on success. */
static int one_round(SSL_CTX *ctx, const struct sockaddr_in *to) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = 0, one = 1;
    if (fd < 0) return 0;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    SSL *ssl = NULL;
    if (connect(fd, (const struct sockaddr *)to, sizeof *to) == 0 && (ssl = SSL_new(ctx)) && SSL_set_fd(ssl, fd)
        && SSL_connect(ssl) == 1) {
        char line[4096];
        int n = SSL_read(ssl, line, sizeof line);
        ok = n > 0 && memchr(line, '\n', (size_t)n) != NULL;
        SSL_shutdown(ssl);
    }
    if (ssl) SSL_free(ssl);
    close(fd);
    ERR_clear_error();
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: tlsload HOST PORT TOKEN_FILE SECONDS\n");
        return 2;
    }
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2]))};
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1 || read_key(argv[3]) != 0) {
        fprintf(stderr, "tlsload: bad address or unreadable token file\n");
        return 2;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION)) return 1;
    SSL_CTX_set_psk_use_session_callback(ctx, offer_key);
    double seconds = atof(argv[4]), start = now(), end = start + seconds;
    long done = 0, failed = 0;
    while (now() < end) {
        if (one_round(ctx, &to)) done++;
        else if (++failed > 100 && done == 0) break;
    }
    printf("{\"handshakes\": %ld, \"failed\": %ld, \"seconds\": %.3f}\n", done, failed, now() - start);
    SSL_CTX_free(ctx);
    return done > 0 ? 0 : 1;
}
