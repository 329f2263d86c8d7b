import Foundation
import Testing

/// `ppm-lua import --from systemd` (SPEC 10) end to end: three units — a
/// `Type=notify` daemon with `WatchdogSec`, a `Type=oneshot` setup unit the
/// app requires, and the app with `EnvironmentFile`, `ExecStartPre`,
/// `ExecStopPost`, `KillSignal`, `TimeoutStopSec`, `MemoryMax`, `LimitNOFILE` — imported,
/// checked and run.
@Suite struct SystemdImportEndToEndTests {
    private func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    @Test func threeUnitsImportCheckAndRun() throws {
        let box = try Sandbox()
        let units = box.dir + "/units"
        try FileManager.default.createDirectory(atPath: units, withIntermediateDirectories: true)
        let d = box.dir
        try box.write("#!/bin/sh\necho \"$GREETING|$1|$FROM_FILE\" > \(d)/app.out\nexec sleep 1000\n", to: "app.sh")
        chmod(d + "/app.sh", 0o755)
        try box.write("# settings\nexport FROM_FILE=\"read at start\"\n", to: "app.env")
        try box.write(
            """
            [Unit]
            Description=Prepare the app's folder
            [Service]
            Type=oneshot
            RemainAfterExit=yes
            ExecStart=/bin/sh -c 'echo done > \(d)/setup.out'
            """, to: "units/setup.service")
        try box.write(
            """
            [Unit]
            Description=A daemon that talks sd_notify
            [Service]
            Type=notify
            WatchdogSec=10s
            ExecStart=/bin/sleep 1000
            Restart=on-failure
            """, to: "units/notifier.service")
        try box.write(
            """
            [Unit]
            Description=The app
            Requires=setup.service notifier.service
            After=setup.service notifier.service network.target
            [Service]
            Environment=GREETING=hello PORT=8080
            EnvironmentFile=\(d)/app.env
            EnvironmentFile=-\(d)/missing.env
            ExecStartPre=/bin/sh -c 'echo "$GREETING" > \(d)/pre.out'
            ExecStart=\(d)/app.sh ${PORT}
            ExecStopPost=/bin/sh -c 'echo $EXIT_STATUS > \(d)/post.out'
            KillSignal=SIGINT
            TimeoutStopSec=5s
            MemoryMax=512M
            LimitNOFILE=1024
            Restart=always
            [Install]
            WantedBy=multi-user.target
            """, to: "units/app.service")

        let out = box.run("import", "--from", "systemd", units + "/app.service", units + "/notifier.service", units + "/setup.service")
        #expect(out.status == 0, "\(out.stderr)")
        for kept in [
            "notifier.service:4: not translated: [Service] Type=notify", "notifier.service:5: not translated: [Service] WatchdogSec=10s",
        ] {
            #expect(out.stderr.contains("ppm-lua: \(units)/\(kept)"), "\(out.stderr)")
        }
        #expect(!out.stderr.contains("MemoryMax") && out.stdout.contains(#"memory_max = "512M","#), "\(out.stdout)")
        try box.write(out.stdout)
        let check = box.run("check", box.config)
        #expect(check.status == 0, "\(check.stderr)\n\(out.stdout)")
        // The folder form gives the same services.
        #expect(box.run("import", units).stdout.contains(#"name = "setup""#))

        try box.startDaemon()
        #expect(
            eventually { box.state("setup") == "finished" && box.state("app") == "running" && box.state("notifier") == "running" },
            "\(box.services())")
        #expect(read(d + "/setup.out") == "done\n")
        #expect(read(d + "/pre.out") == "hello\n")  // ExecStartPre, in the unit's environment
        #expect(eventually { read(d + "/app.out") == "hello|8080|read at start\n" }, "\(read(d + "/app.out"))")
        let app = try #require(box.pid("app"))
        #expect(box.run("show", "app").stdout.contains("limits     memory_max 512M"))
        let limits = read("/proc/\(app)/limits").split(separator: "\n").first { $0.hasPrefix("Max open files") } ?? ""
        #expect(limits.split(separator: " ", omittingEmptySubsequences: true).suffix(3).prefix(2) == ["1024", "1024"], "\(limits)")
        // KillSignal=SIGINT ends it; what requires nothing stays.
        #expect(box.run("stop", "app").status == 0)
        #expect(!alive(app))
        #expect(read(d + "/post.out") == "INT\n")  // ExecStopPost, once it ended
        #expect(box.events("app").contains { $0["type"] as? String == "exit" && $0["signal"] as? Int == 2 }, "\(box.events("app"))")
        #expect(box.state("notifier") == "running")
    }
}
