/* probe: a service that records when it started, then sleeps forever.
 *
 *   probe FILE NAME      append "<CLOCK_MONOTONIC µs> <pid> <NAME>\n" to FILE
 *   probe [ARG]          (as a runit/s6 ./run symlink; s6 passes the service
 *                        name as one argument) FILE = $PROBE_FILE,
 *                        NAME = the basename of the working directory
 *
 * The timestamp is taken first thing in main(), so a supervisor's restart
 * latency is measured up to the moment the replacement really runs.  The
 * record is one write() with O_APPEND, atomic against the other probes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);

    const char *file = argc > 2 ? argv[1] : getenv("PROBE_FILE");
    const char *name = argc > 2 ? argv[2] : NULL;
    char cwd[4096];
    if (!name) {
        if (!getcwd(cwd, sizeof cwd)) return 111;
        char *slash = strrchr(cwd, '/');
        name = slash ? slash + 1 : cwd;
    }
    if (!file) return 111;

    char line[512];
    int n = snprintf(line, sizeof line, "%lld %d %s\n",
                     (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000,
                     (int)getpid(), name);
    int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)n) != n) return 111;
    close(fd);

    for (;;) pause();   /* default dispositions: TERM/KILL end us */
}
