"""Figures only ppm-lua has: stats while status answers, the Lua hook cost per
exit event, log capture throughput, and the eval (REPL) round trip."""
import json
import os
import socket
import statistics
import subprocess
import threading
import time

from measure import Session, pct
from systems import request


def stats_with_status(session, timeout_s=600):
    """`ppm-lua stats --json` end to end, and raw `status` round trips (a fresh
    connection each, as the CLI makes) sent while stats is running. A thread
    blocks in waitpid for the CLI, so its end is timed when it exits (Popen's
    wait with a timeout polls, up to 50 ms late)."""
    s = session.system
    t0 = time.perf_counter()
    stats = subprocess.Popen(s.cli("stats", "--json"), env=s.env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ended = {}

    def wait_for_stats():
        stats.wait()
        ended["t"] = time.perf_counter()

    waiter = threading.Thread(target=wait_for_stats, daemon=True)
    waiter.start()
    status_ms, deadline = [], time.monotonic() + timeout_s
    while waiter.is_alive():
        if time.monotonic() > deadline:
            stats.kill()
            break
        t = time.perf_counter()
        try:
            request(s.sock, {"id": 1, "cmd": "status"}, timeout=timeout_s)
            status_ms.append((time.perf_counter() - t) * 1000)
        except OSError:
            break
        waiter.join(0.02)
    waiter.join(max(1, deadline - time.monotonic()))
    if waiter.is_alive():
        stats.kill()
        waiter.join()
    out = {"stats_ms": (ended["t"] - t0) * 1000, "rc": stats.returncode,
           "status_samples": len(status_ms)}
    if status_ms:
        out.update(status_p50_ms=pct(status_ms, 50), status_p99_ms=pct(status_ms, 99),
                   status_max_ms=max(status_ms))
    return out


def eval_round_trips(session, cli_runs, socket_runs):
    """`ppm-lua eval 'return 1'` end to end; raw eval requests on one open
    connection and on a fresh connection each."""
    s = session.system
    cli = session.timed(s.cli("eval", "return 1"), repeat=cli_runs)
    req = {"id": 1, "cmd": "eval", "args": {"code": "return 1"}}
    kept = []
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(60)
        sock.connect(s.sock)
        for _ in range(socket_runs):
            t = time.perf_counter()
            reply = request(s.sock, req, sock=sock)
            kept.append((time.perf_counter() - t) * 1000)
    fresh = []
    for _ in range(socket_runs):
        t = time.perf_counter()
        request(s.sock, req)
        fresh.append((time.perf_counter() - t) * 1000)
    return {"cli_ms": cli["ms"], "socket_ms": statistics.median(kept),
            "socket_fresh_ms": statistics.median(fresh),
            "reply_ok": bool(reply.get("ok")) and reply["result"]["values"] == ["1"]}


def _journal_gaps_us(home):
    """exit → next start of the same service, in µs, from the daemon's journal."""
    last_exit, gaps = {}, []
    with open(os.path.join(home, "events.jsonl")) as f:
        for line in f:
            ev = json.loads(line)
            if ev.get("type") == "exit":
                last_exit[ev["name"]] = ev["time"]
            elif ev.get("type") == "start" and ev["name"] in last_exit:
                gaps.append((ev["time"] - last_exit.pop(ev["name"])) * 1e6)
    return gaps


def hook_cost(system_cls, ctx, root, services, kills):
    """Restart with no Lua on the exit path vs. the same plus an on_exit hook.

    The cost of one hook per event is the daemon's own mean (`status` field
    `hooks`: events that ran Lua and the seconds spent on them); the medians
    of its exit → start journal gaps and the external kill → probe-start
    latencies of both variants are reported alongside."""
    out = {}
    for variant in ("nohook", "hook"):
        system = system_cls(ctx)
        with Session(system, root, services, variant=variant) as sess:
            r = sess.restarts(kills, victims=services, min_up_s=0, gap_s=0.02)
            gaps = _journal_gaps_us(system.home)
            hooks = request(system.sock, {"id": 1, "cmd": "status"})["result"].get("hooks", {})
        half = len(gaps) // 2
        out[variant] = {"samples": r["samples"], "p50_ms": r.get("p50_ms"),
                        "noise_us": abs(statistics.median(gaps[:half]) -
                                        statistics.median(gaps[half:])) if half else None,
                        "gap_p50_us": statistics.median(gaps) if gaps else None,
                        "gaps": len(gaps), "note": r["note"],
                        "hook_calls": hooks.get("calls", 0),
                        "hook_us": hooks["seconds"] * 1e6 / hooks["calls"] if hooks.get("calls") else None}
    a, b = out["nohook"]["gap_p50_us"], out["hook"]["gap_p50_us"]
    out["gap_cost_us"] = b - a if a is not None and b is not None else None
    # The daemon times each event that runs Lua (table built + hooks called):
    # its mean is the cost per event, free of the scheduling noise in the gaps.
    out["cost_us"] = out["hook"]["hook_us"]
    return out


def log_capture(session, lines, timeout_s=300):
    """A service writing `lines` numbered lines as fast as it can (`seq`)
    through the daemon's pipes: MB/s over the writer's own run time (it
    cannot finish before the daemon has read all but the last pipe-full),
    and how many lines are missing or out of order in the log files."""
    s = session.system
    add = {"id": 1, "cmd": "add", "args": {"name": "flood", "once": True,
                                         "cmd": ["/bin/sh", "-c", f"seq 1 {lines}"]}}
    if not request(s.sock, add).get("ok"):
        return None
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        ls = request(s.sock, {"id": 2, "cmd": "ls"})["result"]
        if any(x["name"] == "flood" and x["state"] in ("finished", "crashed") for x in ls):
            break
        time.sleep(0.05)
    exits = [json.loads(l) for l in open(os.path.join(s.home, "events.jsonl"))]
    runtime = next((e["runtime"] for e in reversed(exits)
                    if e.get("type") == "exit" and e.get("name") == "flood"), None)
    base = os.path.join(s.home, "logs", "flood.out.log")
    files = sorted((p for p in os.listdir(os.path.dirname(base)) if p.startswith("flood.out.log")),
                   key=lambda p: -int(p.rsplit(".", 1)[1]) if p[-1].isdigit() else 0)
    size, expect, bad = 0, 1, 0
    for name in files:
        with open(os.path.join(os.path.dirname(base), name), "rb") as f:
            for line in f:
                size += len(line)
                if line.rstrip(b"\n") != str(expect).encode():
                    bad += 1
                expect += 1
    lost = lines - (expect - 1) + bad
    return {"mb_s": size / 1e6 / runtime if runtime else None, "lost": lost, "mb": size / 1e6}
