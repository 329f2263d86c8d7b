"""One adapter per supervisor: how to configure, start, list, stop and quit it.

Every system runs the same probe (bench/probe.c) as its services, each
configured for its fastest restart, with all files under the session's
/tmp directory and only unix-socket (loopback) control endpoints.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import time


class System:
    name = "?"
    needs = []               # programs that must exist, else the system is skipped

    def __init__(self, ctx):
        self.ctx, self.proc = ctx, None

    def missing(self):
        """Why this system cannot run here, or None."""
        lost = [p for p in self.needs if not shutil.which(p, path=self.ctx.path)]
        return f"not installed: {', '.join(lost)}" if lost else None

    def prepare(self, work, names, records):
        self.work, self.names, self.records = work, names, records

    def argv(self):                      # the daemon, in the foreground
        raise NotImplementedError

    def env(self):
        return dict(os.environ, PATH=self.ctx.path, PROBE_FILE=self.records)

    def start(self):
        log = open(os.path.join(self.work, "daemon.log"), "wb")
        self.proc = subprocess.Popen(self.argv(), env=self.env(), cwd=self.work,
                                     stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=log, start_new_session=True)
        log.close()

    def ready(self):                     # does the control endpoint answer?
        return True

    def status_cmd(self):                # lists every service, or None
        return None

    def stop_cmd(self):                  # stops every service, or None: SIGTERM
        return None

    def quit(self):
        """Ask the daemon to exit; the harness kills whatever is left."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def probe_cmd(self, name):
        return [self.ctx.probe, self.records, name]


def _connects(path):
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path)
        return True
    except OSError:
        return False


