// The spawner: clone(CLONE_VM | CLONE_VFORK) on a small stack of our own,
// the child's setup sequence, and setup/exec errors reported through a pipe.
//
// Why not fork(): fork copies the page tables of the whole (large) Swift
// process, ~0.5 ms here. With CLONE_VM the child runs in our memory until
// execve, and CLONE_VFORK suspends the calling thread until then, so nothing
// is copied. The price is discipline in the child (see `child_main`).
#define _GNU_SOURCE
#include "CSystem.h"
#include "clone3.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// MARK: - Spawn contexts

// ThreadSanitizer cannot follow a child that runs in the parent's memory
// (clone with CLONE_VM: its runtime aborts in the child), so under it the
// spawner forks instead and waits for the exec. Only sanitizer builds do.
#if defined(__SANITIZE_THREAD__)
#define PPM_SPAWN_WITH_FORK 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PPM_SPAWN_WITH_FORK 1
#endif
#endif

/// Size of the child's stack; a guard page below it turns an overflow into
/// a crash of the child instead of a write into our memory.
enum { CHILD_STACK_SIZE = 64 * 1024 };

/// Low descriptor slots per context (see `slots` below).
enum { SLOT_REPORT, SLOT_STDIN, SLOT_STDOUT, SLOT_STDERR, SLOT_NOTIFY, SLOT_COUNT };

/// What one spawn under way uses until its child has exec'd: the child's
/// stack, the low descriptor slots its pipe ends pass through, and the list
/// of signals it resets. Spawns on different contexts run at once (each
/// calling thread waits for its own child), so that a batch of starts is
/// not one long chain of clone-and-wait (`ppm_spawn_on`).
struct spawn_context {
    /// Held by a spawn only while its child runs (until its exec or exit).
    pthread_mutex_t lock;
    char *stack_top;
    int slots[SLOT_COUNT];
    /// Signals whose disposition the child sets back to SIG_DFL: those with
    /// a handler or SIG_IGN when last looked at, and SIGPIPE always.
    int reset_signals[NSIG];
    int reset_count;
    /// Set when dispositions may have changed; the next spawn looks again.
    atomic_int reset_stale;
};

static struct spawn_context contexts[PPM_SPAWN_CONTEXTS] = {
    [0 ... PPM_SPAWN_CONTEXTS - 1] = { .lock = PTHREAD_MUTEX_INITIALIZER, .reset_stale = 1 },
};

/// Guards the slot reservation (`ensure_slots`), shared by all contexts.
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;

void ppm_spawn_signals_changed(void) {
    for (int i = 0; i < PPM_SPAWN_CONTEXTS; i++) atomic_store(&contexts[i].reset_stale, 1);
}

/// Low descriptor numbers kept for the spawner (on /dev/null between
/// spawns), SLOT_COUNT per context: the report pipe and the child's stdin,
/// stdout and stderr are dup'ed into them for the length of one spawn.
///
/// Why: the child shares our descriptor table (CLONE_FILES) and its first
/// act is close_range(slot_end, ~0, CLOSE_RANGE_UNSHARE), which gives it a
/// table of its own holding only the descriptors below `slot_end`. Copying
/// the whole table instead (thousands of log pipe ends with many services)
/// and closing it again at exec cost more than the rest of the spawn. (A
/// child also keeps the other contexts' slots until its exec closes them:
/// they are all close-on-exec.)
/// /dev/null, put back into the slots after each spawn.
static int null_fd = -1;
/// One past the highest slot: the child keeps descriptors below it. Set
/// once (under slots_lock), read without the lock after.
static atomic_int slot_end;

