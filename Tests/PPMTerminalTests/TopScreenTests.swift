import PPMTerminal
import Testing

/// `ppm-lua top`'s screen as a value: frames rendered from services at a
/// size, the selection, the filter and the keys' actions; no terminal.
@Suite struct TopScreenTests {
    static let rows = [
        TopRow(name: "api", state: "running", health: "healthy", pid: 101, cpu: 12.5, rss: 15_099_494, uptime: 252, restarts: 2, lastExit: "exit 3"),
        TopRow(name: "db", state: "crashed", pid: nil, restarts: 5, lastExit: "signal KILL"),
        TopRow(name: "web", state: "stopped"),
        TopRow(name: "worker", state: "waiting", restarts: 1),
    ]

    func screen(width: Int = 100, height: Int = 10) -> TopScreen {
        var screen = TopScreen(width: width, height: height)
        screen.rows = Self.rows
        screen.daemonPid = 812
        screen.daemonUptime = 3700
        return screen
    }

    /// The frame as the terminal shows it (escape sequences off).
    func visible(_ screen: TopScreen) -> [String] { screen.frame().map(StyledLine.visible) }

    @Test func aFrameHasTheHeaderEveryServiceAndTheirFiguresAtTheSize() {
        let lines = visible(screen())
        #expect(lines.count == 10)
        #expect(lines.allSatisfy { $0.count == 100 }, "every line covers the width: \(lines.map(\.count))")
        #expect(lines[0].hasPrefix("ppm-lua top · pid 812 · up 1h01m · 4 services: 1 running, 1 waiting, 1 stopped, 1 crashed"), "\(lines[0])")
        #expect(lines[1].hasPrefix("NAME    STATE      HEALTH     PID      CPU%    RSS       UPTIME   RESTARTS  LAST EXIT"), "\(lines[1])")
        let api = lines[2].split(separator: " ").map(String.init)
        #expect(api == ["api", "running", "healthy", "101", "12.5", "14.4M", "4m12s", "2", "exit", "3"], "\(lines[2])")
        #expect(lines[3].hasPrefix("db      crashed    -          -        -       -         -        5         signal KILL"), "\(lines[3])")
        #expect(lines[4].hasPrefix("web     stopped"))
        #expect(lines[5].hasPrefix("worker  waiting"))
        #expect(lines[9].hasPrefix("↑/↓ j/k select · r restart"), "the keys in the footer: \(lines[9])")
    }

    @Test func statesAreColouredAndTheSelectedRowReversed() {
        let frame = screen().frame()
        #expect(frame[2].hasPrefix("\u{1b}[7m"), "the first service is selected: \(frame[2].debugDescription)")
        #expect(frame[2].contains("\u{1b}[32mrunning"), "running is green")
        #expect(frame[3].contains("\u{1b}[31mcrashed"), "crashed is red")
        #expect(frame[5].contains("\u{1b}[33mwaiting"), "waiting is yellow")
        #expect(!frame[3].hasPrefix("\u{1b}[7m"))
    }

    @Test func aNarrowOrShortTerminalGetsAFrameOfItsSize() {
        let lines = visible(screen(width: 40, height: 5))
        #expect(lines.count == 5 && lines.allSatisfy { $0.count == 40 }, "\(lines)")
        // Two rows fit between the heading and the footer; the selection stays visible.
        #expect(lines[2].hasPrefix("api") && lines[3].hasPrefix("db"))
        var s = screen(width: 40, height: 5)
        for _ in 0..<3 { _ = s.handle(.down) }
        let scrolled = visible(s)
        #expect(scrolled[2].hasPrefix("web") && scrolled[3].hasPrefix("worker"), "\(scrolled)")
    }

    @Test func keysMoveTheSelectionAndAskForActionsOnTheSelectedService() {
        var s = screen()
        #expect(s.selected == "api")
        #expect(s.handle(.character("j")) == nil)
        #expect(s.handle(.down) == nil)
        #expect(s.selected == "web")
        #expect(s.handle(.character("r")) == .restart("web"))
        #expect(s.handle(.character("s")) == .start("web"), "a stopped service starts")
        _ = s.handle(.character("k"))
        _ = s.handle(.up)
        #expect(s.selected == "api")
        #expect(s.handle(.character("s")) == .stop("api"), "a running service stops")
        #expect(s.handle(.up) == nil && s.selected == "api", "the selection stops at the top")
        #expect(s.handle(.character("l")) == .logs("api"))
        #expect(s.handle(.character("e")) == .events("api"))
        #expect(s.handle(.character("q")) == .quit)
        #expect(s.handle(.interrupt) == .quit)
    }