class PPMLua(System):
    name = "ppm-lua"
    RESTART = 'function() return { action = "restart", after = 0 } end'

    def missing(self):
        return None if os.access(self.ctx.ppm, os.X_OK) else "not built"

    def prepare(self, work, names, records, variant="policy"):
        super().prepare(work, names, records)
        self.home = os.path.join(work, "home")
        self.sock = os.path.join(self.home, "ppm.sock")
        self.config = os.path.join(work, "ppm.lua")
        text = self.config_text("policy" if variant == "listen" else variant)
        if variant == "listen":
            # The TCP listener over TLS, keyed with a random token (PSK).
            self.token_file = os.path.join(work, "token")
            with open(os.open(self.token_file, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
                f.write(os.urandom(32).hex() + "\n")
            self.listen_port = free_port()
            text = (f'ppm.settings {{ listen = {{ address = "127.0.0.1:{self.listen_port}", '
                    f'token_file = "token" }} }}\n') + text
        with open(self.config, "w") as f:
            f.write(text)

    def config_text(self, variant):
        """policy: a Lua restart function (after = 0) on every service;
        nohook: no Lua on the exit path (backoff interval 0, restart always);
        hook: as nohook plus an on_exit hook that returns nil."""
        head, extra = [], ""
        if variant == "policy":
            head.append(f"local fast = {self.RESTART}")
            extra = "restart = fast"
        else:
            head.append("ppm.settings { backoff = { interval = 0 } }")
            extra = 'restart = "always"'
            if variant == "hook":
                head.append("local hook = function(ev) return nil end")
                extra += ", on_exit = hook"
        if getattr(self.ctx, "discard_output", False):
            extra += ', stdout = "/dev/null", stderr = "/dev/null"'
        lines = [f"ppm.service {{ name = {json.dumps(n)}, cmd = "
                 f"{{ {', '.join(json.dumps(a) for a in self.probe_cmd(n))} }}, "
                 f"{extra} }}" for n in self.names]
        return "\n".join(head + lines) + "\n"

    def env(self):
        return dict(super().env(), PPM_LUA_HOME=self.home)

    def argv(self):
        return [self.ctx.ppm, "daemon", "-c", self.config]

    def ready(self):
        try:
            return request(self.sock, {"id": 0, "cmd": "status"})["ok"]
        except OSError:
            return False

    def cli(self, *args):
        return [self.ctx.ppm, *args]

    def status_cmd(self):
        return self.cli("ls", "--json")

    def stop_cmd(self):
        return self.cli("stop", "all")

    def quit(self):
        if self.proc and self.proc.poll() is None:
            subprocess.run(self.cli("quit"), env=self.env(), timeout=300,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(path, obj, sock=None, timeout=300):
    """One JSON-lines request to a ppm-lua socket; a fresh connection unless given."""
    own = sock is None
    if own:
        sock = socket.socket(socket.AF_UNIX)
        sock.settimeout(timeout)
        sock.connect(path)
    try:
        sock.sendall((json.dumps(obj) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = sock.recv(1 << 16)
            if not chunk:
                raise OSError("connection closed")
            buf += chunk
        return json.loads(buf)
    finally:
        if own:
            sock.close()


class Supervisord(System):
    name = "supervisord"
    needs = ["supervisord", "supervisorctl"]

    def prepare(self, work, names, records):
        super().prepare(work, names, records)
        self.conf, self.sock = f"{work}/supervisord.conf", f"{work}/supervisor.sock"
        parts = [f"""[supervisord]
nodaemon=true
logfile={work}/supervisord.log
pidfile={work}/supervisord.pid
childlogdir={work}
minfds=16384
minprocs=4096
[unix_http_server]
file={self.sock}
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
[supervisorctl]
serverurl=unix://{self.sock}
"""]
        for n in names:
            parts.append(f"[program:{n}]\ncommand={' '.join(self.probe_cmd(n))}\n"
                         "startsecs=0\nautorestart=true\n")
        with open(self.conf, "w") as f:
            f.write("".join(parts))

    def argv(self):
        return ["supervisord", "-n", "-c", self.conf]

    def ready(self):
        return _connects(self.sock)

    def status_cmd(self):
        return ["supervisorctl", "-c", self.conf, "status"]

    def stop_cmd(self):
        return ["supervisorctl", "-c", self.conf, "stop", "all"]

    def quit(self):
        if self.proc and self.proc.poll() is None:
            subprocess.run(["supervisorctl", "-c", self.conf, "shutdown"],
                           env=self.env(), timeout=300, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)


class Circus(System):
    name = "circus"
    needs = ["circusd", "circusctl"]
    CHECK_DELAY = 1.0    # the arbiter's own default; circusd reaps on this tick

    def prepare(self, work, names, records):
        super().prepare(work, names, records)
        self.ini, self.sock = f"{work}/circus.ini", f"{work}/circus-ctl.sock"
        parts = [f"""[circus]
check_delay = {self.CHECK_DELAY}
endpoint = ipc://{self.sock}
pubsub_endpoint = ipc://{work}/circus-pub.sock
stats_endpoint = ipc://{work}/circus-stats.sock
multicast_endpoint =
statsd = False
"""]
        for n in names:
            parts.append(f"[watcher:{n}]\ncmd = {self.ctx.probe}\n"
                         f"args = {self.records} {n}\nnumprocesses = 1\n"
                         "respawn = True\nwarmup_delay = 0\ncheck_flapping = False\n")
        with open(self.ini, "w") as f:
            f.write("".join(parts))

    def argv(self):
        return ["circusd", self.ini]

    def ready(self):
        return _connects(self.sock)

    def ctl(self, *args):
        return ["circusctl", "--endpoint", f"ipc://{self.sock}", "--timeout", "600",
                *args]

    def status_cmd(self):
        return self.ctl("status")

    def stop_cmd(self):
        return self.ctl("stop")

    def quit(self):
        if self.proc and self.proc.poll() is None:
            subprocess.run(self.ctl("quit"), env=self.env(), timeout=300,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class _ServiceDirs(System):
    """runit and s6: one directory per service whose ./run is the probe itself
    (a symlink: no shell in between, their fastest start)."""
    subdir = "sv"

    def prepare(self, work, names, records):
        super().prepare(work, names, records)
        self.top = os.path.join(work, self.subdir)
        os.makedirs(self.top)
        self.dirs = [os.path.join(self.top, n) for n in names]
        for d in self.dirs:
            os.mkdir(d)
            os.symlink(self.ctx.probe, os.path.join(d, "run"))


class Runit(_ServiceDirs):
    name = "runit"
    needs = ["runsvdir", "runsv", "sv"]

    def argv(self):
        return ["runsvdir", self.top]

    def status_cmd(self):
        return ["sv", "status", *self.dirs] if self.dirs else None

    def stop_cmd(self):
        return ["sv", "down", *self.dirs] if self.dirs else None

    def quit(self):                       # HUP: runsvdir TERMs every runsv, exits
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGHUP)


class S6(_ServiceDirs):
    name = "s6"
    needs = ["s6-svscan", "s6-supervise", "s6-svstat", "s6-svc", "s6-svscanctl"]
    subdir = "scan"
    LOOP = 'for d in "$0"/*/; do s6-svstat "$d" || exit 1; done'

    def argv(self):                     # -c: it refuses more than 500 by default
        return ["s6-svscan", "-c", str(max(500, 2 * len(self.names))), self.top]

    def status_cmd(self):               # s6-svstat takes one directory
        return ["sh", "-c", self.LOOP, self.top] if self.dirs else None

    def stop_cmd(self):                 # s6-svc also takes one directory
        return (["sh", "-c", 'for d in "$0"/*/; do s6-svc -d "$d"; done', self.top]
                if self.dirs else None)

    def quit(self):
        if self.proc and self.proc.poll() is None:
            subprocess.run(["s6-svscanctl", "-t", self.top], env=self.env(),
                           timeout=60, stderr=subprocess.DEVNULL)
            time.sleep(0.2)
            super().quit()


class Floor(System):
    name = "floor"

    def missing(self):
        return None if os.access(self.ctx.floor, os.X_OK) else "not built"

    def argv(self):
        return [self.ctx.floor, self.ctx.probe, self.records, *self.names]


ALL = [PPMLua, Supervisord, Circus, Runit, S6, Floor]