/// Takes /dev/null and every context's slots (the lowest free numbers)
/// once; 0 or an errno value.
static int ensure_slots_locked(void) {
    if (atomic_load(&slot_end) > 0) return 0;
    enum { TAKEN = SLOT_COUNT * PPM_SPAWN_CONTEXTS + 1 };
    int taken[TAKEN];
    for (int i = 0; i < TAKEN; i++) {
        taken[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
        // A closed stdin, stdout or stderr keeps this /dev/null (and passes
        // it on to children, as a closed one would surprise them): slots are above 2.
        while (taken[i] >= 0 && taken[i] <= 2) {
            fcntl(taken[i], F_SETFD, 0);
            taken[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
        }
        if (taken[i] < 0) {
            int e = errno;
            for (int j = 0; j < i; j++) close(taken[j]);
            return e;
        }
    }
    null_fd = taken[TAKEN - 1];
    int end = 0;
    for (int c = 0; c < PPM_SPAWN_CONTEXTS; c++) {
        for (int i = 0; i < SLOT_COUNT; i++) {
            int fd = taken[c * SLOT_COUNT + i];
            contexts[c].slots[i] = fd;
            if (fd + 1 > end) end = fd + 1;
        }
    }
    atomic_store(&slot_end, end);
    return 0;
}

static int ensure_slots(void) {
    if (atomic_load(&slot_end) > 0) return 0;
    pthread_mutex_lock(&slots_lock);
    int e = ensure_slots_locked();
    pthread_mutex_unlock(&slots_lock);
    return e;
}

int ppm_spawn_reserve(void) { return ensure_slots(); }

/// Puts `fd` in `slot` of `ctx` for one spawn: the slot's number, -1 when
/// `fd` is -1 (nothing to pass), or -2 when dup3 failed (errno set).
static int fill_slot(struct spawn_context *ctx, int slot, int fd) {
    if (fd < 0) return -1;
    return dup3(fd, ctx->slots[slot], O_CLOEXEC) < 0 ? -2 : ctx->slots[slot];
}

/// Puts /dev/null back in every slot of `ctx`, so that no pipe end stays
/// open here (a helper's output pipe would never see its end of file).
static void clear_slots(struct spawn_context *ctx) {
    for (int i = 0; i < SLOT_COUNT; i++) dup3(null_fd, ctx->slots[i], O_CLOEXEC);
}

#if !defined(__x86_64__) && !defined(__aarch64__)
#error "struct kernel_sigaction below is the x86_64/arm64 layout; check it for this architecture"
#endif

/// The kernel's struct sigaction (x86_64 and arm64 layout). glibc's
/// sigaction() refuses its internal signals 32 and 33 (EINVAL), yet they
/// can be SIG_IGN (inherited through exec): the raw call reaches them all.
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

static int raw_sigaction(int sig, const struct kernel_sigaction *new, struct kernel_sigaction *old) {
    return (int)syscall(SYS_rt_sigaction, sig, new, old, sizeof(unsigned long));
}

/// Lists the signals the child must reset. SIGKILL and SIGSTOP cannot be changed.
static void refresh_reset_signals(struct spawn_context *ctx) {
    ctx->reset_count = 0;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        struct kernel_sigaction sa;
        if (raw_sigaction(sig, NULL, &sa) < 0) continue;
        if (sa.handler != SIG_DFL || sig == SIGPIPE) ctx->reset_signals[ctx->reset_count++] = sig;
    }
}

/// Maps the context's child stack once (with its guard page); 0 or an errno value.
static int ensure_child_stack(struct spawn_context *ctx) {
    if (ctx->stack_top) return 0;
    long page = sysconf(_SC_PAGESIZE);
    size_t size = (size_t)page + CHILD_STACK_SIZE;
    char *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base == MAP_FAILED) return errno;
    if (mprotect(base, (size_t)page, PROT_NONE) < 0) {
        int e = errno;
        munmap(base, size);
        return e;
    }
    ctx->stack_top = base + size;  // stacks grow down; mmap gives page alignment
    return 0;
}

// MARK: - The child

/// What the child needs; it lives on the parent's stack, read-only to the child.
struct child_args {
    const ppm_spawn_spec *spec;
    int report;               // write end of the CLOEXEC report pipe (a slot)
    int stdin_fd, stdout_fd, stderr_fd;  // slots holding the spec's pipe ends, or -1
    int notify_fd;            // the slot holding the notification pipe's end, or -1
    int keep_below;           // the child's own table keeps descriptors below this
    int cgroup_procs;         // cgroup.procs to write "0" to first (no CLONE_INTO_CGROUP), or -1
    const cpu_set_t *cpus;    // built by the parent; NULL: leave affinity alone
    const int *reset_signals; // the context's list of signals to set back to SIG_DFL
    int reset_count;
    char *stack_top;          // the context's child stack
};

