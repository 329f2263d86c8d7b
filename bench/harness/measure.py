"""The workloads, identical for every system.

A session starts one supervisor with N probe services, waits until all N
probes have recorded their start, measures what its plan asks, and always
tears everything down (the supervisor's own quit, then SIGKILL of every
process left below the harness).
"""
import math
import os
import shutil
import signal
import statistics
import time

import procs


def pct(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    s = sorted(values)
    return s[max(1, math.ceil(p / 100 * len(s))) - 1]


def mono_us():
    return time.monotonic_ns() // 1000


class Session:
    """One running supervisor with N services; use as a context manager."""
    SETTLE_S = 1.0

    def __init__(self, system, root, n, variant=None):
        self.system, self.n = system, n
        self.names = [f"p{i:04d}" for i in range(n)]
        self.work = os.path.join(root, f"{system.name}-{n}-{variant or 'main'}")
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.records = procs.Records(os.path.join(self.work, "records"))
        if variant:
            system.prepare(self.work, self.names, self.records.path, variant)
        else:
            system.prepare(self.work, self.names, self.records.path)

    def __enter__(self):
        """Start the daemon; `self.up_s` = daemon start → every probe running."""
        t0 = time.monotonic()
        self.system.start()
        seen, progress = 0, t0
        while not self.records.wait(lambda: len(self.records.latest) >= self.n, 2):
            if len(self.records.latest) > seen:
                seen, progress = len(self.records.latest), time.monotonic()
            if self.system.proc.poll() is not None or time.monotonic() - progress > 60:
                raise RuntimeError(f"only {seen}/{self.n} services started "
                                   f"(no progress for 60 s, or the daemon exited)")
        self.up_s = time.monotonic() - t0
        deadline = time.monotonic() + 60
        while not self.system.ready():
            if self.system.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the control endpoint never answered")
            time.sleep(0.02)
        time.sleep(self.SETTLE_S)  # let start-up work (logs, journal) settle
        return self

    def __exit__(self, *exc):
        try:
            self.system.quit()
            if self.system.proc:
                self.system.proc.wait(timeout=60)
        except Exception:
            pass
        finally:
            procs.kill_all_descendants()
            self.records.close()
        return False

    def supervisor_pids(self):
        return procs.supervisor_pids(self.system.proc.pid, self.system.ctx.probe)

    # --- figures ------------------------------------------------------

    def memory(self):
        pids = self.supervisor_pids()
        return {"rss_mb": procs.rss_kb(pids) / 1024, "pss_mb": procs.pss_kb(pids) / 1024,
                "procs": len(pids)}

    def idle(self, seconds):
        """CPU seconds and wake-ups (context switches) per minute, idle.

        Counted per thread, so that a thread exiting in the interval does not
        make the sum go down: threads alive at both ends count their
        difference, new ones all they did, and one that vanished one wake-up
        (it woke to exit).  CPU is also read from /proc/PID/stat, which keeps
        exited threads (10 ms ticks); the larger of the two is reported."""
        pids = self.supervisor_pids()
        self._settle_threads(pids)
        a, ta = procs.thread_counters(pids), procs.cpu_ticks_s(pids)
        time.sleep(seconds)
        b, tb = procs.thread_counters(pids), procs.cpu_ticks_s(pids)
        cpu = sum(v[0] - a.get(k, (0, 0))[0] for k, v in b.items()) / 1e9
        gone = len(set(a) - set(b))
        wakes = sum(v[1] - a.get(k, (0, 0))[1] for k, v in b.items()) + gone
        scale = 60.0 / seconds
        return {"cpu_s_per_min": max(cpu, tb - ta) * scale,
                "wakeups_per_min": wakes * scale, "threads_gone": gone,
                "threads_new": len(set(b) - set(a)), "seconds": seconds}

    @staticmethod
    def _settle_threads(pids, quiet_s=6.0, limit_s=20.0):
        """Wait (bounded) until no thread has come or gone for quiet_s: thread
        pools (libdispatch: ~5 s) retire the workers of the start-up burst."""
        t0 = last_change = time.monotonic()
        seen = set(procs.thread_counters(pids))
        if len(seen) <= len(pids):          # single-threaded processes only
            return
        while time.monotonic() - last_change < quiet_s and time.monotonic() - t0 < limit_s:
            time.sleep(0.25)
            now = set(procs.thread_counters(pids))
            if now != seen:
                seen, last_change = now, time.monotonic()

    def timed(self, argv, repeat=1, timeout=600):
        """Median wall time (ms) of a command run `repeat` times."""
        times, rc = [], 0
        for _ in range(repeat):
            secs, rc, out = procs.timed(argv, env=self.system.env(), timeout=timeout,
                                        cwd=self.work)
            times.append(secs * 1000)
        return {"ms": statistics.median(times), "runs": repeat, "rc": rc,
                "out_bytes": len(out)}

    def restarts(self, kills, victims=5, min_up_s=1.1, gap_s=0.05, budget_s=600,
                 timeout_s=60):
        """kill -9 a victim; latency = kill → the replacement's own start stamp.

        Victims rotate and each has run >= min_up_s when killed: runit and s6
        wait a second before restarting a service that ran for less than one.
        """
        victims = self.names[:victims]
        lat, stop_at, note = [], time.monotonic() + budget_s, ""
        for k in range(kills):
            if time.monotonic() > stop_at:
                note = f"time budget {budget_s} s spent"
                break
            v = victims[k % len(victims)]
            started, pid = self.records.latest[v]
            wait = (started + min_up_s * 1e6 - mono_us()) / 1e6
            if wait > 0:
                time.sleep(wait)
            t0 = mono_us()
            os.kill(pid, signal.SIGKILL)
            back = self.records.wait(lambda: self.records.latest[v][1] != pid, timeout_s)
            if not back:
                note = f"{v} not restarted within {timeout_s} s"
                break
            lat.append((self.records.latest[v][0] - t0) / 1000)
            time.sleep(gap_s)
        out = {"samples": len(lat), "note": note, "all_ms": lat}
        if lat:
            out.update(p50_ms=pct(lat, 50), p99_ms=pct(lat, 99), max_ms=max(lat))
        return out

    def stop_all(self, timeout_s=600):
        """Wall time from the stop request until every probe is gone."""
        pids = [pid for _, pid in self.records.latest.values()]
        t0 = time.monotonic()
        cmd = self.system.stop_cmd()
        if cmd:
            procs.timed(cmd, env=self.system.env(), timeout=timeout_s, cwd=self.work)
        else:
            self.system.proc.send_signal(signal.SIGTERM)
        deadline = t0 + timeout_s
        while pids and time.monotonic() < deadline:
            pids = [p for p in pids if procs.alive(p, self.system.ctx.probe)]
            if pids:
                time.sleep(0.01)
        secs = time.monotonic() - t0
        return {"s": secs, "left": len(pids)}
