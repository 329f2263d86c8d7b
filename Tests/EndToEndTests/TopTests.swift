import Foundation
import Testing

/// `ppm-lua top` (SPEC 11) on a real terminal, driven through tmux: what
/// the screen shows, what its keys do, a resize, and the terminal given
/// back on each way out.
@Suite struct TopTests {
    static let config = """
        ppm.service { name = "alpha", cmd = "sleep 1000" }
        ppm.service { name = "beta", cmd = "sleep 1000" }
        ppm.service { name = "gamma", cmd = "sleep 1000" }
        """

    /// A daemon with three services and a 120×30 terminal at a shell prompt.
    func start() throws -> (Sandbox, TerminalDriver) {
        let s = try Sandbox()
        try s.write(Self.config)
        try s.startDaemon()
        #expect(eventually { ["alpha", "beta", "gamma"].allSatisfy { s.state($0) == "running" } })
        let terminal = try TerminalDriver(width: 120, height: 30, dir: s.dir, environment: s.env)
        #expect(eventually(10) { terminal.screen().contains { $0.hasPrefix("top-test$") } }, "the shell's prompt: \(terminal.screen())")
        return (s, terminal)
    }

    /// Runs `top` in the terminal and waits for every service on its screen.
    func runTop(_ terminal: TerminalDriver) {
        terminal.type("\(binary) top")
        terminal.send("Enter")
        #expect(eventually(20) { terminal.alternateScreen && self.row("gamma", terminal.screen()) != nil }, "\(terminal.screen())")
    }

    /// The screen line of service `name`, as its cells.
    func row(_ name: String, _ screen: [String]) -> [String]? {
        screen.lazy.map { $0.split(separator: " ").map(String.init) }.first { $0.first == name }
    }

    /// Whether the shell's prompt is back on a normal screen (last line that has text).
    func promptIsBack(_ terminal: TerminalDriver) -> Bool {
        !terminal.alternateScreen
            && terminal.screen().last { !$0.isEmpty }.map { $0.hasPrefix(TerminalDriver.prompt.trimmingCharacters(in: .whitespaces)) } == true
    }

    @Test(.enabled(if: TerminalDriver.tmux != nil, "tmux is not installed: scripts/ensure-deps.sh --tests installs it"))
    func theScreenListsEveryServiceAndRRestartsTheSelectedOne() throws {
        let (s, terminal) = try start()
        runTop(terminal)
        let screen = terminal.screen()
        #expect(screen[0].contains("3 services: 3 running"), "the header counts: \(screen[0])")
        for name in ["alpha", "beta", "gamma"] {
            let cells = row(name, screen)
            #expect(cells?[1] == "running", "\(name): \(screen)")
            #expect(cells?[3] == s.pid(name).map { "\($0)" }, "its pid is shown")
        }
        // The first row is selected; j moves to beta, r restarts it.
        let before = try #require(s.pid("beta"))
        let alphaBefore = s.pid("alpha")
        terminal.type("j")
        terminal.type("r")
        #expect(eventually { s.pid("beta").map { $0 != before } == true }, "beta got a new process")
        let after = try #require(s.pid("beta"))
        #expect(eventually(10) { self.row("beta", terminal.screen())?[3] == "\(after)" }, "the screen shows the new pid: \(terminal.screen())")
        #expect(s.pid("alpha") == alphaBefore, "only the selected service restarted")
        terminal.type("q")
        #expect(eventually(10) { promptIsBack(terminal) }, "q gives the shell back: \(terminal.screen())")
    }

    @Test(.enabled(if: TerminalDriver.tmux != nil, "tmux is not installed: scripts/ensure-deps.sh --tests installs it"))
    func slashFiltersAndAResizeRedrawsAtTheNewSize() throws {
        let (s, terminal) = try start()
        defer { withExtendedLifetime(s) {} }  // the daemon lives until the end
        runTop(terminal)
        terminal.type("/gam")
        #expect(
            eventually(10) {
                let sc = terminal.screen()
                return row("gamma", sc) != nil && row("alpha", sc) == nil && row("beta", sc) == nil
            },
            "only gamma is listed: \(terminal.screen())")
        terminal.send("Enter")
        terminal.send("Escape")
        #expect(eventually(10) { row("alpha", terminal.screen()) != nil }, "Esc clears the filter")
        #expect(terminal.screen().count == 30 && terminal.screen()[29].hasPrefix("↑/↓ j/k select"), "the footer on the last line")
        terminal.resize(width: 70, height: 12)
        #expect(
            eventually(10) {
                let sc = terminal.screen()
                return sc.count == 12 && sc[11].hasPrefix("↑/↓ j/k select") && sc.allSatisfy { $0.count <= 70 } && row("gamma", sc) != nil
            }, "redrawn at 70×12: \(terminal.screen())")
        terminal.resize(width: 120, height: 30)
        #expect(eventually(10) { terminal.screen().count == 30 && terminal.screen()[29].hasPrefix("↑/↓ j/k select") }, "and back at 120×30")
        terminal.type("q")
        #expect(eventually(10) { promptIsBack(terminal) }, "\(terminal.screen())")
    }

    @Test(.enabled(if: TerminalDriver.tmux != nil, "tmux is not installed: scripts/ensure-deps.sh --tests installs it"))
    func sigtermCtrlCAndTheDaemonsEndRestoreTheTerminal() throws {
        let (s, terminal) = try start()
        runTop(terminal)
        let top = try #require(terminal.shellChildren().first, "top runs under the shell")
        kill(top, SIGTERM)
        #expect(eventually(10) { promptIsBack(terminal) }, "SIGTERM: \(terminal.screen())")
        runTop(terminal)
        terminal.send("C-c")
        #expect(eventually(10) { promptIsBack(terminal) }, "Ctrl-C: \(terminal.screen())")
        runTop(terminal)
        #expect(s.run("quit").status == 0)
        #expect(eventually(20) { promptIsBack(terminal) }, "the daemon's end: \(terminal.screen())")
        #expect(terminal.screen().contains { $0.contains("ppm-lua: the daemon went away") }, "\(terminal.screen())")
    }

    @Test func offATerminalItRefusesInOneLine() throws {
        let s = try Sandbox()
        try s.write(Self.config)
        try s.startDaemon()
        let out = s.run("top")
        #expect(out.status == 1)
        #expect(out.stderr.hasPrefix("ppm-lua: top needs a terminal") && out.stderr.split(separator: "\n").count == 1, "\(out.stderr)")
        #expect(out.stdout.isEmpty)
    }
}
