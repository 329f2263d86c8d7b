import LuaKit
import PPMMachineTesting
import Testing

@testable import PPMScript

/// Runs `code` (a chunk that returns a policy's answer) in a config's
/// state; tables come back as "restart after N".
func answer(_ host: ConfigLoader, _ code: String) throws -> String {
    let values = try host.lua.run(
        """
        local a = (function() \(code) end)()
        if type(a) == "table" then return a.action .. (a.after and (" after " .. a.after) or "") end
        return tostring(a)
        """, chunkName: "=t")
    return values.first?.stringValue ?? "?"
}

/// The bundled policies against synthetic event tables.
@Suite struct PluginPolicyTests {
    @Test func pmtrRestartsEveryExitButStatus33AndDelaysQuickOnes() throws {
        let host = try load("p = require('pmtr'){}  q = require('pmtr'){ status = 7, min_runtime = '1m', delay = '500ms' }")
        #expect(try answer(host, "return p({ type = 'exit', result = 33, runtime = 50 })") == "stop")
        #expect(try answer(host, "return p({ type = 'exit', result = 0, runtime = 3 })") == "restart after 10.0")
        #expect(try answer(host, "return p({ type = 'exit', result = 1, runtime = 10 })") == "restart")
        #expect(try answer(host, "return p({ type = 'exit', signal = 9, runtime = 50 })") == "restart")
        #expect(try answer(host, "return q({ type = 'exit', result = 33, runtime = 30 })") == "restart after 0.5")
        #expect(try answer(host, "return q({ type = 'exit', result = 7, runtime = 1 })") == "stop")
    }

