---@meta ppm
-- Type stubs for ppm-lua configs, hooks and plugins (lua-language-server /
-- EmmyLua annotations). Nothing here runs: the daemon defines `ppm` itself.
-- Point your editor at the plugins folder (which holds this one), e.g. in
-- `.luarc.json` next to your config:
--   { "runtime.version": "Lua 5.4", "workspace.library": ["/usr/local/share/ppm-lua/plugins"] }
-- (or `plugins` of a source checkout). A test checks that every host
-- function, service field, setting and plugin option appears here.

---A duration: seconds, or text with a unit `ms s m h d` ("500ms", "5m").
---@alias ppm.Duration number|string

---A size in bytes, or text with a unit ("10M", "512K", "1G").
---@alias ppm.Size integer|string

---A command: a string split into words as a shell would (`"..."`, `'...'`, `\`;
---no expansion, no pipes), or an array of words.
---@alias ppm.Command string|string[]

---A command run beside a service (`stop_cmd`, `pre_start`, `post_stop`): a
---string run by `/bin/sh -c`, or an array of words (the program and its arguments).
---@alias ppm.ShellCommand string|string[]

---A stop ladder: signals and the waits between them, SIGKILL after the last
---wait (`{ "QUIT", "5s", "TERM", "10s" }`); the last wait may be left out
---(`stop_timeout` then).
---@alias ppm.StopLadder (string|integer|ppm.Duration)[]

---What an exit handler or a policy returns: nil lets the `restart` policy
---decide; "restart" (now), "stop" (stay down), "fatal" (stay down as fatal),
---or a restart after a delay.
---@alias ppm.Action nil|"restart"|"stop"|"fatal"|ppm.RestartAfter

---@class ppm.RestartAfter
---@field action "restart"
---@field after? ppm.Duration seconds before the restart
---@field scheduled? boolean true: `after` is a schedule's next time (`cron`): the service idles as "scheduled, next HH:MM:SS" and the run is not counted as a restart

---A policy: decides what follows an exit (SPEC 5.3).
---@alias ppm.Policy fun(ev: ppm.Event, svc: ppm.Snapshot?): ppm.Action

---@alias ppm.EventType "start"|"exit"|"stop"|"spawn_failed"|"fatal"|"adopted"|"ready"|"unhealthy"|"healthy"|"stop_step"|"command_failed"

---The table of `ppm.service{}` (SPEC 5.1). An unknown field is an error.
---@class (exact) ppm.ServiceSpec
---@field name string required, unique: a word without `/` or spaces, not `@…` or `all`
---@field cmd ppm.Command required: the program and its arguments
---@field dir? string working directory (relative to the config's folder)
---@field env? table<string, string> added to the daemon's environment
---@field env_file? string|string[] KEY=VALUE files (systemd EnvironmentFile / dotenv syntax), relative to the config's folder, read at each start; "-path" may be missing; `env` wins over them, later files over earlier ones
---@field clean_env? boolean true: start from an empty environment (+ `env`)
---@field secret_env? string[] variables shown as *** to clients but the local owner (besides names holding PASSWORD, SECRET, TOKEN or KEY)
---@field no_new_privs? boolean true: the service and its children cannot gain privileges through exec (setuid programs, file capabilities)
---@field user? string run as this user (needs root)
---@field group? string run with this group (needs root)
---@field stdin? string file for standard input
---@field stdout? string file for standard output, relative to `dir`; default: captured to `<home>/logs`
---@field stderr? string file for standard error, relative to `dir`; default: captured to `<home>/logs`
---@field ulimit? table<string, integer|"infinity"> soft and hard limits, names as in prlimit (`nofile`, `memlock`…)
---@field nice? integer scheduling priority, -20..19
---@field cpu? integer[] CPU affinity
---@field memory_max? ppm.Size|"max" cgroup memory limit (e.g. "512M"); past it the kernel's OOM killer ends a process (exit event `oom = true`)
---@field memory_high? ppm.Size|"max" cgroup memory level past which the kernel throttles and reclaims (v1: the soft limit)
---@field cpu_max? string|"max" CPU time as a percentage of one CPU, e.g. "50%" or "150%" (per 100 ms)
---@field pids_max? integer|"max" processes and threads the service's cgroup may hold
---@field io_weight? integer relative I/O weight 1..10000 (default 100)
---@field requires? string[]|table<string, "started"|"ready"|"healthy"|"succeeded"> start once these are ready (or meet the named condition); stop before them
---@field ready? "started"|"notify"|{fd: integer}|{log: string}|{tcp: string}|{http: string}|{exec: string|string[]}|fun(svc: table): boolean, string? how it tells it is ready (state `starting` until then)
---@field ready_timeout? number|string not ready in time: the start failed (default 60 s)
---@field ready_every? number|string seconds between readiness probes (default 0.5)
---@field health? {tcp: string?, http: string?, exec: (string|string[])?, check: (fun(svc: table): boolean, string?)?, every: (number|string)?, timeout: (number|string)?, failures: integer?, start_period: (number|string)?}|fun(svc: table): boolean, string? a check run while it is ready
---@field on_ready? fun(ev: ppm.Event) when it became ready
---@field on_health? fun(ev: ppm.Event): ("restart"|"stop"|"fatal"|nil) on "unhealthy"/"healthy"; for unhealthy the answer acts (nil: only report)
---@field watchdog? number|string with ready = "notify": no WATCHDOG=1 this long makes it unhealthy
---@field groups? string[] CLI names accept `@group` for every member
---@field instances? integer N copies `NAME@1` … `NAME@N` (1–1000), all in group NAME (`@NAME` or NAME address them); `%i` in cmd, env values, dir, stdout, stderr is the copy's number (`%%` a `%`); each gets `PPM_INSTANCE`; `ppm-lua scale NAME N` changes N at run time
---@field autostart? boolean false: start only on request (default true)
---@field start_after? ppm.Duration seconds before the first start (default 0)
---@field once? boolean never restart (default false)
---@field wait? boolean later services start only after this one exits (default false)
---@field disabled? boolean declared but never started (default false)
---@field depends? string[] restart when the content of a file or glob match changes (debounced 1 s)
---@field bounce? ppm.Duration restart every interval
---@field stop_signal? string|integer|ppm.StopLadder signal asked to stop (default "TERM"), then SIGKILL after `stop_timeout`; or a ladder `{ "QUIT", "5s", "TERM", "10s" }`: each signal, then the wait before the next, SIGKILL after the last
---@field stop_timeout? ppm.Duration seconds between the stop signal and SIGKILL (default 10); with a ladder, the wait of a last signal written without one
---@field stop_cmd? ppm.ShellCommand run instead of the first stop signal (systemd ExecStop; `MAINPID` set); the ladder goes on if the service outlives the first wait
---@field pre_start? ppm.ShellCommand|ppm.ShellCommand[] run to completion before each start, as the service's user, dir and env; a failure is a `spawn_failed` with the command's output tail (systemd ExecStartPre)
---@field post_stop? ppm.ShellCommand|ppm.ShellCommand[] run after each exit, whatever the outcome (`EXIT_CODE`, `EXIT_STATUS` set); a failure is journaled as `command_failed` (systemd ExecStopPost)
---@field start_timeout? ppm.Duration how long the `pre_start` commands may take together (default 60 s)
---@field restart? "on-failure"|"always"|"never"|ppm.Policy what follows an exit (default "on-failure" with backoff)
---@field on_start? fun(ev: ppm.Event) called after each start
---@field on_exit? fun(ev: ppm.Event): ppm.Action called after each exit; its answer wins over `restart`
---@field on_output? fun(line: string, stream: "out"|"err", svc: ppm.Snapshot) each captured line; `svc` is the service as `ppm.get` returns it
---@field log_max_size? ppm.Size rotate captured output past this size (default "10M")
---@field log_keep? integer rotated files kept (default 5)
---@field log_timestamps? boolean prefix captured lines with the time (default false)
---@field forward? "stdout"|"json"|"journal"|false also send captured lines to the daemon's stdout (`NAME | line`), as JSON Lines, or to journald; false: not this service (default: the daemon's setting)

---The event table every hook receives (SPEC 5.2).
---@class ppm.Event
---@field type ppm.EventType what happened; "adopted": a process left by a killed daemon was taken over
---@field name string the service's name
---@field pid? integer the process id (the exited one for `exit`)
---@field result? integer exit status 0–255 if it exited
---@field signal? integer signal number if a signal ended it
---@field signame? string the signal's name, e.g. "KILL"; for `stop` and `stop_step`: the signal sent
---@field status? "unknown" for the exit of an adopted process (not the daemon's child): no `result`/`signal`
---@field runtime? number seconds it ran
---@field starts integer how many times it has been started
---@field crashes integer consecutive crashes, this one included
---@field outcome? "finished"|"crashed"|"stopped" for `exit`
---@field time number unix time
---@field utc string ISO-8601 UTC time, e.g. "2026-11-22T21:28:11.821Z"
---@field error? string for `spawn_failed`: why; for `command_failed`: how the command failed
---@field tail? string for `exit`: up to the last 10 lines written to stderr (stdout if stderr is empty); for `spawn_failed` by a `pre_start` and `command_failed`: the command's
---@field step? integer for `stop_step`: the step of the stop ladder (2, 3…; SIGKILL after the last)
---@field stop_cmd? string for `stop`: the `stop_cmd` run instead of the first signal
---@field field? "stop_cmd"|"post_stop" for `command_failed`: the field of the command
---@field cause? string for `exit`: why the daemon ended the run when nobody asked ("unhealthy"); for `stop` and `start`: who asked ("cli", "hook", "depends", "bounce", "reload", "policy", "unhealthy", "shutdown")
---@field after? number for `ready`: seconds from the spawn; for `stop_step`: seconds from the start of the stop
---@field failures? integer for `unhealthy`: failed checks in a row
---@field errno? integer for `exit`: the run's last sd_notify `ERRNO=`
---@field oom? boolean for `exit`: true when the kernel's OOM killer ended a process of the service (its cgroup's memory.events)

---A journal entry (`ppm.events`): the event fields plus these.
---@class ppm.JournalEntry: ppm.Event
---@field seq integer position in the journal
---@field type string also "hook_error", "config", "config_error", "daemon_restarted", "remote_refused", "limits_unavailable"
---@field limits? string[] for `limits_unavailable`: the limits no cgroup here can enforce (`error` says why)
---@field name? string
---@field cause? string for `daemon_restarted`: why the daemon re-executed ("upgrade", "watchdog"…)
---@field added? string[] for `config`: services added by a reload
---@field removed? string[] for `config`: services removed by a reload
---@field changed? string[] for `config`: services changed by a reload
---@field address? string for `remote_refused`: the TCP client's address
---@field reason? string for `remote_refused`: why it was turned away
---@field cmd? string for `remote_refused`: the command it asked for; for `command_failed`: the command that failed

---The `on_exit` event of `ppm.spawn`.
---@class ppm.SpawnEvent
---@field type "exit"|"spawn_failed"
---@field cmd string[] the command that ran
---@field pid? integer
---@field result? integer exit status
---@field signal? integer
---@field signame? string
---@field runtime number seconds it ran
---@field time number unix time
---@field utc string ISO-8601 UTC time
---@field stdout string what it wrote to stdout
---@field stderr string what it wrote to stderr
---@field error? string why it could not start
---@field timed_out? boolean true when it ran past its `timeout`

---@class ppm.LastExit
---@field result? integer
---@field signal? integer
---@field runtime number
---@field time number
---@field errno? integer the run's last sd_notify `ERRNO=`

---A service as `ppm.get` returns it (and the `svc` of a policy).
---@class ppm.Snapshot
---@field name string
---@field state "created"|"waiting"|"starting"|"running"|"reloading"|"paused"|"stopping"|"stopped"|"finished"|"crashed"|"fatal"|"disabled"
---@field pid? integer
---@field starts integer
---@field restarts integer
---@field crashes integer
---@field uptime? number seconds the current process has run
---@field last_exit? ppm.LastExit
---@field spec ppm.ServiceSpec its `ppm.service` fields (functions left out)
---@field cmd string[]
---@field autostart boolean
---@field groups string[]
---@field requires string[]
---@field restart string
---@field once boolean
---@field stdout? string
---@field stderr? string
---@field dir? string
---@field user? string
---@field env table<string, string>
---@field stop_signal string
---@field stop_timeout number
---@field hooks string[] fields holding Lua functions
---@field spawn_failures integer
---@field last_error? string why the last spawn failed
---@field starts_in? number seconds until a delayed start
---@field scheduled boolean that start is a schedule's next time (`cron`), not a restart
---@field waiting_for? string[] the `requires` not running yet
---@field ready string its readiness kind ("started", "notify", "fd", "log", "tcp", "http", "exec", "function")
---@field health? "healthy"|"unhealthy" the last health checks' verdict
---@field health_check? "tcp"|"http"|"exec"|"function"|"watchdog" how its health is checked
---@field probe_message? string the last readiness probe's or health check's message
---@field errno? integer the run's last sd_notify `ERRNO=`
---@field stopping_notified boolean the run sent sd_notify's `STOPPING=1`

---@class ppm.Stats
---@field cpu number percent
---@field rss integer bytes of the process group
---@field pids integer[]

---@class (exact) ppm.BackoffSettings
---@field interval? ppm.Duration first delay (default 1 s)
---@field max? ppm.Duration longest delay (default 60 s)
---@field reset_after? ppm.Duration a run this long resets the crash count (default 10 s)

---The table of `ppm.settings{}`: daemon-wide defaults.
---@class (exact) ppm.Settings
---@field backoff? ppm.BackoffSettings the default policy's timings
---@field stop_timeout? ppm.Duration default seconds between the stop signal and SIGKILL (10)
---@field hook_timeout? ppm.Duration how long one hook may run (default 1 s; a waiting hook: each run between two waits)
---@field decide_timeout? ppm.Duration how long on_exit, a restart policy or on_health may wait in all before the default policy decides (default 30 s)
---@field memory_limit? integer bytes all Lua may use (default 64 MiB, at least 1 MiB)
---@field log_max_size? ppm.Size default rotation size of captured output
---@field log_keep? integer default number of rotated files kept
---@field log_timestamps? boolean default: prefix captured lines with the time
---@field forward? "stdout"|"json"|"journal"|false every service's captured lines also go to the daemon's stdout (`NAME | line`), as JSON Lines, or to journald (syslog without it); `ppm-lua daemon --forward` overrides
---@field watchdog? ppm.Duration seconds the loop may be stuck before the daemon re-executes itself
---@field listen? ppm.ListenSettings the TCP listener (read when the daemon starts; restart it to change)
---@field cgroups? boolean a cgroup v2 per service where the daemon may make them (default true; read when the daemon starts)
---@field metrics? ppm.MetricsSettings the HTTP endpoint for Prometheus (read when the daemon starts; restart it to change)

---`ppm.settings{ listen = ... }`: control from other hosts, authenticated by a shared secret.
---@class (exact) ppm.ListenSettings
---@field address string numeric "IPv4:PORT" or "[IPv6]:PORT" ("[::]:7070": every address; port 0: any free one)
---@field token_file? string the shared secret's file (mode 600), relative to the config's folder: the TLS pre-shared key (required unless cert, key and ca are set)
---@field allow? table<string, string[]> client network (CIDR or address) → commands, "read" (the read-only set) or "repl" (eval); default: "read" from anywhere
---@field max_clients? integer connections held at once (default 64)
---@field idle_timeout? ppm.Duration close a connection silent that long (default 5 m)
---@field tls? boolean false: plaintext with the HMAC challenge, on a loopback address only (default true: TLS 1.3)
---@field cert? string the daemon's certificate (PEM) for mutual TLS, relative to the config's folder
---@field key? string the daemon's private key (PEM) for mutual TLS
---@field ca? string the CA (PEM) that signs the clients' certificates for mutual TLS

---`ppm.settings{ metrics = ... }`: `/metrics` (Prometheus text 0.0.4), `/healthz` and `/readyz` over HTTP.
---@class (exact) ppm.MetricsSettings
---@field address string numeric "IPv4:PORT" or "[IPv6]:PORT" (port 0: any free one; `ppm-lua status` shows it)

---@class ppm.StartOptions
---@field after? ppm.Duration start after this delay

---@class ppm.SpawnOptions
---@field env? table<string, string>
---@field dir? string
---@field stdin? string text written to its standard input
---@field on_exit? fun(ev: ppm.SpawnEvent)
---@field timeout? ppm.Duration past it the helper gets SIGTERM (its process group), SIGKILL after `stop_timeout`

---A timer handle (`ppm.after`, `ppm.every`).
---@class ppm.Timer
---@field id integer
local Timer = {}
---Stops the timer.
function Timer:cancel() end

---A UDP listener handle (`ppm.udp.listen`).
---@class ppm.UDPListener
---@field id integer
local UDPListener = {}
---Stops listening and closes the socket.
function UDPListener:close() end

---A handle returned by the hook plugins (`notify`, `exec_hooks`, `report`).
---@class ppm.HookHandle
local HookHandle = {}
---Removes the plugin's hooks / timers.
function HookHandle:cancel() end

---The `ppm` module (SPEC 5.5), a global in configs, hooks and the REPL.
---@class ppm
---@field version string the daemon's version
---@field config_path? string the config file
---@field home string the daemon's home folder
ppm = {}

---Declares a service (in the config) or adds it live (from a hook or the REPL).
---@param spec ppm.ServiceSpec
function ppm.service(spec) end

---A snapshot of a service, nil if unknown.
---@param name string
---@return ppm.Snapshot?
function ppm.get(name) end

---Every service's snapshot, in declaration order.
---@return ppm.Snapshot[]
function ppm.list() end

---Starts services (a name, `all` or `@group`); returns at once.
---@param name string
---@param options? ppm.StartOptions
function ppm.start(name, options) end

---Stops services (a name, `all` or `@group`); returns at once.
---@param name string
function ppm.stop(name) end

---Restarts services (a name, `all` or `@group`); returns at once.
---@param name string
function ppm.restart(name) end

---Stops services and forgets them.
---@param name string
function ppm.remove(name) end

---Sends a signal, by name ("HUP") or number, to the process group; true if one ran.
---@param name string
---@param signal string|integer
---@return boolean
function ppm.signal(name, signal) end

---Installs a hook for every service; returns a handle for `ppm.off`.
---@param type ppm.EventType|"output"|"*"
---@param fn fun(ev: ppm.Event)|fun(line: string, stream: "out"|"err", svc: ppm.Snapshot) the second form for "output"
---@return integer
function ppm.on(type, fn) end

---Removes a hook `ppm.on` installed; false if it was gone.
---@param handle integer
---@return boolean
function ppm.off(handle) end

---Calls `fn` once after `seconds`.
---@param seconds ppm.Duration
---@param fn fun()
---@return ppm.Timer
function ppm.after(seconds, fn) end

---Calls `fn` every `seconds`.
---@param seconds ppm.Duration
---@param fn fun()
---@return ppm.Timer
function ppm.every(seconds, fn) end

---Runs a helper command unsupervised, without blocking the daemon.
---@param cmd ppm.Command
---@param options? ppm.SpawnOptions
function ppm.spawn(cmd, options) end

---CPU, memory and pids of a service's process group.
---@param name string
---@return ppm.Stats?
function ppm.stats(name) end

---The last `n` journal events (default 20).
---@param n? integer
---@return ppm.JournalEntry[]
function ppm.events(n) end

---Daemon-wide defaults.
---@param settings ppm.Settings
function ppm.settings(settings) end

---Reloads the config, as `ppm-lua reload`.
function ppm.reload() end

---Stops every service and the daemon, as `ppm-lua quit`.
function ppm.shutdown() end

---Says when the services of a scheduling policy first start: `delay(name)`
---returns seconds. Returns the policy.
---@param policy ppm.Policy
---@param delay fun(name: string): number
---@return ppm.Policy
function ppm.first_start(policy, delay) end

---Checks a plugin's options against its declaration `{ NAME = { TYPE, DEFAULT } }`
---(TYPE: number integer duration string boolean table function strings any):
---fills defaults; raises an error at the caller's caller for unknown names or wrong types.
---@param plugin string
---@param given? table
---@param declared table<string|integer, table>
---@return table
function ppm.options(plugin, given, declared) end

---A value as JSON text.
---@param value any
---@return string
function ppm.json(value) end

---The daemon's log (`ppm.log(...)` logs at info).
---@class ppm.log
---@overload fun(...: any)
ppm.log = {}

---@param ... any
function ppm.log.info(...) end

---@param ... any
function ppm.log.warn(...) end

---@param ... any
function ppm.log.error(...) end

---Suspends the calling hook (`on_exit`, restart policies and `on_health` too),
---timer or probe function (it runs as a coroutine) for `seconds`; the daemon
---goes on meanwhile. Not in the config, `eval` or `first_start`, which answer at once.
---@param seconds number
function ppm.sleep(seconds) end

---Checks that suspend the caller, never the daemon (SPEC 9 probes); default timeout 10 s.
---@class ppm.probe
ppm.probe = {}

---A TCP connection to `HOST:PORT` (`[::1]:PORT` for IPv6).
---@param address string
---@param options? {timeout: number?}
---@return boolean ok
---@return string message
function ppm.probe.tcp(address, options) end

---An HTTP/1.1 GET: the status and the body (cut at 64 KiB), or nil and why.
---@param url string `http://HOST:PORT/PATH`
---@param options? {timeout: number?, headers: table<string, string>?}
---@return integer? status
---@return string body_or_error
function ppm.probe.http(url, options) end

---Runs a command (a string through /bin/sh -c, or an array): its exit status and stdout (cut at 64 KiB), or nil and why.
---@param cmd string|string[]
---@param options? {timeout: number?}
---@return integer? status
---@return string stdout_or_error
function ppm.probe.exec(cmd, options) end

---Non-blocking datagrams (`udp://HOST:PORT`).
---@class ppm.udp
ppm.udp = {}

---Sends one datagram; false and a message if it failed.
---@param url string
---@param text string
---@return boolean ok
---@return string? error
function ppm.udp.send(url, text) end

---Calls `fn(text, from)` for each datagram received at `url`.
---@param url string
---@param fn fun(text: string, from: string)
---@return ppm.UDPListener
function ppm.udp.listen(url, fn) end

---Metrics of your own, served on the metrics endpoint beside the daemon's
---(`ppm.settings{ metrics = ... }`). Defining a name again with the same kind,
---labels and buckets returns the same metric: after a reload it keeps its values.
---@class ppm.metric
ppm.metric = {}

---A metric object. Labels are a table `{name = value}` naming every label the
---metric was defined with; they may come first when `n` is left out (`c:inc({kind = "a"})`).
---@class ppm.Metric
---@field id integer
---@field name string
---@field kind "counter"|"gauge"|"histogram"
local Metric = {}
---Counter or gauge: adds `n` (default 1; a counter's `n` must be ≥ 0).
---@param n? number|table<string, string|number>
---@param labels? table<string, string|number>
function Metric:inc(n, labels) end
---Gauge: subtracts `n` (default 1).
---@param n? number|table<string, string|number>
---@param labels? table<string, string|number>
function Metric:dec(n, labels) end
---Gauge: sets the value.
---@param v number
---@param labels? table<string, string|number>
function Metric:set(v, labels) end
---Histogram: records one observation.
---@param v number
---@param labels? table<string, string|number>
function Metric:observe(v, labels) end
---The value (a histogram's count of observations); 0 before the first change.
---@param labels? table<string, string|number>
---@return number
function Metric:get(labels) end

---A counter: a value that only goes up (name it `..._total`).
---@param name string `[a-zA-Z_:][a-zA-Z0-9_:]*`, not starting with `ppm_`
---@param help string shown as `# HELP`
---@param labels? string[] label names
---@return ppm.Metric
function ppm.metric.counter(name, help, labels) end

---A gauge: a value that goes up and down.
---@param name string
---@param help string
---@param labels? string[]
---@return ppm.Metric
function ppm.metric.gauge(name, help, labels) end

---A histogram: observations counted in buckets (default Prometheus's: 0.005 … 10).
---@param name string
---@param help string
---@param labels? string[]
---@param buckets? number[] upper bounds, increasing
---@return ppm.Metric
function ppm.metric.histogram(name, help, labels, buckets) end

-- Bundled plugins (SPEC 5.4): `require(NAME)` returns a constructor. Each
-- plugin file annotates it with its class below (`---@param options
-- ppm.plugins.NAME.Options`): with the plugins folder in `workspace.library`,
-- the editor resolves `require("backoff")` to that file and completes options.

---@class (exact) ppm.plugins.backoff.Options
---@field interval? ppm.Duration the first delay (default 1 s)
---@field max? ppm.Duration the longest delay (default 60 s)
---@field reset_after? ppm.Duration a run at least this long starts a new streak (default 10 s)
---@field always? boolean also restart after a clean exit (default false)

---@class (exact) ppm.plugins.pmtr.Options
---@field status? integer the exit status that means "do not restart me" (default 33)
---@field min_runtime? ppm.Duration a run shorter than this is too fast (default 10 s)
---@field delay? ppm.Duration how long a too-fast job waits (default 10 s)

---@class (exact) ppm.plugins.limit.Options
---@field restarts? integer restarts allowed within the window (default 5)
---@field within? ppm.Duration the window (default 60 s)
---@field policy? ppm.Policy the policy that decides otherwise (default backoff)

---@class (exact) ppm.plugins.periodic.Options
---@field every ppm.Duration seconds between the end of one run and the next start (required)

---@class (exact) ppm.plugins.cron.Options
---@field [1] string the cron expression, five fields or @hourly/@daily… (required)
---@field clock? fun(): number the current unix time (default os.time)

---@class (exact) ppm.plugins.notify.Options
---@field cmd ppm.Command the command; NAME PID RES SIG UTC are replaced (required)
---@field on? ("crash"|"exit"|"start"|"stop"|"spawn_failed"|"fatal")[] events to react to (default {"crash", "fatal"})
---@field services? string|string[] only these services

---@class (exact) ppm.plugins.exec_hooks.Options
---@field on_restart? string program run each time a service starts again
---@field on_failure? string program run when a service fails and is not restarted
---@field services? string|string[] only these services
---@field env? table<string, string> added to the programs' environment

---@class (exact) ppm.plugins.report.Options
---@field to string udp://HOST:PORT to send to (required)
---@field every? ppm.Duration seconds between reports (default 10)

---@class (exact) ppm.plugins.listen.Options
---@field on string udp://HOST:PORT to listen on (required)

---@class ppm.plugins.ListenHandle
local ListenHandle = {}
---Stops listening.
function ListenHandle:close() end


-- `ppm-lua test FILE` adds these globals.

---@class ppm.Expectation
---@field to_be fun(action: ppm.Action)

---Runs `policy` (a function, or the name of a service declared so far) on a
---partial event; `.to_be(action)` checks its answer.
---@param policy ppm.Policy|string
---@param ev table
---@return ppm.Expectation
function expect(policy, ev) end

---Checks that the hooks of the last `expect` called `ppm.<call>(target)`:
---offline, `ppm.start/stop/restart/remove/signal/spawn/shutdown/reload` are
---recorded, not carried out. For `spawn`, target is the command or its first word.
---@param call "start"|"stop"|"restart"|"remove"|"signal"|"spawn"|"shutdown"|"reload"
---@param target? string the service (any when nil)
---@return boolean
function expect_call(call, target) end

---Loads a config (relative to the test file) so its services can be named in `expect`.
---@param path string
function load_config(path) end
