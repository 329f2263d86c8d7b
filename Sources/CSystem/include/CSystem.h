#ifndef PPM_CSYSTEM_H
#define PPM_CSYSTEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "ppm_notify.h"

/// Marks the calling process as a child subreaper (PR_SET_CHILD_SUBREAPER).
int ppm_set_child_subreaper(void);

/// Sets the calling thread's name (PR_SET_NAME: /proc/PID/comm, what `pgrep` matches; 15 bytes kept).
int ppm_set_process_name(const char *name);

/// One resource limit for a child (RLIMIT_* number, soft and hard values;
/// RLIM_INFINITY for "infinity").
typedef struct {
    int resource;
    unsigned long long soft;
    unsigned long long hard;
} ppm_rlimit;

/// Everything a service's child needs between clone and exec.
/// Paths are used as given (relative ones against `dir`); NULL means
/// "leave as is" (stdin: /dev/null).
typedef struct {
    const char *path;
    char *const *argv;
    char *const *envp;
    const char *dir;
    const char *stdin_path;
    const char *stdout_path;
    const char *stderr_path;
    int set_ids;
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    int ngroups;
    const ppm_rlimit *rlimits;
    int nrlimits;
    int set_nice;
    int nice;
    /// Non-zero: PR_SET_NO_NEW_PRIVS before exec.
    int no_new_privs;
    const int *cpus;
    int ncpus;
    /// Pipe ends to use as stdin/stdout/stderr instead of the paths (-1: none).
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    /// The cgroup the child starts in (so its first fork lands there too):
    /// `cgroup_fd` is that cgroup's directory, opened by the caller;
    /// `cgroup_path` names it in errors. NULL: the child stays in the
    /// caller's cgroup (and `cgroup_fd` is not used).
    int cgroup_fd;
    const char *cgroup_path;
    /// `cgroup.procs` of cgroup v1 hierarchies (a hybrid system's memory,
    /// pids, cpu, blkio), open for writing by the caller: the child writes
    /// "0" to each before anything else (`v1_cgroup_count` of them, 0: none).
    /// A failed write is PPM_STEP_V1_CGROUP, named by `v1_cgroup_path`.
    const char *v1_cgroup_path;
    const int *v1_cgroup_procs;
    int v1_cgroup_count;
    /// Where to store a pidfd for the started child (close-on-exec), or
    /// NULL for none. -1 is stored when the spawn failed.
    int *pidfd;
    /// s6's notification-fd (`ready = {fd = N}`): the pipe end `notify_fd`
    /// becomes the child's descriptor `notify_target` (3 or more), kept
    /// across exec. `notify_target` below 3: none.
    int notify_fd;
    int notify_target;
} ppm_spawn_spec;

/// The step of the child's setup that failed (`ppm_spawn`'s `step`).
enum {
    PPM_STEP_NONE = -1,   ///< nothing failed
    PPM_STEP_SPAWN = -2,  ///< no child was made (pipe, stack or clone failed)
    PPM_STEP_EXEC = 0, PPM_STEP_DIR, PPM_STEP_STDIN, PPM_STEP_STDOUT, PPM_STEP_STDERR,
    PPM_STEP_SETSID, PPM_STEP_GROUPS, PPM_STEP_GID, PPM_STEP_UID, PPM_STEP_RLIMIT,
    PPM_STEP_NICE, PPM_STEP_CPU, PPM_STEP_CGROUP, PPM_STEP_NO_NEW_PRIVS, PPM_STEP_V1_CGROUP,
};

/// Starts a child with clone(CLONE_VM | CLONE_VFORK) (no page-table copy)
/// in its own session, with SIG_DFL for every signal that had a handler or
/// SIG_IGN, an empty signal mask and only fds 0-2 open. Returns once the
/// child has exec'd (0, `*pid` set) or failed: then an errno value, the
/// failed step and a message like "/usr/bin/x: No such file or directory";
/// the failed child (its pid in `*pid`, 0 if none was made) is already reaped.
/// Safe to call from several threads (spawns on one context are serialised).
int ppm_spawn(const ppm_spawn_spec *spec, pid_t *pid, int *step, char *error, size_t error_size);

/// How many spawns may run at once (`ppm_spawn_on`).
#define PPM_SPAWN_CONTEXTS 4

/// `ppm_spawn` on context `context` (0 ..< PPM_SPAWN_CONTEXTS; others wrap):
/// spawns on different contexts run at once, each calling thread waiting
/// for its own child's exec; those on one context are serialised.
/// `ppm_spawn` is context 0.
int ppm_spawn_on(int context, const ppm_spawn_spec *spec, pid_t *pid, int *step, char *error, size_t error_size);
/// Takes the spawner's few low descriptor numbers now (the first spawn
/// would otherwise): call it early, while low numbers are free, so that each
/// child copies only a handful of descriptors. 0 or an errno value.
int ppm_spawn_reserve(void);

