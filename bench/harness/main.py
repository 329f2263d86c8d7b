"""bench/run's orchestrator: every workload on every system, then the table.

Usage (normally through bench/run, which builds and installs first):
  python3 bench/harness/main.py --ppm BIN --probe BIN --floor BIN --path PATH
                                [--quick] [--only a,b] [--keep] [--out FILE]
"""
import argparse
import json
import os
import resource
import signal
import sys
import tempfile
import shutil
import time
import traceback

import procs
import report
from measure import Session
from ppm_only import eval_round_trips, hook_cost, log_capture, stats_with_status
from tls import tls_figures
from systems import ALL, Circus, PPMLua

FULL = dict(small=10, mid=100, large=1000, kills=200, idle=20, reps=5,
            hook_kills=200, eval_cli=20, eval_socket=200, log_lines=5_000_000, tls_seconds=10)
QUICK = dict(small=10, mid=100, large=200, kills=10, idle=3, reps=3,
             hook_kills=30, eval_cli=5, eval_socket=50, log_lines=1_000_000, tls_seconds=3)

T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


class Ctx:
    def __init__(self, a):
        self.ppm, self.probe, self.floor, self.path = a.ppm, a.probe, a.floor, a.path
        self.tlsload = a.tlsload
        self.discard_output = False


