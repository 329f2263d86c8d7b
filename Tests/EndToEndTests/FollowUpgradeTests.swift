import Foundation
import Glibc
import TestProcesses
import Testing

/// `events -f` and `logs -f` follow on across an `upgrade` (#29.9): the
/// daemon re-executes in place and hangs up; they connect again and resume
/// after the last event and line they printed, none lost or repeated.
struct FollowUpgradeTests {
    /// Starts `ppm-lua ARGS…` writing to `file` in the sandbox.
    func follow(_ box: Sandbox, _ args: [String], into file: String) throws -> TestProcess {
        FileManager.default.createFile(atPath: box.dir + "/" + file, contents: nil)
        return try box.launch(args, stdout: FileHandle(forWritingAtPath: box.dir + "/" + file)!, stderr: FileHandle.nullDevice)
    }

    func text(_ box: Sandbox, _ file: String) -> String {
        (try? String(contentsOfFile: box.dir + "/" + file, encoding: .utf8)) ?? ""
    }

    @Test func followersResumeAfterAnUpgrade() throws {
        let box = try Sandbox()
        try box.write(
            """
            ppm.service { name = "tick", cmd = { "/bin/sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done" } }
            ppm.service { name = "later", cmd = { "/bin/sleep", "1000" }, autostart = false }
            """)
        try box.startDaemon()
        let events = try follow(box, ["events", "-f", "--json", "-n", "1"], into: "events.out")
        let logs = try follow(box, ["logs", "tick", "-f", "-n", "0"], into: "logs.out")
        defer { [events, logs].filter(\.isRunning).forEach { kill($0.processIdentifier, SIGKILL) } }
        #expect(eventually { text(box, "logs.out").split(separator: "\n").count > 20 })
        let upgrade = box.run("upgrade")
        #expect(upgrade.status == 0, "\(upgrade.stderr)")
        #expect(box.run("start", "later").status == 0)
        #expect(eventually { text(box, "events.out").contains("\"later\"") }, "events -f shows what happened after the upgrade")
        let before = text(box, "logs.out").split(separator: "\n").count
        #expect(eventually { text(box, "logs.out").split(separator: "\n").count > before + 50 }, "logs -f goes on")
        #expect(events.isRunning && logs.isRunning)
        // Every line once, in order: nothing lost or repeated across the hang-up.
        let numbers = text(box, "logs.out").split(separator: "\n").dropLast().compactMap { Int($0) }
        #expect(
            zip(numbers, numbers.dropFirst()).allSatisfy { $1 == $0 + 1 }, "lines \(numbers.first ?? 0)…\(numbers.last ?? 0) have gaps or repeats")
        let seqs = text(box, "events.out").split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["seq"] as? Int
        }
        #expect(seqs == Array(Set(seqs)).sorted(), "events in order, none twice")
    }
}
