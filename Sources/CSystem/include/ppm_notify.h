#ifndef PPM_NOTIFY_H
#define PPM_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/// What `ppm_notify_recv` learnt of one datagram besides its bytes.
typedef struct {
    /// The sender's pid and uid from SCM_CREDENTIALS (the kernel fills them
    /// in; -1 when the datagram carried none).
    int32_t pid;
    int64_t uid;
    /// Descriptors passed with SCM_RIGHTS; every one is closed before return.
    int32_t closed_fds;
    /// Non-zero when the datagram or its control data did not fit (MSG_TRUNC, MSG_CTRUNC).
    int32_t truncated;
} ppm_notify_meta;

/// Receives one datagram from a non-blocking unix datagram socket with
/// SO_PASSCRED set, without blocking: its length (the whole datagram's,
/// even when longer than `cap`; see `meta->truncated`), or -1 with errno
/// (EAGAIN: nothing waiting). Descriptors sent with it are closed at once
/// (systemd-notify's BARRIER=1 waits for that).
ssize_t ppm_notify_recv(int fd, char *buf, size_t cap, ppm_notify_meta *meta);

#endif