/// Tells the spawner that signal dispositions may have changed (a handler
/// installed, a signal ignored) so the next spawn looks which signals its
/// child must reset. `ppm_signal_pipe` calls it; SIGPIPE is always reset.
void ppm_spawn_signals_changed(void);

/// What `ppm_wait_any` found.
enum { PPM_WAIT_NONE = 0, PPM_WAIT_EXITED = 1, PPM_WAIT_SIGNALED = 2, PPM_WAIT_STOPPED = 3, PPM_WAIT_CONTINUED = 4 };

/// Reaps or observes one child without blocking: returns its pid (0 when
/// there is nothing, -1 when there are no children) with the kind of change
/// and the exit status or signal number.
pid_t ppm_wait_any(int *kind, int *code);
/// Reaps the child behind `pidfd` if it has ended, without blocking: its
/// pid (0 while it runs, -1 with errno, ECHILD once it was reaped
/// elsewhere), with the kind (exited or signaled) and code as above.
pid_t ppm_wait_pidfd(int pidfd, int *kind, int *code);

/// Installs handlers that write a record of each of these signals (its
/// number, and for SIGCHLD the child's pid and `si_code`) to a non-blocking
/// pipe, whatever thread receives them, and returns the read end, or -1.
/// Children get default handlers back at spawn.
int ppm_signal_pipe(const int *signals, int count);

/// Reads one signal number from that pipe; 0 when none is pending.
int ppm_signal_pipe_read(int fd);
/// Reads one record from that pipe: the signal number (0 when none is
/// pending), with the sender's pid and `si_code` (for SIGCHLD: the child,
/// and CLD_EXITED, CLD_KILLED, CLD_STOPPED…).
int ppm_signal_pipe_read_info(int fd, pid_t *pid, int *code);

/// The uid of the process at the other end of a unix socket, or -1.
long ppm_peer_uid(int fd);
/// The pid of the process at the other end of a unix socket (when it
/// connected or listened), or -1 (0 over TCP: no such process here).
long ppm_peer_pid(int fd);

/// Whether any process of the process group still exists.
int ppm_group_alive(pid_t pgid);

/// Runs the fd holder (see fdholder.c) on the unix socket `path`; returns
/// its exit status after "quit" or `idle_seconds` without a client.
int ppm_fdholder_main(const char *path, int idle_seconds);

/// Connects to the fd holder at `path` (2 s send/receive timeouts); -1 if none answers.
int ppm_fdholder_connect(const char *path);

/// Sends "put NAME" with both ends, or a message without descriptors (-1, -1).
int ppm_fdholder_send(int sock, const char *text, int read_fd, int write_fd);

/// After "get": 1 and one entry's name and ends, 0 at the end, -1 on error.
int ppm_fdholder_receive(int sock, char *name, size_t cap, int fds[2]);

/// Serves a ready descriptor the main loop watches (`ppm_main_loop_watch`'s token).
typedef void (*ppm_main_loop_serve)(uint64_t token);
/// Drains the main Dispatch queue on the calling (main) thread, forever:
/// instead of `dispatchMain()`, which leaves the main queue to worker
/// threads that libdispatch makes on demand (and spins on when a pids limit
/// is used up). Work on the main queue, or on queues that target it, then
/// never needs a new thread. Each turn is `ppm_main_loop_turn`: the loop's
/// own descriptors are served on this thread without a Dispatch source (no
/// wake-up of libdispatch's manager thread per event).
void ppm_run_main_queue(ppm_main_loop_serve serve) __attribute__((noreturn));
/// One turn of the main thread's loop: waits up to `timeout_ms` (-1: no
/// limit) on one epoll set holding the main queue's eventfd and what
/// `ppm_main_loop_watch` added, drains the main queue if it was poked, calls
/// `serve` with the token of each other ready descriptor, then drains the
/// main queue again if the handlers queued work. Call it on the main thread
/// only; or, with `with_main_queue` 0 (tests), on any one thread: the main
/// queue is then left alone. The count of ready descriptors, 0 at the limit,
/// -1 on error.
int ppm_main_loop_turn(ppm_main_loop_serve serve, int timeout_ms, int with_main_queue);
/// Sets what the main loop calls before each wait that may block (NULL: nothing).
void ppm_main_loop_on_idle(void (*hook)(void));
/// Adds `fd` (typically an epoll set of its own) to the main loop's wait,
/// for input, reported to `serve` as `token` (not 0); 0 or -1 with errno.
/// Any thread may call it.
int ppm_main_loop_watch(int fd, uint64_t token);
/// Removes `fd` from the main loop's wait (before closing it); 0 or -1.
int ppm_main_loop_forget(int fd);
/// Marks the calling thread as running work of `queue` outside Dispatch (the
/// main loop serving a loop-queue set directly); NULL when that is over.
void ppm_set_serving_queue(const void *queue);
/// What `ppm_set_serving_queue` last set on the calling thread.
const void *ppm_serving_queue(void);
/// A non-blocking, close-on-exec eventfd for waking a thread; -1 with errno.
int ppm_wake_fd(void);
/// The monotonic clock minus CPU `cpu`'s scheduler task clock (what
/// `se.exec_start` in /proc/PID/sched counts; each CPU's lags by its own
/// steal and interrupt time), measured by running this thread there for a
/// moment (its affinity is restored); 0, or -1 when it cannot be.
int ppm_sched_clock_offset(int cpu, double *offset);
/// Names the calling thread (15 characters kept), for `ps -L` and debuggers.
void ppm_name_thread(const char *name);
/// Sets the calling thread's nice value alone (a higher value: it gives way
/// to the process's other threads); 0, or -1 with errno.
int ppm_nice_thread(int niceness);

