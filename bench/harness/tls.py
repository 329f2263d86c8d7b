"""Remote control over TLS: `ls --json` through the TCP listener against the
unix socket, handshakes per second of the daemon's CPU, and the daemon's
memory with the listener off, on, and after a burst of handshakes."""
import json
import subprocess

import procs
from measure import Session


def tls_figures(system_cls, ctx, root, n, reps, seconds, tlsload):
    out = {}
    with Session(system_cls(ctx), root, n) as off:
        out["rss_off"] = off.memory()["rss_mb"]
    system = system_cls(ctx)
    with Session(system, root, n, variant="listen") as s:
        out["rss_on"] = s.memory()["rss_mb"]
        host = f"127.0.0.1:{system.listen_port}"
        remote = ["--host", host, "--token-file", system.token_file]
        out["ls_unix_ms"] = s.timed(system.cli("ls", "--json"), repeat=reps)["ms"]
        tls = s.timed(system.cli("ls", "--json", *remote), repeat=reps)
        out["ls_tls_ms"], out["ls_tls_rc"] = tls["ms"], tls["rc"]
        pids = s.supervisor_pids()
        cpu0 = procs.cpu_ticks_s(pids)
        load = subprocess.run([tlsload, "127.0.0.1", str(system.listen_port), system.token_file,
                               str(seconds)], capture_output=True, text=True, timeout=seconds + 60)
        cpu = procs.cpu_ticks_s(pids) - cpu0
        result = json.loads(load.stdout or "{}")
        out["handshakes"] = result.get("handshakes", 0)
        out["handshake_failed"] = result.get("failed")
        out["handshakes_s"] = out["handshakes"] / result["seconds"] if result.get("seconds") else None
        out["handshakes_cpu_s"] = out["handshakes"] / cpu if cpu > 0 else None
        out["rss_after"] = s.memory()["rss_mb"]
    return out
