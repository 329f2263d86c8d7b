"""Process plumbing for the benchmark: /proc readers, cleanup, probe records.

Everything here reads Linux's /proc directly (standard library only).  The
harness makes itself a child subreaper, so every process it starts, and every
orphan those leave behind, stays its descendant: cleanup kills exactly the
harness's descendants and nothing else on the machine.
"""
import ctypes
import os
import select
import signal
import subprocess
import time

_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_CHILD_SUBREAPER = 36
IN_MODIFY, IN_NONBLOCK, IN_CLOEXEC = 0x2, 0o4000, 0o2000000


def become_subreaper():
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return None


def _stat(pid):
    """Fields of /proc/PID/stat after the command name: [state, ppid, ...]."""
    s = _read(f"/proc/{pid}/stat")
    return s[s.rindex(")") + 2:].split() if s else None


def _exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def _all_pids():
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def children_map():
    """ppid -> [pid] for every live (non-zombie) process."""
    kids = {}
    for pid in _all_pids():
        st = _stat(pid)
        if st and st[0] not in "ZX":
            kids.setdefault(int(st[1]), []).append(pid)
    return kids


def descendants(root, kids=None, stop=lambda pid: False):
    """root and all its live descendants; `stop(pid)` prunes a subtree."""
    kids = kids if kids is not None else children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if stop(pid):
            continue
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def supervisor_pids(root, probe_exe):
    """The supervisor's own processes: the tree under root, minus the probes."""
    return descendants(root, stop=lambda pid: _exe(pid) == probe_exe)


def alive(pid, exe=None):
    st = _stat(pid)
    return bool(st) and st[0] not in "ZX" and (exe is None or _exe(pid) == exe)


def _status_kb(pid, key):
    for line in (_read(f"/proc/{pid}/status") or "").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def rss_kb(pids):
    return sum(_status_kb(p, "VmRSS") for p in pids)


def pss_kb(pids):
    total = 0
    for p in pids:
        for line in (_read(f"/proc/{p}/smaps_rollup") or "").splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total


def _tasks(pid):
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []


def thread_counters(pids):
    """{(pid, tid): (cpu ns from schedstat, voluntary + involuntary switches)}."""
    out = {}
    for p in pids:
        for t in _tasks(p):
            sched = _read(f"/proc/{p}/task/{t}/schedstat")
            status = _read(f"/proc/{p}/task/{t}/status")
            if not sched or not status:
                continue
            sw = sum(int(line.split()[1]) for line in status.splitlines()
                     if "ctxt_switches:" in line)
            out[(p, t)] = (int(sched.split()[0]), sw)
    return out


def cpu_ticks_s(pids):
    """utime+stime from /proc/PID/stat (seconds, 10 ms resolution)."""
    tck = os.sysconf("SC_CLK_TCK")
    return sum((int(st[11]) + int(st[12])) / tck
               for st in map(_stat, pids) if st)


def reap_orphans():
    """Collect zombies handed to us as subreaper (never blocks)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_all_descendants(timeout=10.0):
    """SIGKILL every process below the harness until none is left."""
    me, deadline = os.getpid(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [p for p in descendants(me) if p != me]
        if not pids:
            break
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
        reap_orphans()
    reap_orphans()


def timed(argv, env=None, timeout=600, cwd=None):
    """Run a command to completion: (wall seconds, exit code, stdout bytes)."""
    t0 = time.perf_counter()
    p = subprocess.run(argv, env=env, cwd=cwd, timeout=timeout,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, p.returncode, p.stdout


class Records:
    """Reads the probes' start records ("<mono µs> <pid> <name>") as they come.

    `latest[name]` is (start µs, pid) of the newest start of that name; waiting
    uses inotify on the file, so the harness does not burn CPU by polling.
    """

    def __init__(self, path):
        self.path, self.offset, self.partial = path, 0, b""
        self.latest, self.count = {}, 0
        open(path, "ab").close()
        self.fd = _libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self.fd >= 0 and _libc.inotify_add_watch(
                self.fd, path.encode(), IN_MODIFY) < 0:
            os.close(self.fd)
            self.fd = -1

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def poll(self):
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            ts, pid, name = line.decode().split(" ", 2)
            self.latest[name] = (int(ts), int(pid))
            self.count += 1

    def wait(self, predicate, timeout):
        """Poll until predicate() holds; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            if predicate():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if self.fd >= 0:
                if select.select([self.fd], [], [], min(left, 0.05))[0]:
                    try:
                        os.read(self.fd, 65536)
                    except BlockingIOError:
                        pass
            else:
                time.sleep(min(left, 0.002))