/// An epoll set of our own (close-on-exec), for short-lived descriptors
/// watched through one long-lived Dispatch source; -1 with errno.
int ppm_epoll_create(void);
/// Watches `fd` (level-triggered) for input when bit 1 of `interest` is
/// set, for room to write when bit 2 is; adds it or changes what it is
/// watched for. Its end and errors are reported whatever `interest` says.
/// `added`: whether the caller believes `fd` is in the set already (one
/// epoll_ctl when right; the other operation follows when not). 0 or -1.
int ppm_epoll_set(int epfd, int fd, int interest, int added);
/// Stops watching `fd` (call before closing it); 0 or -1.
int ppm_epoll_del(int epfd, int fd);
/// Up to `max` descriptors ready now (no waiting), each with its readiness
/// in `ready` (bits: 1 readable or ended, 2 writable, 4 hung up or failed);
/// their count, or -1.
int ppm_epoll_ready(int epfd, int *fds, int *ready, int max);

/// A timerfd on CLOCK_MONOTONIC (non-blocking, close-on-exec); -1 with errno.
int ppm_timerfd_create(void);
/// Sets the timerfd to expire once at `seconds` on CLOCK_MONOTONIC (at once
/// when that has passed); 0 or -1.
int ppm_timerfd_at(int fd, double seconds);
/// Clears the timerfd's expirations (a read that does not block).
void ppm_timerfd_clear(int fd);

/// A pidfd for `pid` (close-on-exec; readable once the process has ended),
/// or -1 with errno.
int ppm_pidfd_open(pid_t pid);

/// Sends `sig` to the process of a pidfd (pidfd_send_signal): never to a
/// later process that reused its pid. 0 or -1 with errno.
int ppm_pidfd_signal(int pidfd, int sig);

/// Accepts a connection as a non-blocking, close-on-exec fd, or -1.
int ppm_accept(int fd);

/// A close-on-exec pipe; 0 or -1.
int ppm_pipe(int fds[2]);

/// An anonymous memory file (memfd_create) that stays open across exec:
/// the fd, or -1 with errno.
int ppm_memfd(const char *name);

/// Opens `path` for reading as `uid`/`gid` with `groups` would (this
/// thread's file-system ids and groups switch for the one call and back),
/// with O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, and keeps it only if it is a
/// regular file: the fd, or -1 with errno (ELOOP for a symlink, EINVAL for
/// anything but a regular file). With `uid` == the caller's, no switch.
int ppm_open_regular_as(const char *path, uid_t uid, gid_t gid, const gid_t *groups, int ngroups);

/// One malloc arena for every thread (mallopt M_ARENA_MAX): memory freed by
/// one thread is reused by the others and `ppm_release_free_memory` reaches
/// all of it. Call before starting threads.
void ppm_malloc_one_arena(void);

/// Gives the free pages inside malloc's heap back to the kernel (malloc_trim).
void ppm_release_free_memory(void);

/// Drops this process's mappings of the pages of its read-only file
/// mappings (the program's and libraries' code and constants) that hold no
/// private copy: pages only start-up used stop counting as resident, and
/// the kernel maps back from the page cache (a minor fault, no I/O) what is
/// used again. Returns the kilobytes that were resident there, or -1.
long ppm_release_code_pages(void);

#endif
