/* httpd: the one local HTTP server of the health-check benchmark, and the
 * floor it is compared with.
 *
 *   httpd serve PORT        answer every GET on 127.0.0.1:PORT with
 *                           "200 OK" and the body "ok", then close (the
 *                           probe sends Connection: close); GET /count answers
 *                           the number of other requests served so far.
 *                           One thread, epoll, non-blocking: it never makes
 *                           the daemon wait.
 *   httpd floor PORT N      N GETs in a row with the request ppm-lua's probe
 *                           sends (connect, send, read to the end, close);
 *                           prints "<CPU µs per exchange> <wall µs per
 *                           exchange>": the cost of the HTTP exchange itself,
 *                           without a supervisor around it. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char REQUEST[] =
    "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\nUser-Agent: ppm-lua probe\r\nConnection: close\r\n\r\n";
static const char ANSWER[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

static struct sockaddr_in address(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int serve(int port) {
    signal(SIGPIPE, SIG_IGN);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in a = address(port);
    if (bind(listener, (struct sockaddr *)&a, sizeof a) != 0 || listen(listener, 4096) != 0) {
        perror("httpd: bind/listen");
        return 1;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    unsigned long long served = 0;
    struct epoll_event events[256];
    char buffer[4096];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0 && errno == EINTR) continue;
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int c;
                while ((c = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    struct epoll_event cev = {.events = EPOLLIN | EPOLLRDHUP, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            ssize_t got = read(fd, buffer, sizeof buffer - 1);
            if (got > 0) {
                buffer[got] = 0;
                /* The request fits one segment on loopback; its end is the blank line. */
                if (!strstr(buffer, "\r\n\r\n")) continue;
                if (strncmp(buffer, "GET /count ", 11) == 0) {
                    char body[64], answer[256];
                    int bn = snprintf(body, sizeof body, "%llu\n", served);
                    int an = snprintf(answer, sizeof answer, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", bn, body);
                    ssize_t ignored = write(fd, answer, (size_t)an);
                    (void)ignored;
                } else {
                    served++;
                    ssize_t ignored = write(fd, ANSWER, sizeof ANSWER - 1);
                    (void)ignored;
                }
            } else if (got < 0 && errno == EAGAIN) {
                continue;
            }
            epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            close(fd);
        }
    }
}

static double cpu_us(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

static double wall_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int floor_client(int port, int count) {
    struct sockaddr_in a = address(port);
    char buffer[4096];
    double cpu0 = cpu_us(), wall0 = wall_us();
    for (int i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
            perror("httpd floor: connect");
            return 1;
        }
        if (send(fd, REQUEST, sizeof REQUEST - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof REQUEST - 1)) return 1;
        while (read(fd, buffer, sizeof buffer) > 0) {}
        close(fd);
    }
    printf("%.2f %.2f\n", (cpu_us() - cpu0) / count, (wall_us() - wall0) / count);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(atoi(argv[2]));
    if (argc == 4 && strcmp(argv[1], "floor") == 0) return floor_client(atoi(argv[2]), atoi(argv[3]));
    fprintf(stderr, "usage: httpd serve PORT | httpd floor PORT N\n");
    return 2;
}
