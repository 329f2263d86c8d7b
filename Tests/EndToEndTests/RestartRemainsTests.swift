import Foundation
import Glibc
import Testing

/// A restart never runs next to the remains of the last run (#29.8): what
/// the leader left (a grandchild ignoring SIGTERM) is ended first, SIGKILL
/// after `stop_timeout`, and the next run starts only once it is gone.
struct RestartRemainsTests {
    @Test func theNextRunWaitsUntilATermIgnoringGrandchildIsGone() throws {
        let box = try Sandbox()
        // The first run leaves a grandchild that ignores SIGTERM and crashes;
        // the second notes whether that grandchild is still there.
        let script = """
            if [ -e ran ]; then if kill -0 $(cat grandchild.pid) 2>/dev/null; then echo overlap > overlap; fi; \
            touch second; exec /bin/sleep 1000; fi; \
            touch ran; /bin/sh -c 'trap "" TERM; echo $$ > grandchild.pid; while :; do /bin/sleep 0.1; done' & \
            while [ ! -s grandchild.pid ]; do /bin/sleep 0.05; done; exit 1
            """
        try box.write(
            """
            ppm.settings { backoff = { interval = 0.1 } }
            ppm.service { name = "leaver", dir = "\(box.dir)", stop_timeout = 3, cmd = { "/bin/sh", "-c", [[\(script)]] } }
            """)
        try box.startDaemon()
        #expect(eventually { FileManager.default.fileExists(atPath: box.dir + "/second") }, "the service runs again")
        #expect(!FileManager.default.fileExists(atPath: box.dir + "/overlap"), "the second run started next to the first one's grandchild")
        let grandchild = try #require(pidFile(box.dir + "/grandchild.pid"))
        #expect(!alive(grandchild))
        // The wait is stop_timeout (SIGKILL), not the backoff: the runs are 3 s apart.
        let events = box.events("leaver")
        let exit = events.first { $0["type"] as? String == "exit" }?["time"] as? Double
        let starts = events.filter { $0["type"] as? String == "start" }.compactMap { $0["time"] as? Double }
        if let exit, let second = starts.last { #expect(second - exit >= 2.9) }
    }
}