/// What the child writes to the report pipe when a step fails.
struct child_failure { int step; int err; };

/// Reports the failed step with errno and ends the child. _exit, not exit:
/// atexit handlers and stdio buffers belong to the parent.
static void fail(int fd, int step) {
    struct child_failure f = { step, errno };
    ssize_t ignored = write(fd, &f, sizeof f);
    (void)ignored;
    _exit(127);
}

/// Opens `path` as fd `target` (not close-on-exec). The open never blocks
/// (O_NONBLOCK, cleared again once open: the service sees a blocking file).
static int redirect(const char *path, int target, int flags) {
    int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK, 0644);
    if (fd < 0) return -1;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) return -1;
    if (fd != target) {
        if (dup2(fd, target) < 0) return -1;  // dup2 clears CLOEXEC on target
        close(fd);
    } else {
        int fl = fcntl(fd, F_GETFD);
        fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
    }
    return 0;
}

/// Runs in the child, on child_stack, in the parent's memory (CLONE_VM):
/// - only async-signal-safe calls, no malloc, no stdio;
/// - no writes to parent memory except errno (the suspended calling thread's,
///   which ppm_spawn does not rely on), the rest goes through the pipe;
/// - ids change through raw syscalls: glibc's setuid/setgid/setgroups would
///   try to broadcast the change to the parent's threads (setxid).
static int child_main(void *arg) {
    const struct child_args *a = arg;
    const ppm_spawn_spec *s = a->spec;
    int report = a->report;

    // 0a. Into the service's cgroup first, where clone3 could not put us
    //     (the descriptor table is still the parent's: a write changes nothing there).
    if (a->cgroup_procs >= 0) {
        ssize_t w;
        do { w = write(a->cgroup_procs, "0", 1); } while (w < 0 && errno == EINTR);
        if (w != 1) fail(report, PPM_STEP_CGROUP);
    }
    // 0b. Into the service's cgroups of v1 hierarchies (a hybrid system's
    //     memory, pids, cpu, blkio): their limits hold from the first fork.
    for (int i = 0; i < s->v1_cgroup_count; i++) {
        ssize_t w;
        do { w = write(s->v1_cgroup_procs[i], "0", 1); } while (w < 0 && errno == EINTR);
        if (w != 1) fail(report, PPM_STEP_V1_CGROUP);
    }

    // 0. A descriptor table of our own with only the low descriptors (the
    //    slots among them): until now it was the parent's (CLONE_FILES), so
    //    nothing above touched it. Older kernels copy the whole table.
    if (syscall(SYS_close_range, (unsigned)a->keep_below, ~0U, 2U /* CLOSE_RANGE_UNSHARE */) < 0 &&
        unshare(CLONE_FILES) < 0) {
        fail(report, PPM_STEP_SPAWN);
    }

    // 1. Handlers and SIG_IGN back to SIG_DFL, while everything is still
    //    blocked: a parent handler must never run here, in shared memory.
    static const struct kernel_sigaction dfl = { .handler = SIG_DFL };
    for (int i = 0; i < a->reset_count; i++) raw_sigaction(a->reset_signals[i], &dfl, NULL);

    // 2. An empty mask: the service must see SIGTERM whatever thread spawned it.
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);

    // 3. Its own session and process group, so stop/kill reach the group.
    if (setsid() < 0) fail(report, PPM_STEP_SETSID);

    // 4. Resource limits (raising a hard limit needs root: before the switch).
    for (int i = 0; i < s->nrlimits; i++) {
        struct rlimit rl = { s->rlimits[i].soft, s->rlimits[i].hard };
        if (setrlimit(s->rlimits[i].resource, &rl) < 0) fail(report, PPM_STEP_RLIMIT);
    }

    // 5. Nice value (-1 is a valid answer of setpriority's peers, so check errno).
    if (s->set_nice) {
        errno = 0;
        if (setpriority(PRIO_PROCESS, 0, s->nice) < 0 && errno != 0) fail(report, PPM_STEP_NICE);
    }

    // 6. CPU affinity (the set was built by the parent).
    if (a->cpus && sched_setaffinity(0, sizeof *a->cpus, a->cpus) < 0) fail(report, PPM_STEP_CPU);

    // 7. Groups, then gid, then uid (after setuid we may no longer change the others).
    if (s->set_ids) {
        if (syscall(SYS_setgroups, (size_t)s->ngroups, s->groups) < 0) fail(report, PPM_STEP_GROUPS);
        if (syscall(SYS_setgid, s->gid) < 0) fail(report, PPM_STEP_GID);
        if (syscall(SYS_setuid, s->uid) < 0) fail(report, PPM_STEP_UID);
    }

    // 8. Working directory and stdin, stdout, stderr (pipe end, file, or
    //    /dev/null): after the switch, so a service's own paths reach only
    //    what its user may (a `web.out -> /etc/cron.d/x` planted by that user
    //    is refused), and without blocking: a FIFO with no reader fails
    //    (ENXIO) instead of suspending the daemon, which waits for this child.
    if (s->dir && chdir(s->dir) < 0) fail(report, PPM_STEP_DIR);
    if (a->stdin_fd >= 0) {
        if (dup2(a->stdin_fd, 0) < 0) fail(report, PPM_STEP_STDIN);
    } else if (redirect(s->stdin_path ? s->stdin_path : "/dev/null", 0, O_RDONLY) < 0) {
        fail(report, PPM_STEP_STDIN);
    }
    if (a->stdout_fd >= 0) {
        if (dup2(a->stdout_fd, 1) < 0) fail(report, PPM_STEP_STDOUT);
    } else if (s->stdout_path && redirect(s->stdout_path, 1, O_WRONLY | O_CREAT | O_APPEND) < 0) {
        fail(report, PPM_STEP_STDOUT);
    }
    if (a->stderr_fd >= 0) {
        if (dup2(a->stderr_fd, 2) < 0) fail(report, PPM_STEP_STDERR);
    } else if (s->stderr_path && redirect(s->stderr_path, 2, O_WRONLY | O_CREAT | O_APPEND) < 0) {
        fail(report, PPM_STEP_STDERR);
    }

    // 8a. The notification descriptor at the number the service expects; the
    //     report pipe moves out of its way first (its slot may be that number).
    int notify = s->notify_target >= 3 ? s->notify_target : -1;
    if (notify >= 0 && a->notify_fd >= 0) {
        if (report == notify && (report = fcntl(report, F_DUPFD_CLOEXEC, 3)) < 0) _exit(127);
        if (a->notify_fd != notify && dup2(a->notify_fd, notify) < 0) fail(report, PPM_STEP_SPAWN);
    } else {
        notify = -1;
    }

    // 8b. No privileges gained through exec, when asked.
    if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(report, PPM_STEP_NO_NEW_PRIVS);

    // 9. Everything above fd 2 closes at exec, the report pipe included
    //    (but the notification descriptor).
    if (syscall(SYS_close_range, 3U, ~0U, 4U /* CLOSE_RANGE_CLOEXEC */) < 0) {
        for (int fd = 3; fd < 65536; fd++) {
            int fl = fcntl(fd, F_GETFD);
            if (fl >= 0) fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
        }
    }
    if (notify >= 0 && fcntl(notify, F_SETFD, 0) < 0) fail(report, PPM_STEP_SPAWN);

    // 10. Exec. Success closes the pipe; the parent reads end-of-file.
    execve(s->path, s->argv, s->envp);
    fail(report, PPM_STEP_EXEC);
    return 127;
}