    @Test func limitTurnsTooManyRestartsIntoFatal() throws {
        let host = try load(
            """
            p = require('limit'){ restarts = 2, within = 60, policy = require('pmtr'){ delay = 1 } }
            function exit(name, t) return p({ type = 'exit', name = name, result = 1, runtime = 1, crashes = 1, time = t }) end
            """)
        #expect(try answer(host, "return exit('a', 1000)") == "restart after 1.0")
        #expect(try answer(host, "return exit('b', 1001)") == "restart after 1.0")  // counted per service
        #expect(try answer(host, "return exit('a', 1010)") == "restart after 1.0")
        #expect(try answer(host, "return exit('a', 1020)") == "fatal")
        #expect(try answer(host, "return exit('c', 0)") == "restart after 1.0")
        #expect(try answer(host, "return exit('c', 100)") == "restart after 1.0")  // outside the window
        #expect(try answer(host, "return exit('c', 200)") == "restart after 1.0")
        #expect(try answer(host, "return p({ type = 'exit', name = 'd', result = 33, runtime = 1, time = 0 })") == "stop")
        let defaulted = try load("p = require('limit'){ restarts = 1 }")
        #expect(try answer(defaulted, "return p({ type = 'exit', name = 'a', result = 0, outcome = 'finished', runtime = 1, time = 0 })") == "stop")
        #expect(
            try answer(defaulted, "return p({ type = 'exit', name = 'a', result = 1, outcome = 'crashed', crashes = 2, runtime = 1, time = 0 })")
                == "restart after 2.0")
        #expect(
            try answer(defaulted, "return p({ type = 'exit', name = 'a', result = 1, outcome = 'crashed', crashes = 3, runtime = 1, time = 1 })")
                == "fatal")
    }

    @Test func periodicStartsAgainAfterEveryExit() throws {
        let host = try load("p = require('periodic'){ every = '2m' }")
        #expect(try answer(host, "return p({ type = 'exit', result = 0, runtime = 1 })") == "restart after 120.0")
        #expect(try answer(host, "return p({ type = 'exit', signal = 9, runtime = 1 })") == "restart after 120.0")
        #expect(configError("require('periodic'){}").contains("periodic: option 'every' is required"))
    }

    @Test func cronWaitsForTheNextDueMinute() throws {
        let host = try load(
            """
            local function at(y, mo, d, h, mi, s) return os.time({ year = y, month = mo, day = d, hour = h, min = mi, sec = s }) end
            T = at(2026, 11, 23, 10, 2, 30)       -- a Monday
            five = require('cron'){ '*/5 * * * *' }
            weekdays = require('cron'){ '30 2 * * mon-fri' }
            listed = require('cron'){ '0,20-22 9 1 jan,jul *' }
            hourly = require('cron'){ '@hourly' }
            FRIDAY = at(2026, 11, 27, 10, 0, 0)
            MONDAY_0230 = at(2026, 11, 30, 2, 30, 0)
            JAN_0900 = at(2027, 1, 1, 9, 0, 0)
            """)
        #expect(try answer(host, "return five({ type = 'exit', time = T })") == "restart after 150")
        #expect(try answer(host, "return five({ type = 'exit', time = T + 150 })") == "restart after 300")  // not the minute it ran in
        #expect(try answer(host, "return hourly({ type = 'exit', time = T })") == "restart after 3450")
        #expect(try answer(host, "local a = weekdays({ type = 'exit', time = FRIDAY }) return a.after == MONDAY_0230 - FRIDAY") == "true")
        #expect(try answer(host, "local a = listed({ type = 'exit', time = T }) return a.after == JAN_0900 - T") == "true")
        // A schedule's wait, not a restart (`ls`: "scheduled, next HH:MM:SS"; not counted in restarts).
        #expect(try answer(host, "return five({ type = 'exit', time = T }).scheduled") == "true")
    }

    @Test func cronNamesAWrongExpression() {
        #expect(configError("require('cron'){ '61 * * * *' }").contains("cron: '61 * * * *': minute field: '61' is not a minute (0-59)"))
        #expect(configError("require('cron'){ '* * * *' }").contains("must have five fields"))
        #expect(configError("require('cron'){ '* * * foo *' }").contains("month field: 'foo' is not a month"))
        #expect(configError("require('cron'){ '5-1 * * * *' }").contains("range '5-1' runs backwards"))
        #expect(configError("require('cron'){ '*/0 * * * *' }").contains("step '*/0' must be at least 1"))
        #expect(configError("require('cron'){ '0 0 30 2 *' }").contains("is never due"))
        #expect(configError("require('cron'){}").contains("cron: the expression is required"))
        #expect(configError("\n\nrequire('cron'){ 'x' }").hasPrefix("ppm.lua:3: cron:"))
    }

    @Test func cronServicesWaitForTheirFirstDueMinute() throws {
        let rig = try ScriptRig(
            """
            local now = os.time({ year = 2026, month = 11, day = 23, hour = 10, min = 2, sec = 30 })
            local clock = function() return now end
            ppm.service { name = "later", cmd = "/bin/a", restart = require('cron'){ '*/5 * * * *', clock = clock } }
            ppm.service { name = "due", cmd = "/bin/b", restart = require('cron'){ '2 * * * *', clock = clock } }
            ppm.service { name = "off", cmd = "/bin/c", autostart = false, restart = require('cron'){ '* * * * *', clock = clock } }
            """)
        #expect(rig.state("later") == .waiting)
        #expect(rig.clock.pending == [150])
        #expect(rig.state("due") == .running)
        #expect(rig.state("off") == .stopped)
        rig.clock.advance(150)
        #expect(rig.state("later") == .running)
    }

    @Test func pluginOptionsAreChecked() {
        #expect(configError("require('backoff'){ intervall = 2 }").contains("backoff: unknown option 'intervall' (did you mean 'interval'?)"))
        #expect(configError("require('pmtr'){ status = 'x' }").contains("pmtr: option 'status' must be an integer, got string"))
        #expect(configError("require('limit'){ within = '5 parsecs' }").contains("limit: option 'within' is not a duration"))
        #expect(configError("require('notify'){ cmd = 'x', on = { 'crashed' } }").contains("notify: unknown event 'crashed'"))
        #expect(configError("require('report'){ to = 'udp://example.com:9' }").contains("report: option 'to' must be udp://HOST:PORT"))
        #expect(configError("require('listen'){}").contains("listen: option 'on' must be udp://HOST:PORT"))
        #expect(configError("require('exec_hooks'){}").contains("exec_hooks: give on_restart, on_failure or both"))
        #expect(configError("\nrequire('backoff')(5)").hasPrefix("ppm.lua:2: backoff: options must be a table"))
    }

    @Test func udpAddressesAreCheckedWhenUsed() {
        #expect(configError("ppm.udp.send('tcp://1.2.3.4:5', 'x')").contains("'tcp://1.2.3.4:5' is not a udp://HOST:PORT address"))
        #expect(configError("ppm.udp.listen('udp://example.org:5', print)").contains("is not a numeric IP address"))
        #expect(configError("ppm.udp.listen('udp://127.0.0.1:99999', print)").contains("the port must be a number"))
    }
}
