/* floor: the least a supervisor can do, to give the benchmark its floor.
 *
 *   floor PROBE FILE NAME...   runs "PROBE FILE NAME" for every NAME, each in its
 *                              own session, and restarts one at once when it dies.
 *
 * SIGTERM/SIGINT: stop restarting, SIGTERM every process group, reap, exit 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;
static void on_term(int sig) { (void)sig; stopping = 1; }

static pid_t spawn(char **argv) {
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none; sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGTERM, SIG_DFL); signal(SIGINT, SIG_DFL);
        setsid();
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    int n = argc - 3;
    pid_t *pids = calloc((size_t)(n > 0 ? n : 1), sizeof *pids);
    struct sigaction sa = { .sa_handler = on_term };   /* no SA_RESTART: wake waitpid */
    sigaction(SIGTERM, &sa, NULL); sigaction(SIGINT, &sa, NULL);
    for (int i = 0; i < n; i++)
        pids[i] = spawn((char *[]){ argv[1], argv[2], argv[3 + i], NULL });

    while (!stopping) {
        pid_t dead = waitpid(-1, NULL, 0);
        if (dead < 0) { if (n == 0) pause(); continue; }
        for (int i = 0; i < n && !stopping; i++)
            if (pids[i] == dead)
                pids[i] = spawn((char *[]){ argv[1], argv[2], argv[3 + i], NULL });
    }
    for (int i = 0; i < n; i++) if (pids[i] > 0) kill(-pids[i], SIGTERM);
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR) {}
    return 0;
}