// MARK: - The parent

/// Whether clone3 can put a child into a cgroup (kernel 5.7 and later);
/// cleared at the first refusal, after which the child joins by itself.
static atomic_int clone3_joins = 1;

/// Makes the child (all signals blocked, its context's lock held): the pid, or -1
/// with errno. A child for a cgroup is made inside it with clone3 and
/// CLONE_INTO_CGROUP (`*into_cgroup` set: a failure is the cgroup's). Moving
/// it there afterwards through cgroup.procs, the fallback, waits for an RCU
/// grace period first: ~11 ms per spawn here.
static pid_t start_child(const ppm_spawn_spec *s, struct child_args *a, int *into_cgroup) {
    a->cgroup_procs = -1;
#ifndef PPM_SPAWN_WITH_FORK
    int flags = CLONE_VM | CLONE_VFORK | CLONE_FILES | (s->pidfd ? CLONE_PIDFD : 0);
    if (s->cgroup_path && atomic_load(&clone3_joins)) {
        struct clone_args ca;
        memset(&ca, 0, sizeof ca);
        ca.flags = (unsigned long long)(flags | CLONE_INTO_CGROUP);
        ca.pidfd = (unsigned long long)(uintptr_t)s->pidfd;
        ca.exit_signal = SIGCHLD;
        ca.stack = (unsigned long long)(uintptr_t)(a->stack_top - CHILD_STACK_SIZE);
        ca.stack_size = CHILD_STACK_SIZE;
        ca.cgroup = (unsigned long long)s->cgroup_fd;
        pid_t p = ppm_clone3(&ca, sizeof ca, child_main, a);
        if (p >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL)) {
            *into_cgroup = 1;
            return p;
        }
        atomic_store(&clone3_joins, 0);
    }
