"""The results table (markdown) and the description of the machine."""
import os
import platform
import subprocess
import time

BASE = "ppm-lua"


def _num(v):
    if v == 0:
        return "0"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    if abs(v) >= 0.1 or v == 0:
        return f"{v:.2f}"
    return f"{v:.3f}"


def _ratio(r):
    if r >= 10:
        return f"{r:,.0f}×"
    return f"{r:.1f}×" if r >= 0.1 else f"{r:.2f}×"


def cell(value, base, unit):
    """'1,036 ms (94×)': the value and its ratio to ppm-lua's value."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    text = f"{_num(value)} {unit}".strip()
    if isinstance(base, (int, float)) and base > 0:
        text += f" ({_ratio(value / base)})"
    return text


def table(rows, systems, results):
    """rows: [(key, label, unit)]; results: {system: {key: value}}."""
    out = ["| figure | " + " | ".join(systems) + " |",
           "| --- |" + " --- |" * len(systems)]
    for key, label, unit in rows:
        base = results.get(BASE, {}).get(key)
        cells = [cell(results.get(s, {}).get(key), base if s != BASE else None, unit)
                 for s in systems]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def _first(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


def machine(repo, path, load_at_start=None):
    """A few lines about the machine and the versions measured (the load
    average read at the start of the run, when given, and at its end)."""
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    commit = _first(["git", "-C", repo, "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--",
                            "Sources", "Package.swift"],
                           capture_output=True, text=True).stdout.strip()
    env = dict(os.environ, PATH=path)

    def ver(cmd):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=env)
            return (p.stdout or p.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "not installed"

    return "\n".join([
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- CPU: {cpu}, {os.cpu_count()} cores; RAM {mem_kb / 1024 / 1024:.1f} GiB",
        f"- kernel: {platform.release()}; load average "
        + (f"at start {load_at_start}, " if load_at_start else "")
        + f"at the end {open('/proc/loadavg').read().split()[0]}",
        f"- ppm-lua: commit {commit}{' + uncommitted changes' if dirty else ''}, "
        "release build",
        f"- supervisord {ver(['supervisord', '--version'])}; "
        f"circus {ver(['circusd', '--version'])}; "
        f"runit {ver(['dpkg-query', '-W', '-f', '${Version}', 'runit'])}; "
        f"s6 {ver(['dpkg-query', '-W', '-f', '${Version}', 's6'])}",
    ])


METHOD = """\
How: every system supervises the same probe (bench/probe.c), which appends its
own CLOCK_MONOTONIC start time to a file, then pause()s. Each is set for its
fastest restart: ppm-lua `restart = function() return {{action="restart",
after=0}} end`; supervisord `startsecs=0 autorestart=true`; circus `respawn`,
`warmup_delay=0`, `check_flapping=False`, `check_delay={circus_delay}`; runit
and s6 with `./run` a symlink to the probe; floor = bench/floor.c (fork,
setsid, exec; waitpid; respawn at once). Restart latency: kill -9 of one of 5
rotating victims (each has run ≥ 1.1 s: runit and s6 delay the restart of a
service that ran < 1 s) → the replacement's own start stamp. Memory: VmRSS
(and PSS) summed over the supervisor's processes, services excluded (runsvdir
+ runsv, s6-svscan + s6-supervise). Idle: once no thread has come or gone for
6 s, schedstat CPU and voluntary + involuntary context switches per thread over
{idle} s, per minute (a thread that exits meanwhile counts one wake-up).
Listing: `ppm-lua ls --json`, `supervisorctl status`, `circusctl status`,
`sv status DIR…`, `s6-svstat` per directory in a shell loop (median of {reps}).
Up: daemon start → every probe has recorded its start. Down: `ppm-lua stop all`,
`supervisorctl stop all`, `circusctl stop`, `sv down DIR…`, `s6-svc -d` per
directory, SIGTERM for the floor → every probe gone. Ratios are to ppm-lua.
"""


# Targets that depend on the number of services (shared/DESIGN.md section 6):
# at up to 1000 and at 10,000.
SCALE_TARGETS = {
    1000: dict(rss=16, list=20, stats=150, up=1.5, down=2),
    10_000: dict(rss=64, list=80, stats=1000, up=8, down=5),
}


def floor_ratios(results, plan):
    """ppm-lua's figures divided by the floor's, where both were measured."""
    L = plan["large"]
    p, f = results.get(BASE, {}), results.get("floor", {})
    lines = []
    for key, label in ((f"restart_p50@{L}", "crash → running, p50"),
                       (f"restart_p99@{L}", "crash → running, p99"),
                       (f"up@{L}", f"start {L:,}"), (f"down@{L}", f"stop {L:,}"),
                       (f"rss@{L}", "daemon RSS")):
        a, b = p.get(key), f.get(key)
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b > 0:
            lines.append(f"- {label}: {_ratio(a / b)} the floor")
    return f"ppm-lua ÷ floor at {L:,} services:\n" + ("\n".join(lines) or "- not measured")


def put_section(path, title, text):
    """Writes `text` as the section `title` of the markdown file at `path`:
    replaces the section of that title (up to the next one of its level),
    or appends it."""
    try:
        with open(path) as f:
            old = f.read()
    except OSError:
        old = ""
    start = old.find(title + "\n")
    if start < 0:
        new = old.rstrip("\n") + ("\n\n" if old else "") + text
    else:
        end = old.find("\n## ", start + len(title))
        new = old[:start] + text + (old[end + 1:] if end >= 0 else "")
    with open(path, "w") as f:
        f.write(new)


def targets(results, plan):
    """ppm-lua against the targets of shared/DESIGN.md section 6."""
    S, L = plan["small"], plan["large"]
    p, f = results.get(BASE, {}), results.get("floor", {})
    t = SCALE_TARGETS[10_000 if L > 1000 else 1000]

    def num(d, k):
        v = d.get(k)
        return v if isinstance(v, (int, float)) else None

    def check(label, value, limit, unit="", ratio_of=None):
        if value is None or (ratio_of is not None and not ratio_of):
            return f"- {label}: not measured"
        shown = value / ratio_of if ratio_of else value
        ok = "yes" if shown <= limit else "**no**"
        u = "×" if ratio_of else f" {unit}"
        return f"- {label}: {_num(shown)}{u} (target ≤ {_num(limit)}{u}): {ok}"

    lines = []
    for n in ((L,) if plan.get("only_large") else (S, L)):
        lines.append(check(f"crash → running p50 at {n}, ÷ floor", num(p, f"restart_p50@{n}"),
                           1.5, ratio_of=num(f, f"restart_p50@{n}")))
        lines.append(check(f"crash → running p99 at {n}, ÷ floor", num(p, f"restart_p99@{n}"),
                           3.0, ratio_of=num(f, f"restart_p99@{n}")))
    if not plan.get("only_large"):
        lines.append(check(f"work per event constant: p50 at {L} ÷ p50 at {S} (1.2× allowed for noise)",
                           num(p, f"restart_p50@{L}"), 1.2, ratio_of=num(p, f"restart_p50@{S}")))
    lines += [
        check(f"idle wake-ups at {L}", num(p, f"idle_wake@{L}"), 0, "/min"),
        check(f"idle CPU at {L}", num(p, f"idle_cpu@{L}"), 0.05, "s/min"),
        check(f"daemon RSS at {L}", num(p, f"rss@{L}"), t["rss"], "MB"),
        check(f"`ls --json` at {L}", num(p, f"list@{L}"), t["list"], "ms"),
        check(f"`stats` at {L}", num(p, f"stats@{L}"), t["stats"], "ms"),
        check("`status` during stats, max", num(p, f"status_max@{L}"), 5, "ms"),
        check(f"`ppm-lua status` end to end at {L} (client start-up)", num(p, f"status_cli@{L}"), 2, "ms"),
        check(f"start {L}", num(p, f"up@{L}"), t["up"], "s"),
        check(f"stop {L}", num(p, f"down@{L}"), t["down"], "s"),
    ]
    if plan.get("only_large"):
        return "ppm-lua against shared/DESIGN.md §6 (measured here):\n" + "\n".join(lines)
    lines += [
        check("Lua hook cost per exit event", num(p, "hook_cost"), 50, "µs"),
        (f"- log capture throughput: {_num(num(p, 'log_mb_s'))} MB/s (target ≥ 50 MB/s): "
         f"{'yes' if num(p, 'log_mb_s') >= 50 else '**no**'}") if num(p, "log_mb_s") else "- log capture throughput: not measured",
        check("log capture: lines lost", num(p, "log_lost"), 0, "lines"),
    ]
    return "ppm-lua against shared/DESIGN.md §6 (measured here):\n" + "\n".join(lines)
