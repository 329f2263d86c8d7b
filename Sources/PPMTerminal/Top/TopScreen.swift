/// What `ppm-lua top` shows, as a value: the services, the selection, the
/// filter and the pane over them (a log or the journal), and the frame
/// these make at a given size. Keys change it and may ask for an action;
/// nothing here touches a terminal, so a test renders frames from data.
package struct TopScreen {
    /// Every service, in the order shown (by name).
    package var rows: [TopRow] = [] {
        didSet { keepSelection() }
    }
    /// The daemon's pid, for the header.
    package var daemonPid: Int32?
    /// The daemon's uptime in seconds, for the header.
    package var daemonUptime: Double?
    /// Only services whose name contains this (any case) are listed.
    package private(set) var filter = ""
    /// Whether keys type into the filter (after `/`, until Enter or Esc).
    package private(set) var editingFilter = false
    /// The selected service's name.
    package private(set) var selected: String?
    /// A line for the footer (the outcome of the last action); cleared by the next key.
    package var message: String?
    /// A log or the journal shown over the table (`l`, `e`), when open.
    package var pane: TopPane?
    /// The terminal's size in columns and lines.
    package var width: Int
    package var height: Int

    /// An empty screen of this size.
    package init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// What a key asks of the session beyond changing the screen.
    package enum Action: Equatable, Sendable {
        case quit
        case restart(String)
        case stop(String)
        case start(String)
        case logs(String)
        case events(String)
        /// The pane was closed: its stream can end.
        case closePane
    }

    /// The rows the filter lets through.
    package var shown: [TopRow] {
        filter.isEmpty ? rows : rows.filter { $0.name.lowercased().contains(filter.lowercased()) }
    }

    /// Applies `key`; returns what the session must do (nil: only redraw).
    package mutating func handle(_ key: TopKey) -> Action? {
        if key == .interrupt { return .quit }
        message = nil
        if editingFilter { return editFilter(key) }
        if pane != nil {
            if key == .character("q") || key == .escape {
                pane = nil
                return .closePane
            }
            return nil
        }
        switch key {
        case .up, .character("k"): move(by: -1)
        case .down, .character("j"): move(by: 1)
        case .character("q"): return .quit
        case .character("/"): editingFilter = true
        case .escape:
            filter = ""
            keepSelection()
        case .character("r"): return selected.map(Action.restart)
        case .character("s"):
            guard let row = selectedRow else { return nil }
            return Self.isUp(row.state) ? .stop(row.name) : .start(row.name)
        case .character("l"): return selected.map(Action.logs)
        case .character("e"): return selected.map(Action.events)
        default: break
        }
        return nil
    }

    /// Whether `s` on a service in `state` stops it (else it starts it).
    static func isUp(_ state: String) -> Bool {
        ["running", "waiting", "paused", "created"].contains(state)
    }

    private var selectedRow: TopRow? { shown.first { $0.name == selected } }

    private mutating func editFilter(_ key: TopKey) -> Action? {
        switch key {
        case .enter: editingFilter = false
        case .escape:
            editingFilter = false
            filter = ""
        case .backspace: if !filter.isEmpty { filter.removeLast() }
        case .character(let c): filter.append(c)
        default: break
        }
        keepSelection()
        return nil
    }

    private mutating func move(by step: Int) {
        let names = shown.map(\.name)
        guard !names.isEmpty else { return }
        let at = selected.flatMap { names.firstIndex(of: $0) } ?? 0
        selected = names[max(0, min(names.count - 1, at + step))]
    }

    /// Keeps the selection on a listed service (the first, when it left the list).
    private mutating func keepSelection() {
        let names = shown.map(\.name)
        if let selected, names.contains(selected) { return }
        selected = names.first
    }

    /// The frame: `height` lines of exactly `width` visible characters.
    package func frame() -> [String] {
        guard width > 0, height > 0 else { return [] }
        var lines: [String]
        if let pane {
            lines = [header(pane.title + "  (q back)").rendered(width: width)]
            let room = max(0, height - 2)
            lines += pane.lines.suffix(room).map { line in
                var l = StyledLine()
                l.add(line)
                return l.rendered(width: width)
            }
        } else {
            lines = [header(summary()).rendered(width: width), TopTable.heading(width: width, rows: shown).rendered(width: width)]
            let list = shown
            let room = max(0, height - 3)
            let at = selected.flatMap { name in list.firstIndex { $0.name == name } } ?? 0
            let first = at < room ? 0 : at - room + 1
            for row in list.dropFirst(first).prefix(room) {
                lines.append(TopTable.line(row, width: width, rows: list).rendered(width: width, reversed: row.name == selected))
            }
        }
        while lines.count < height - 1 { lines.append(StyledLine().rendered(width: width)) }
        lines = Array(lines.prefix(height - 1))
        lines.append(footer().rendered(width: width))
        return Array(lines.suffix(height))
    }

    private func header(_ text: String) -> StyledLine {
        var line = StyledLine()
        line.add(text, .bold)
        return line
    }

    /// `ppm-lua top · pid 812 · up 4m12s · 12 services: 10 running, 1 crashed, 1 stopped`.
    func summary() -> String {
        var counts: [String: Int] = [:]
        for row in rows { counts[row.state, default: 0] += 1 }
        let order = ["running", "waiting", "created", "paused", "stopping", "stopped", "finished", "crashed", "fatal", "disabled"]
        let known = order.filter { counts[$0] != nil } + counts.keys.filter { !order.contains($0) }.sorted()
        let parts = known.map { "\(counts[$0]!) \($0)" }.joined(separator: ", ")
        var text = "ppm-lua top"
        if let daemonPid { text += " · pid \(daemonPid)" }
        if let daemonUptime { text += " · up \(TopTable.duration(daemonUptime))" }
        text += " · \(rows.count) service\(rows.count == 1 ? "" : "s")"
        if !parts.isEmpty { text += ": " + parts }
        if !filter.isEmpty { text += " · filter /\(filter) (\(shown.count) shown)" }
        return text
    }

    private func footer() -> StyledLine {
        var line = StyledLine()
        if editingFilter {
            line.add("/" + filter + "▏")
            line.add("   Enter keep · Esc clear", .dim)
        } else if let message {
            line.add(message)
        } else if pane != nil {
            line.add("q back · Ctrl-C quit", .dim)
        } else {
            line.add("↑/↓ j/k select · r restart · s stop/start · l logs · e events · / filter · q quit", .dim)
        }
        return line
    }
}

/// A text shown over the table: a service's log or its events, followed.
package struct TopPane: Equatable, Sendable {
    /// The title line: `logs of web`.
    package var title: String
    /// The lines so far, oldest first (the last `limit` are kept).
    package private(set) var lines: [String] = []
    /// Lines kept.
    package static let limit = 1000

    /// An empty pane titled `title`.
    package init(title: String) { self.title = title }

    /// Appends a line (made visible: a service's escape sequences are shown, not run).
    package mutating func append(_ line: String) {
        lines.append(TerminalText.visible(line))
        if lines.count > Self.limit { lines.removeFirst(lines.count - Self.limit) }
    }
}
