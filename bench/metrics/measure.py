#!/usr/bin/env python3
"""The metrics endpoint at N services (SPEC 11, issue #27): the daemon's RSS
with the endpoint off and on (after scrapes), the time of one /metrics
response end to end, the CPU the daemon's loop (its main thread) and its
side thread spend per scrape, and `status` round trips while scrapes run.

    measure.py --ppm BIN [--services 1000] [--scrapes 30] [--label NAME] [--out FILE]

Appends one row to FILE (Markdown) and prints it. Every daemon it starts
has a home of its own under a temporary folder and is quit at the end."""
import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import threading
import time


def request(sock_path, cmd, timeout=30):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(sock_path)
        s.sendall((json.dumps({"id": 1, "cmd": cmd}) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
    return json.loads(data)


def http_get(port, path="/metrics", timeout=30):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
    return data


def rss_kb(pid):
    """(VmRSS, RssAnon, RssFile) in kB."""
    found = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmRSS", "RssAnon", "RssFile"):
                found[key] = int(line.split()[1])
    return (found.get("VmRSS", 0), found.get("RssAnon", 0), found.get("RssFile", 0))


def thread_ns(pid):
    """CPU ns per thread (schedstat), by thread name; the main thread is 'main'."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                ns = int(f.read().split()[0])
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        key = "main" if tid == str(pid) else name
        out[key] = out.get(key, 0) + ns
    return out


class Daemon:
    def __init__(self, ppm, services, metrics):
        self.dir = tempfile.mkdtemp(prefix="ppm-metrics-bench-")
        self.env = dict(os.environ, PPM_LUA_HOME=self.dir + "/home")
        self.env.pop("PPM_LUA_SOCKET", None)
        self.sock = self.dir + "/home/ppm.sock"
        self.ppm = ppm
        lines = []
        if metrics:
            lines.append('ppm.settings { metrics = { address = "127.0.0.1:0" } }')
        lines.append(f'for i = 1, {services} do ppm.service {{ name = "s" .. i, cmd = {{ "/bin/sleep", "1000000" }} }} end')
        with open(self.dir + "/ppm.lua", "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = subprocess.Popen([ppm, "daemon", "-c", self.dir + "/ppm.lua"], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=open(self.dir + "/daemon.log", "w"))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                status = request(self.sock, "status")
                if status.get("ok"):
                    break
            except OSError:
                pass
            time.sleep(0.05)
        while time.monotonic() < deadline:
            listing = request(self.sock, "ls")["result"]
            if sum(1 for s in listing if s["state"] == "running") == services:
                break
            time.sleep(0.2)
        status = request(self.sock, "status")["result"]
        self.port = int(status["metrics"].rsplit(":", 1)[1]) if status.get("metrics") else None

    def settled_rss(self, seconds=3):
        time.sleep(seconds)
        return rss_kb(self.proc.pid)

    def quit(self):
        subprocess.run([self.ppm, "quit"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        self.proc.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ppm", required=True)
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--scrapes", type=int, default=30)
    ap.add_argument("--label", default="hand-written writer")
    ap.add_argument("--out")
    a = ap.parse_args()

    off = Daemon(a.ppm, a.services, metrics=False)
    rss_off = off.settled_rss()
    off.quit()

    on = Daemon(a.ppm, a.services, metrics=True)
    rss_on_idle = on.settled_rss()
    pid = on.proc.pid
    # Scrapes alone: response time and CPU per scrape, by thread.
    before = thread_ns(pid)
    times, size = [], 0
    for _ in range(a.scrapes):
        t = time.perf_counter()
        body = http_get(on.port)
        times.append((time.perf_counter() - t) * 1000)
        size = len(body)
    after = thread_ns(pid)
    loop_ms = (after.get("main", 0) - before.get("main", 0)) / 1e6 / a.scrapes
    side_ms = (after.get("ppm-lua.side", 0) - before.get("ppm-lua.side", 0)) / 1e6 / a.scrapes
    # status round trips while scrapes run back to back.
    stop = threading.Event()

    def scraper():
        while not stop.is_set():
            http_get(on.port)

    worker = threading.Thread(target=scraper, daemon=True)
    worker.start()
    status_ms = []
    end = time.monotonic() + 5
    while time.monotonic() < end:
        t = time.perf_counter()
        request(on.sock, "status")
        status_ms.append((time.perf_counter() - t) * 1000)
        time.sleep(0.01)
    stop.set()
    worker.join()
    rss_on = on.settled_rss()
    on.quit()

    def mb(kb):
        if isinstance(kb, tuple):
            return f"{kb[0] / 1024:.2f} MB ({kb[1] / 1024:.2f} anon + {kb[2] / 1024:.2f} file)"
        return f"{kb / 1024:.2f} MB"

    status_ms.sort()
    row = (f"| {a.label} | {a.services} | {mb(rss_off)} | {mb(rss_on_idle)} | {mb(rss_on)} | {mb(rss_on[0] - rss_off[0])} ({(rss_on[1] - rss_off[1]) / 1024:+.2f} anon) | "
           f"{statistics.median(times):.1f} / {max(times):.1f} ms | {loop_ms:.2f} ms | {side_ms:.1f} ms | "
           f"{statistics.median(status_ms):.2f} / {status_ms[int(len(status_ms) * 0.99) - 1]:.2f} ms | {size / 1024:.0f} KiB |")
    header = ("| writer | services | RSS, metrics off | RSS on, before a scrape | RSS on, after scrapes | difference | "
              "/metrics p50 / max | loop CPU per scrape | side thread CPU per scrape | status p50 / p99 during scrapes | response |\n"
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(header)
    print(row)
    if a.out:
        fresh = not os.path.exists(a.out)
        with open(a.out, "a") as f:
            if fresh:
                f.write(header + "\n")
            f.write(row + "\n")


if __name__ == "__main__":
    main()
