// The fd holder: a tiny process that keeps a copy of every output pipe of
// the daemon's services, so that when the daemon dies (SIGKILL, a crash) or
// re-executes itself, the services' pipes stay open (writers block when a
// pipe is full instead of dying of SIGPIPE) and the next daemon takes the
// same pipes back. One client at a time over a SOCK_SEQPACKET unix socket;
// each message is a short text plus up to two descriptors (SCM_RIGHTS).
//   "put NAME"  + read end, write end   keep (replacing what NAME had)
//   "drop NAME"                         close and forget NAME
//   "get"                               one "NAME" message with both ends per entry, then "end"
//   "quit"                              remove the socket and exit
//   "acks"                              answered "acks"; from then on each "put" on this
//                                       connection is answered "ok", or "lost REASON" when
//                                       the pipe could not be kept (a daemon sends it before
//                                       its first "get": a holder that does not answer it,
//                                       started by an older daemon, sends the entries at once)
// The holder raises its open-files limit at start (as root up to fs.nr_open):
// it keeps two descriptors per stream, twice what the daemon keeps.
#define _GNU_SOURCE
#include "CSystem.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MSG_MAX 512

// One kept pipe: its name (malloc'd, as long as it is: a fixed array of
// MSG_MAX bytes cost half a kilobyte per pipe) and both ends.
typedef struct { char *name; int fds[2]; } entry;

static int send_msg(int sock, const char *text, const int *fds, int nfds) {
    struct iovec iov = { (void *)text, strlen(text) };
    char control[CMSG_SPACE(2 * sizeof(int))];
    memset(control, 0, sizeof control);
    struct msghdr msg = { 0 };
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (nfds > 0) {
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
    }
    ssize_t n;
    do { n = sendmsg(sock, &msg, MSG_NOSIGNAL); } while (n < 0 && errno == EINTR);
    return n < 0 ? -1 : 0;
}

// Receives one message: its text (NUL-terminated) and up to two descriptors
// (close-on-exec; -1 when absent: with `truncated` set, the kernel could not
// pass them, the table being full). 1: a message, 0: the peer closed, -1: error.
static int recv_msg(int sock, char *text, size_t cap, int fds[2], int *truncated) {
    char control[CMSG_SPACE(2 * sizeof(int))];
    struct iovec iov = { text, cap - 1 };
    struct msghdr msg = { 0 };
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    fds[0] = fds[1] = -1;
    ssize_t n;
    do { n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
    if (n <= 0) return (int)n;
    text[n] = 0;
    if (truncated) *truncated = (msg.msg_flags & MSG_CTRUNC) != 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < count; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (i < 2) fds[i] = fd; else close(fd);
        }
    }
    return 1;
}

static int unix_socket(const char *path, struct sockaddr_un *addr) {
    if (strlen(path) >= sizeof addr->sun_path) { errno = ENAMETOOLONG; return -1; }
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    strcpy(addr->sun_path, path);
    return socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
}

// Raises the open-files limit as far as it goes: the soft limit to the hard
// one, and as root the hard one to fs.nr_open (what the daemon does, SPEC 13).
static void raise_file_limit(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) < 0) return;
    FILE *f = fopen("/proc/sys/fs/nr_open", "re");
    unsigned long nr_open = 0;
    if (f) {
        if (fscanf(f, "%lu", &nr_open) != 1) nr_open = 0;
        fclose(f);
    }
    if (nr_open > limit.rlim_max) {
        struct rlimit higher = { nr_open, nr_open };
        if (setrlimit(RLIMIT_NOFILE, &higher) == 0) return;  /* root (CAP_SYS_RESOURCE) */
    }
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
}

// Answers a "put" on a connection that asked for acks: "ok", or why not.
static void ack_put(int client, int acks, const char *lost) {
    if (!acks) return;
    char reply[MSG_MAX];
    if (!lost) snprintf(reply, sizeof reply, "ok");
    else snprintf(reply, sizeof reply, "lost %s", lost);
    send_msg(client, reply, NULL, 0);
}