    @Test func slashFiltersByNameAndTheSelectionFollows() {
        var s = screen(width: 130)
        _ = s.handle(.character("/"))
        for c in "WOR" { _ = s.handle(.character(c)) }
        #expect(s.editingFilter)
        var lines = visible(s)
        #expect(lines[2].hasPrefix("worker") && lines[3].allSatisfy { $0 == " " }, "\(lines)")
        #expect(lines[9].hasPrefix("/WOR"), "the filter is typed in the footer: \(lines[9])")
        #expect(lines[0].contains("filter /WOR (1 shown)"))
        #expect(s.selected == "worker")
        #expect(s.handle(.character("q")) == nil, "q is typed into the filter, not quit")
        _ = s.handle(.backspace)
        _ = s.handle(.enter)
        #expect(!s.editingFilter && s.filter == "WOR")
        #expect(s.handle(.character("r")) == .restart("worker"))
        _ = s.handle(.escape)
        lines = visible(s)
        #expect(s.filter.isEmpty && lines[2].hasPrefix("api") && lines[5].hasPrefix("worker"))
    }

    @Test func aPaneShowsItsLastLinesAndQGoesBack() {
        var s = screen(height: 5)
        _ = s.handle(.character("l"))
        s.pane = TopPane(title: "logs of api")
        for i in 1...6 { s.pane?.append("line \(i)") }
        s.pane?.append("\u{1b}]52;c;evil\u{07}")
        let lines = visible(s)
        #expect(lines[0].hasPrefix("logs of api  (q back)"))
        #expect(lines[1].hasPrefix("line 5") && lines[2].hasPrefix("line 6"), "\(lines)")
        #expect(lines[3].hasPrefix("\\x1b]52;c;evil\\x07"), "a service's escape sequence is shown, not run: \(lines[3])")
        #expect(s.handle(.character("r")) == nil, "keys of the table do nothing over a pane")
        #expect(s.handle(.character("q")) == .closePane)
        #expect(s.pane == nil && visible(s)[0].hasPrefix("ppm-lua top"))
    }

    @Test func rowsChangingKeepTheSelectionOnTheSameService() {
        var s = screen()
        _ = s.handle(.down)
        #expect(s.selected == "db")
        s.rows = [TopRow(name: "aaa", state: "running")] + Self.rows
        #expect(s.selected == "db")
        s.rows = Self.rows.filter { $0.name != "db" }
        #expect(s.selected == "api", "a removed service's selection goes to the first")
    }

    @Test func keysAreReadFromTheTerminalsBytes() {
        #expect(TopKey.parse(Array("jk/q".utf8)) == [.character("j"), .character("k"), .character("/"), .character("q")])
        #expect(TopKey.parse([27, 91, 65, 27, 91, 66, 27, 79, 65]) == [.up, .down, .up], "xterm and application mode arrows")
        #expect(TopKey.parse([27]) == [.escape])
        #expect(TopKey.parse([3, 13, 127]) == [.interrupt, .enter, .backspace])
        #expect(TopKey.parse([27, 91, 49, 59, 53, 67, 120]) == [.character("x")], "an ignored sequence is dropped whole")
    }

    @Test func onlyChangedLinesAreRewrittenAndAResizeRedrawsAll() {
        var diff = FrameDiff()
        let first = diff.update(to: ["a", "b", "c"])
        #expect(first.hasPrefix("\u{1b}[H\u{1b}[2J") && first.contains("\u{1b}[3;1Hc"))
        #expect(diff.update(to: ["a", "b", "c"]).isEmpty, "nothing changed: nothing is written")
        let second = diff.update(to: ["a", "B", "c"])
        #expect(second == "\u{1b}[2;1HB\u{1b}[0m", "\(second.debugDescription)")
        #expect(diff.update(to: ["a", "B"]).hasPrefix("\u{1b}[H\u{1b}[2J"), "a new height redraws the whole screen")
        diff.invalidate()
        #expect(diff.update(to: ["a", "B"]).contains("\u{1b}[1;1Ha"))
    }
}