#endif
    if (s->cgroup_path) {
        a->cgroup_procs = openat(s->cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        if (a->cgroup_procs < 0) {
            *into_cgroup = 1;
            return -1;
        }
    }
#ifdef PPM_SPAWN_WITH_FORK
    pid_t p = fork();
    if (p == 0) _exit(child_main(a));
    if (p > 0 && s->pidfd) *s->pidfd = (int)syscall(SYS_pidfd_open, p, 0);
    return p;
#else
    return clone(child_main, a->stack_top, flags | SIGCHLD, a, s->pidfd);
#endif
}

/// "WHAT: strerror" for a failed step.
static void describe(const ppm_spawn_spec *s, struct child_failure f, char *out, size_t size) {
    const char *what = s->path;
    switch (f.step) {
    case PPM_STEP_EXEC: what = s->path; break;
    case PPM_STEP_DIR: what = s->dir; break;
    case PPM_STEP_STDIN: what = s->stdin_path ? s->stdin_path : "/dev/null"; break;
    case PPM_STEP_STDOUT: what = s->stdout_path; break;
    case PPM_STEP_STDERR: what = s->stderr_path; break;
    case PPM_STEP_SETSID: what = "setsid"; break;
    case PPM_STEP_SPAWN: what = "unshare descriptors"; break;
    case PPM_STEP_GROUPS: what = "setgroups"; break;
    case PPM_STEP_GID: what = "setgid"; break;
    case PPM_STEP_UID: what = "setuid"; break;
    case PPM_STEP_RLIMIT: what = "setrlimit"; break;
    case PPM_STEP_NICE: what = "setpriority"; break;
    case PPM_STEP_CPU: what = "sched_setaffinity"; break;
    case PPM_STEP_CGROUP: what = s->cgroup_path; break;
    case PPM_STEP_V1_CGROUP: what = s->v1_cgroup_path ? s->v1_cgroup_path : "cgroup v1"; break;
    case PPM_STEP_NO_NEW_PRIVS: what = "prctl(PR_SET_NO_NEW_PRIVS)"; break;
    }
    snprintf(out, size, "%s: %s", what, strerror(f.err));
}

/// Fails before any child exists: "WHAT: strerror".
static int parent_error(int e, const char *what, int *step, char *error, size_t error_size) {
    *step = PPM_STEP_SPAWN;
    snprintf(error, error_size, "%s: %s", what, strerror(e));
    return e;
}

int ppm_spawn(const ppm_spawn_spec *spec, pid_t *pid, int *step, char *error, size_t error_size) {
    return ppm_spawn_on(0, spec, pid, step, error, error_size);
}