int ppm_fdholder_main(const char *path, int idle_seconds) {
    raise_file_limit();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    struct sockaddr_un addr;
    int listener = unix_socket(path, &addr);
    if (listener < 0) return 1;
    unlink(path);
    mode_t old = umask(077);
    int rc = bind(listener, (struct sockaddr *)&addr, sizeof addr);
    umask(old);
    if (rc < 0 || listen(listener, 4) < 0) return 1;
    entry *entries = NULL;
    size_t count = 0, capacity = 0;
    for (;;) {
        // Without a daemon for `idle_seconds`, give up: nobody will take the pipes back.
        struct pollfd p = { listener, POLLIN, 0 };
        int ready = poll(&p, 1, idle_seconds * 1000);
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        int client = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (client < 0) continue;
        struct ucred cred;
        socklen_t len = sizeof cred;
        if (getsockopt(client, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || (cred.uid != getuid() && cred.uid != 0)) {
            close(client);
            continue;
        }
        char text[MSG_MAX];
        int fds[2], truncated = 0, acks = 0;
        while (recv_msg(client, text, sizeof text, fds, &truncated) == 1) {
            if (strncmp(text, "put ", 4) == 0 && (fds[0] < 0 || fds[1] < 0)) {
                if (fds[0] >= 0) close(fds[0]);
                if (fds[1] >= 0) close(fds[1]);
                struct rlimit limit = { 0, 0 };
                getrlimit(RLIMIT_NOFILE, &limit);
                char reason[128];
                if (truncated) snprintf(reason, sizeof reason, "the fd holder has no descriptors left (open-files limit %lu)", (unsigned long)limit.rlim_cur);
                else snprintf(reason, sizeof reason, "no descriptors came with the request");
                ack_put(client, acks, reason);
                continue;
            }
            if (strncmp(text, "put ", 4) == 0) {
                size_t i = 0;
                while (i < count && strcmp(entries[i].name, text + 4) != 0) i++;
                if (i == count) {
                    char *name = strdup(text + 4);
                    if (count == capacity) {
                        size_t more = capacity ? capacity * 2 : 64;
                        entry *grown = name ? realloc(entries, more * sizeof *entries) : NULL;
                        if (grown) { entries = grown; capacity = more; }
                    }
                    if (!name || count == capacity) {
                        free(name);
                        close(fds[0]);
                        close(fds[1]);
                        ack_put(client, acks, "the fd holder is out of memory");
                        continue;
                    }
                    count++;
                    entries[i].name = name;
                } else {
                    close(entries[i].fds[0]);
                    close(entries[i].fds[1]);
                }
                entries[i].fds[0] = fds[0];
                entries[i].fds[1] = fds[1];
                ack_put(client, acks, NULL);
                continue;
            }
            if (fds[0] >= 0) close(fds[0]);
            if (fds[1] >= 0) close(fds[1]);
            if (strncmp(text, "drop ", 5) == 0) {
                for (size_t i = 0; i < count; i++) {
                    if (strcmp(entries[i].name, text + 5) != 0) continue;
                    close(entries[i].fds[0]);
                    close(entries[i].fds[1]);
                    free(entries[i].name);
                    entries[i] = entries[--count];
                    break;
                }
            } else if (strcmp(text, "acks") == 0) {
                acks = 1;
                send_msg(client, "acks", NULL, 0);
            } else if (strcmp(text, "get") == 0) {
                for (size_t i = 0; i < count; i++) send_msg(client, entries[i].name, entries[i].fds, 2);
                send_msg(client, "end", NULL, 0);
            } else if (strcmp(text, "quit") == 0) {
                unlink(path);
                return 0;
            }
        }
        close(client);
    }
    unlink(path);
    return 0;
}

int ppm_fdholder_connect(const char *path) {
    struct sockaddr_un addr;
    int fd = unix_socket(path, &addr);
    if (fd < 0) return -1;
    struct timeval timeout = { 2, 0 };
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int ppm_fdholder_send(int sock, const char *text, int read_fd, int write_fd) {
    int fds[2] = { read_fd, write_fd };
    return send_msg(sock, text, fds, read_fd >= 0 && write_fd >= 0 ? 2 : 0);
}

int ppm_fdholder_receive(int sock, char *name, size_t cap, int fds[2]) {
    int rc = recv_msg(sock, name, cap, fds, NULL);
    if (rc != 1) return -1;
    if (strcmp(name, "end") == 0) return 0;
    return 1;
}
