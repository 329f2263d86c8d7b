-- pmtr-network.lua: pmtr's "report to" and "listen on", as the report and
-- listen plugins. Every 10 s a UDP datagram lists the jobs (name, enabled or
-- disabled, state, seconds running); datagrams "disable NAME" / "enable NAME"
-- sent to port 10000 stop and start a job until the next reload.
-- Run it:   ppm-lua daemon -c scripts/examples/pmtr-network.lua
--   watch:  socat -u UDP-RECV:9999 -        (or nc -ul 9999)
--   steer:  echo "disable worker" | socat - UDP-SENDTO:127.0.0.1:10000

ppm.service { name = "worker", cmd = { "/bin/sh", "-c", "while true; do echo working; sleep 3; done" },
              restart = require("pmtr") {} }
ppm.service { name = "nightly", cmd = "/bin/sleep 3600", autostart = false }

require("report") { to = "udp://127.0.0.1:9999", every = 10 }   -- report to udp://127.0.0.1:9999
require("listen") { on = "udp://127.0.0.1:10000" }              -- listen on udp://127.0.0.1:10000
