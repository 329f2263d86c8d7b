"""The health-check benchmark (issue #28): N services, each with an `http`
health check every second against one local server (bench/health/httpd.c).

Reports, for the daemon:
  - CPU per check: utime+stime of the daemon (/proc/PID/stat) over a window
    with the checks running, minus the same daemon's CPU over a window with
    the same services and no checks (idle), divided by the checks the server
    answered in the window; beside it the floor: the CPU of a bare client
    doing the same HTTP exchange (`httpd floor`).
  - `status` round trips (a new connection each, as the CLI makes) during the
    window: p50, p99, max.
  - RSS (VmRSS) once every check has passed, then every 10 s: the growth over
    the window and over its second half.

Usage (normally through bench/health/run):
  python3 bench/health/health.py --ppm BIN --httpd BIN [--services N]
      [--window S | --long] [--lua] [--out FILE]
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

TICK = os.sysconf("SC_CLK_TCK")
T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """utime + stime of the process (its threads included), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def request(path, payload, timeout=10):
    """One request on a new connection to the control socket; the reply."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall((json.dumps(payload) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            data += chunk
    return json.loads(data)


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Daemon:
    """ppm-lua with its own home, in the foreground, quit at the end."""

    def __init__(self, ppm, root, config):
        os.makedirs(root, exist_ok=True)
        self.ppm, self.home = ppm, os.path.join(root, "home")
        self.config = os.path.join(root, "ppm.lua")
        with open(self.config, "w") as f:
            f.write(config)
        self.sock = os.path.join(self.home, "ppm.sock")
        self.env = dict(os.environ, PPM_LUA_HOME=self.home)
        self.logfile = open(os.path.join(root, "daemon.log"), "w")
        self.proc = subprocess.Popen([ppm, "daemon", "-c", self.config], env=self.env,
                                     stdout=self.logfile, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                request(self.sock, {"id": 1, "cmd": "status"}, timeout=2)
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("the daemon exited at start")
                time.sleep(0.05)
        raise RuntimeError("the daemon did not answer")

    @property
    def pid(self):
        return self.proc.pid

    def services(self):
        return request(self.sock, {"id": 1, "cmd": "ls", "args": {"fields": ["name", "state", "health"]}}, timeout=30)["result"]

    def wait(self, condition, what, seconds=180):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            services = self.services()
            if condition(services):
                return
            time.sleep(0.5)
        raise RuntimeError(f"timed out waiting until {what}")

    def quit(self):
        try:
            subprocess.run([self.ppm, "quit"], env=self.env, timeout=120, capture_output=True)
        finally:
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.logfile.close()


def config(n, url, lua, checked):
    lines = []
    if lua:
        lines.append(f'local url = "{url}"')
        lines.append("local function check() local status = ppm.probe.http(url, { timeout = 2 }); "
                     "return status == 200, status end")
    for i in range(n):
        health = ""
        if checked:
            probe = "check = check" if lua else f'http = "{url}"'
            health = f', health = {{ {probe}, every = "1s", timeout = "2s" }}'
        lines.append(f'ppm.service {{ name = "s{i}", cmd = {{ "sleep", "1000000" }}{health} }}')
    return "\n".join(lines) + "\n"


def served(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=5) as r:
        return int(r.read())


def poll_status(d, seconds, every_10s=None):
    """`status` on a new connection every 20 ms for `seconds`: the round trips in ms."""
    t0, status_ms, next_tick = time.monotonic(), [], time.monotonic() + 10
    while time.monotonic() - t0 < seconds:
        t = time.perf_counter()
        reply = request(d.sock, {"id": 1, "cmd": "status"})
        status_ms.append((time.perf_counter() - t) * 1000)
        if not reply.get("ok"):
            raise RuntimeError(f"status failed: {reply}")
        if every_10s and time.monotonic() >= next_tick:
            every_10s(time.monotonic() - t0)
            next_tick += 10
        time.sleep(0.02)
    return status_ms


def idle_run(args, root, url):
    """The daemon with the same services and no checks, `status` polled as in
    the checked window: its CPU per second (subtracted from the checked
    window's, which removes the cost of the status calls too) and the round
    trips (the machine's own latency at this moment)."""
    d = Daemon(args.ppm, os.path.join(root, "idle"), config(args.services, url, False, False))
    try:
        d.wait(lambda ss: all(s["state"] == "running" for s in ss), "every service runs")
        time.sleep(3)
        c0, t0 = cpu_seconds(d.pid), time.monotonic()
        status_ms = poll_status(d, args.idle)
        return (cpu_seconds(d.pid) - c0) / (time.monotonic() - t0), status_ms
    finally:
        d.quit()


def checked_run(args, root, url, port):
    d = Daemon(args.ppm, os.path.join(root, "checked"), config(args.services, url, args.lua, True))
    try:
        d.wait(lambda ss: all(s.get("health") == "healthy" for s in ss), "every service is healthy")
        time.sleep(args.warmup)
        rss = [(0.0, rss_mb(d.pid))]
        c0, n0, t0 = cpu_seconds(d.pid), served(port), time.monotonic()
        status_ms = poll_status(d, args.window, lambda at: rss.append((at, rss_mb(d.pid))))
        elapsed = time.monotonic() - t0
        cpu, checks = cpu_seconds(d.pid) - c0, served(port) - n0
        rss.append((elapsed, rss_mb(d.pid)))
        unhealthy = [s["name"] for s in d.services() if s.get("health") != "healthy"]
        return dict(cpu=cpu, checks=checks, elapsed=elapsed, status_ms=status_ms, rss=rss, unhealthy=unhealthy)
    finally:
        d.quit()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ppm", required=True)
    ap.add_argument("--httpd", required=True)
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--window", type=float, default=40, help="seconds measured (default 40)")
    ap.add_argument("--long", action="store_true", help="a 10-minute window")
    ap.add_argument("--idle", type=float, default=20, help="seconds of the window without checks (default 20)")
    ap.add_argument("--warmup", type=float, default=5)
    ap.add_argument("--lua", action="store_true", help="the check is a Lua function calling ppm.probe.http")
    ap.add_argument("--out", help="also write the table to this file")
    args = ap.parse_args()
    if args.long:
        args.window = 600
    root = tempfile.mkdtemp(prefix="ppm-health-bench-")
    port = free_port()
    url = f"http://127.0.0.1:{port}/health"
    server = subprocess.Popen([args.httpd, "serve", str(port)])
    try:
        time.sleep(0.2)
        floor = subprocess.run([args.httpd, "floor", str(port), "5000"], capture_output=True, text=True, check=True)
        floor_cpu_us, floor_wall_us = map(float, floor.stdout.split())
        log(f"floor: {floor_cpu_us:.1f} µs CPU per HTTP exchange")
        idle, idle_status = idle_run(args, root, url)
        log(f"idle: {idle * 1000:.2f} ms CPU per second with {args.services} services")
        log(f"{args.services} services, {'Lua ppm.probe.http' if args.lua else 'http'} check every 1 s, {args.window:.0f} s window")
        r = checked_run(args, root, url, port)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(root, ignore_errors=True)

    busy = max(0.0, r["cpu"] - idle * r["elapsed"])
    per_check = busy / max(1, r["checks"]) * 1e6
    rss = r["rss"]
    half = min(rss, key=lambda p: abs(p[0] - r["elapsed"] / 2))
    s = r["status_ms"]
    kind = "Lua function (`ppm.probe.http`)" if args.lua else "`http`"
    rows = [
        ("services, check", f"{args.services}, {kind} every 1 s, one local server"),
        ("window", f"{r['elapsed']:.0f} s, {r['checks']:,} checks ({r['checks'] / r['elapsed']:.0f}/s)"),
        ("daemon CPU per check", f"{per_check:.1f} µs"),
        ("HTTP exchange alone (floor client)", f"{floor_cpu_us:.1f} µs ({per_check / floor_cpu_us:.2f}×; above it: {per_check - floor_cpu_us:+.1f} µs)"),
        ("daemon CPU without checks (same services, same `status` calls)", f"{idle * 1000:.2f} ms/s"),
        ("daemon CPU with the checks", f"{r['cpu'] / r['elapsed'] * 100:.1f} % of a core"),
        ("`status` round trip meanwhile", f"p50 {statistics.median(s):.2f} ms, p99 {pct(s, 99):.2f} ms, max {max(s):.2f} ms ({len(s)} calls)"),
        ("`status` round trip without checks (the machine's own latency)",
         f"p50 {statistics.median(idle_status):.2f} ms, p99 {pct(idle_status, 99):.2f} ms ({len(idle_status)} calls)"),
        ("load average at the end", "{:.1f}".format(os.getloadavg()[0])),
        ("RSS once healthy", f"{rss[0][1]:.1f} MB"),
        ("RSS at the end", f"{rss[-1][1]:.1f} MB ({rss[-1][1] - rss[0][1]:+.2f} MB; second half {rss[-1][1] - half[1]:+.2f} MB)"),
        ("not healthy at the end", ", ".join(r["unhealthy"][:5]) or "none"),
    ]
    table = "| figure | value |\n| --- | --- |\n" + "\n".join(f"| {a} | {b} |" for a, b in rows) + "\n"
    table += "\nRSS samples (s: MB): " + ", ".join(f"{t:.0f}: {m:.1f}" for t, m in rss) + "\n"
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(f"# Health checks at scale ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n\n{table}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()