int ppm_spawn_on(int context, const ppm_spawn_spec *spec, pid_t *pid, int *step, char *error, size_t error_size) {
    struct spawn_context *ctx = &contexts[(unsigned)context % PPM_SPAWN_CONTEXTS];
    *pid = 0;
    *step = PPM_STEP_NONE;
    if (spec->pidfd) *spec->pidfd = -1;

    // The report pipe; both ends close on exec, the read end never blocks.
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) return parent_error(errno, "pipe", step, error, error_size);

    // The affinity set, built here so the child only passes it on.
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    for (int i = 0; i < spec->ncpus; i++) {
        if (spec->cpus[i] >= 0 && spec->cpus[i] < CPU_SETSIZE) CPU_SET(spec->cpus[i], &cpus);
    }
    pthread_mutex_lock(&ctx->lock);
    // Refresh the list of signals to reset if dispositions may have changed.
    if (atomic_exchange(&ctx->reset_stale, 0)) refresh_reset_signals(ctx);
    int e = ensure_child_stack(ctx);
    const char *failed = "mmap";
    if (e == 0 && (e = ensure_slots()) != 0) failed = "open /dev/null";
    struct child_args args = {
        spec, -1, -1, -1, -1, -1, atomic_load(&slot_end), -1, spec->ncpus > 0 ? &cpus : NULL,
        ctx->reset_signals, ctx->reset_count, ctx->stack_top,
    };
    if (e == 0) {
        args.report = fill_slot(ctx, SLOT_REPORT, fds[1]);
        args.stdin_fd = fill_slot(ctx, SLOT_STDIN, spec->stdin_fd);
        args.stdout_fd = fill_slot(ctx, SLOT_STDOUT, spec->stdout_fd);
        args.stderr_fd = fill_slot(ctx, SLOT_STDERR, spec->stderr_fd);
        args.notify_fd = spec->notify_target >= 3 ? fill_slot(ctx, SLOT_NOTIFY, spec->notify_fd) : -1;
        if (args.report == -2 || args.stdin_fd == -2 || args.stdout_fd == -2 || args.stderr_fd == -2 || args.notify_fd == -2) {
            e = errno;
            failed = "dup3";
            clear_slots(ctx);
        }
    }
    if (e != 0) {
        pthread_mutex_unlock(&ctx->lock);
        close(fds[0]);
        close(fds[1]);
        return parent_error(e, failed, step, error, error_size);
    }

    // Block every signal across clone: the child starts with all of them
    // blocked and unblocks only after resetting the handlers.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int into_cgroup = 0;
    pid_t p = start_child(spec, &args, &into_cgroup);
    int clone_errno = errno;
    // Here the child has exec'd or exited: the stack and `args` are free again.
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    clear_slots(ctx);
    pthread_mutex_unlock(&ctx->lock);
    if (args.cgroup_procs >= 0) close(args.cgroup_procs);

    close(fds[1]);
    if (p < 0) {
        close(fds[0]);
        if (!into_cgroup) return parent_error(clone_errno, "clone", step, error, error_size);
        parent_error(clone_errno, spec->cgroup_path, step, error, error_size);
        *step = PPM_STEP_CGROUP;
        return clone_errno;
    }

    // CLONE_VFORK resumed us when the child released our memory: at exec
    // (past the point of no return) or at _exit. A failing child writes its
    // record before _exit, so it is already in the pipe; nothing there (EAGAIN
    // or end of file) means exec succeeded. One non-blocking read, no wait for
    // the exec to close the pipe (that wait cost a second wake-up, ~30 µs).
    struct child_failure f;
    ssize_t n;
#ifdef PPM_SPAWN_WITH_FORK
    // A forked child runs on: wait for its exec (end of file) or its record.
    fcntl(fds[0], F_SETFL, 0);
#endif
    do { n = read(fds[0], &f, sizeof f); } while (n < 0 && errno == EINTR);
    close(fds[0]);
    *pid = p;
    if (n != (ssize_t)sizeof f) return 0;

    // Reap the failed child now (it is exiting: no WNOHANG, as posix_spawn
    // does), so callers never see a zombie for a spawn that failed.
    while (waitpid(p, NULL, 0) < 0 && errno == EINTR) {}
    if (spec->pidfd && *spec->pidfd >= 0) {
        close(*spec->pidfd);
        *spec->pidfd = -1;
    }
    *step = f.step;
    describe(spec, f, error, error_size);
    return f.err ? f.err : EINVAL;
}