def room_for(services):
    """Whether the open-files limit the daemon inherits has room for
    `services` with their output captured (3 descriptors each, its own
    and a reserve); raises the soft limit, and the hard one where allowed."""
    need = 3 * services + 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limits in ((max(hard, need), max(hard, need)), (min(hard, need), hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, limits)
        except (ValueError, OSError):
            continue
        if limits[0] >= need:
            return True
    return False


def run_system(cls, ctx, root, plan, notes):
    """All sessions of one system; a failing step is noted, the rest goes on."""
    name, res = cls.name, {}

    def step(what, fn):
        try:
            return fn()
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as e:
            notes.append(f"{name}: {what} failed: {e}")
            log(f"{name}: {what} FAILED: {e}\n{traceback.format_exc()}")
            procs.kill_all_descendants()
            return None

    S, M, L = plan["small"], plan["mid"], plan["large"]
    only_large = plan.get("only_large", False)

    def session_memory(n):
        with Session(cls(ctx), root, n) as s:
            mem = s.memory()
            res[f"rss@{n}"], res[f"pss@{n}"] = mem["rss_mb"], mem["pss_mb"]
            log(f"{name}: {n} services, RSS {res[f'rss@{n}']:.1f} MB")

    def session_small():
        with Session(cls(ctx), root, S) as s:
            put_restarts(s, S)
            if name == PPMLua.name:
                e = eval_round_trips(s, plan["eval_cli"], plan["eval_socket"])
                res.update(eval_cli=e["cli_ms"], eval_socket=e["socket_ms"],
                           eval_socket_fresh=e["socket_fresh_ms"])
                res[f"status_cli@{S}"] = s.timed(s.system.cli("status"), repeat=plan["eval_cli"])["ms"]
                if not e["reply_ok"]:
                    notes.append("ppm-lua: eval 'return 1' did not answer \"1\"")
                c = log_capture(s, plan["log_lines"])
                if c:
                    res.update(log_mb_s=c["mb_s"], log_lost=c["lost"])
                    log(f"{name}: log capture {c}")

    def put_restarts(s, n):
        log(f"{name}: {plan['kills']} kills at {n} services …")
        r = s.restarts(plan["kills"])
        res[f"restart_p50@{n}"], res[f"restart_p99@{n}"] = r.get("p50_ms"), r.get("p99_ms")
        res[f"raw_restart@{n}"] = r["all_ms"]
        if r["samples"] < plan["kills"]:
            notes.append(f"{name}: restart at {n} services: {r['samples']} of "
                         f"{plan['kills']} samples ({r['note']})")
        log(f"{name}: restart at {n}: p50 {r.get('p50_ms')} ms, p99 {r.get('p99_ms')} ms")

    def session_large():
        with Session(cls(ctx), root, L) as s:
            res[f"up@{L}"] = s.up_s
            mem = s.memory()
            res[f"rss@{L}"], res[f"pss@{L}"] = mem["rss_mb"], mem["pss_mb"]
            log(f"{name}: up {s.up_s:.2f} s, RSS {mem['rss_mb']:.1f} MB "
                f"in {mem['procs']} processes; idle {plan['idle']} s …")
            idle = s.idle(plan["idle"])
            res[f"idle_cpu@{L}"] = idle["cpu_s_per_min"]
            res[f"idle_wake@{L}"] = idle["wakeups_per_min"]
            if idle["threads_gone"] or idle["threads_new"]:
                notes.append(f"{name}: idle at {L}: {idle['threads_new']} threads came and "
                             f"{idle['threads_gone']} went during the {plan['idle']} s")
            cmd = s.system.status_cmd()
            if cmd:
                t = s.timed(cmd, repeat=plan["reps"])
                res[f"list@{L}"] = t["ms"]
                log(f"{name}: listing {t['ms']:.1f} ms (exit {t['rc']}, {t['out_bytes']} bytes)")
            if name == PPMLua.name:
                res[f"status_cli@{L}"] = s.timed(s.system.cli("status"), repeat=plan["eval_cli"])["ms"]
                st = stats_with_status(s)
                res[f"stats@{L}"] = st["stats_ms"]
                res[f"status_p50@{L}"] = st.get("status_p50_ms")
                res[f"status_max@{L}"] = st.get("status_max_ms")
                notes.append(f"ppm-lua: {st['status_samples']} `status` requests answered "
                             f"during one `stats` at {L} services")
                log(f"{name}: stats {st}")
            put_restarts(s, L)
            d = s.stop_all()
            res[f"down@{L}"] = d["s"] if not d["left"] else f"{d['left']} left"
            log(f"{name}: stop all {d['s']:.2f} s, {d['left']} left")

    if only_large:                      # --services N: the large session alone
        step(f"{L} services", session_large)
        return res
    for n in (0, M):
        step(f"{n} services", lambda: session_memory(n))
    step(f"{S} services", session_small)
    step(f"{L} services", session_large)
    if name == PPMLua.name:
        h = step("hook cost", lambda: hook_cost(cls, ctx, root, 5, plan["hook_kills"]))
        if h:
            res.update(gap_nohook=h["nohook"]["gap_p50_us"], gap_hook=h["hook"]["gap_p50_us"],
                       hook_cost=h["cost_us"], ext_nohook=h["nohook"]["p50_ms"],
                       ext_hook=h["hook"]["p50_ms"])
            log(f"{name}: hook {h}")
            notes.append(f"ppm-lua: hook cost = the daemon's own mean time per event that ran Lua "
                         f"({h['hook']['hook_calls']} events: event table built, on_exit called); "
                         f"the difference of the journal-gap medians is {h['gap_cost_us']:.0f} µs, "
                         f"but the two halves of the no-hook run alone differ by "
                         f"{h['nohook']['noise_us']:.0f} µs")
        if ctx.tlsload:
            t = step("tls", lambda: tls_figures(cls, ctx, root, L, plan["reps"], plan["tls_seconds"],
                                                ctx.tlsload))
            if t:
                res.update({f"tls_{k}": v for k, v in t.items()})
                log(f"{name}: tls {t}")
                if t.get("ls_tls_rc"):
                    notes.append(f"ppm-lua: `ls --json` over TLS exited {t['ls_tls_rc']}")
    return res


def rows(plan):
    S, M, L = plan["small"], plan["mid"], plan["large"]
    if plan.get("only_large"):
        return [(k, label, unit) for k, label, unit in _rows(S, M, L) if k.endswith(f"@{L}")]
    return _rows(S, M, L)


def _rows(S, M, L):
    return [
        (f"restart_p50@{S}", f"crash → running, p50, {S} services", "ms"),
        (f"restart_p99@{S}", f"crash → running, p99, {S} services", "ms"),
        (f"restart_p50@{L}", f"crash → running, p50, {L} services", "ms"),
        (f"restart_p99@{L}", f"crash → running, p99, {L} services", "ms"),
        (f"up@{L}", f"start {L} services", "s"),
        (f"down@{L}", f"stop {L} services", "s"),
        ("rss@0", "daemon RSS, 0 services", "MB"),
        (f"rss@{M}", f"daemon RSS, {M} services", "MB"),
        (f"rss@{L}", f"daemon RSS, {L} services", "MB"),
        ("pss@0", "daemon PSS, 0 services", "MB"),
        (f"pss@{M}", f"daemon PSS, {M} services", "MB"),
        (f"pss@{L}", f"daemon PSS, {L} services", "MB"),
        (f"idle_cpu@{L}", f"idle CPU, {L} services", "s/min"),
        (f"idle_wake@{L}", f"idle wake-ups, {L} services", "/min"),
        (f"list@{L}", f"status listing, {L} services", "ms"),
        (f"stats@{L}", f"`ppm-lua stats --json`, {L} services", "ms"),
        (f"status_p50@{L}", "`status` round trip during stats, p50", "ms"),
        (f"status_max@{L}", "`status` round trip during stats, max", "ms"),
        ("gap_nohook", "exit → start in the daemon, no Lua, p50", "µs"),
        ("gap_hook", "exit → start in the daemon, on_exit hook, p50", "µs"),
        ("hook_cost", "Lua on_exit hook cost per exit event", "µs"),
        ("ext_nohook", "crash → running, no Lua (5 services), p50", "ms"),
        ("ext_hook", "crash → running, on_exit hook (5 services), p50", "ms"),
        ("log_mb_s", "log capture, a child writing as fast as it can", "MB/s"),
        ("log_lost", "log capture, lines missing or out of order", ""),
        ("eval_cli", "`ppm-lua eval 'return 1'` end to end", "ms"),
        (f"status_cli@{S}", f"`ppm-lua status` end to end, {S} services", "ms"),
        (f"status_cli@{L}", f"`ppm-lua status` end to end, {L} services", "ms"),
        ("eval_socket", "eval request, raw socket round trip", "ms"),
        ("eval_socket_fresh", "eval request, new connection each", "ms"),
        ("tls_ls_unix_ms", f"`ls --json`, {L} services, unix socket", "ms"),
        ("tls_ls_tls_ms", f"`ls --json`, {L} services, TCP + TLS 1.3 (PSK)", "ms"),
        ("tls_handshakes_s", "TLS handshakes per second (one client)", "/s"),
        ("tls_handshakes_cpu_s", "TLS handshakes per daemon CPU second", "/s"),
        ("tls_rss_off", f"daemon RSS, {L} services, no listener", "MB"),
        ("tls_rss_on", f"daemon RSS, {L} services, TLS listener", "MB"),
        ("tls_rss_after", "… after the handshakes above", "MB"),
    ]


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--ppm", "--probe", "--floor", "--path", "--repo"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--tlsload", help="the TLS handshake load generator (bench/tlsload.c)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", help="comma-separated systems to run")
    ap.add_argument("--keep", action="store_true", help="keep the /tmp work dir")
    ap.add_argument("--out", help="write the markdown here")
    ap.add_argument("--raw", help="write all figures as JSON here")
    ap.add_argument("--services", type=int,
                    help="only the large session, at this many services (ppm-lua and the floor "
                         "unless --only says otherwise); its table becomes a section of --out")
    a = ap.parse_args()
    section = None
    if a.services:
        section, a.only = f"## At {a.services:,} services", a.only or "ppm-lua,floor"
    elif a.only and a.out and a.raw:     # a partial run leaves results.md alone
        a.out = os.path.join(os.path.dirname(a.raw), "results-partial.md")
    plan = QUICK if a.quick else FULL
    ctx = Ctx(a)
    notes = []
    if a.services:
        plan = dict(plan, large=a.services, only_large=True)
        if not room_for(a.services):
            # As in a container whose root lacks CAP_SYS_RESOURCE: the
            # services' output goes to /dev/null, and only their pidfds count.
            ctx.discard_output = True
            notes.append(f"ppm-lua: the open-files hard limit "
                         f"({resource.getrlimit(resource.RLIMIT_NOFILE)[1]:,}) has no room for "
                         f"{a.services:,} services with captured output (3 descriptors each), "
                         f"and cannot be raised here: their stdout and stderr go to /dev/null")
    picked = [c for c in ALL if not a.only or c.name in a.only.split(",")]

    def on_signal(sig, _frame):
        raise KeyboardInterrupt(f"signal {sig}")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    procs.become_subreaper()
    root = tempfile.mkdtemp(prefix="ppm-bench.", dir="/tmp")
    load_at_start = open("/proc/loadavg").read().split()[0]
    log(f"{'quick' if a.quick else 'full'} run in {root}: {plan}")
    results = {}
    try:
        for cls in picked:
            why = cls(ctx).missing()
            if why:
                notes.append(f"{cls.name}: skipped ({why})")
                results[cls.name] = {k: "skipped" for k, _, _ in rows(plan)}
                continue
            log(f"=== {cls.name}")
            results[cls.name] = run_system(cls, ctx, root, plan, notes)
    except KeyboardInterrupt:
        log("interrupted: cleaning up")
        procs.kill_all_descendants()
        raise SystemExit(130)
    finally:
        procs.kill_all_descendants()
        if a.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    names = [c.name for c in picked]
    if section:
        text = "\n\n".join([
            section,
            f"`bench/run --services {a.services}`" + (" --quick" if a.quick else "") + ": "
            f"the large session alone, {', '.join(names)}.",
            report.machine(a.repo, a.path, load_at_start),
            report.table(rows(plan), names, results),
            report.floor_ratios(results, plan),
            report.targets(results, plan),
            "Notes:\n" + "\n".join(f"- {n}" for n in notes) if notes else "Notes: none.",
        ]) + "\n"
        print(text)
        if a.out:
            report.put_section(a.out, section, text)
        if a.raw:
            with open(a.raw.replace(".json", f"-{a.services}.json"), "w") as f:
                json.dump({"plan": plan, "results": results, "notes": notes}, f, indent=1)
        return
    text = "\n\n".join([
        f"# ppm-lua benchmark ({'quick' if a.quick else 'full'} run)",
        report.machine(a.repo, a.path, load_at_start),
        report.table(rows(plan), names, results),
        report.targets(results, plan),
        "Notes:\n" + "\n".join(f"- {n}" for n in notes) if notes else "Notes: none.",
        report.METHOD.format(circus_delay=Circus.CHECK_DELAY, idle=plan["idle"],
                             reps=plan["reps"]),
    ]) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    if a.raw:
        with open(a.raw, "w") as f:
            json.dump({"plan": plan, "results": results, "notes": notes}, f, indent=1)


if __name__ == "__main__":
    main()
