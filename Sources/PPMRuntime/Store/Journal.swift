package import Dispatch
import PPMMachine

/// The event journal: the last `capacity` entries in memory, appended to a
/// JSON Lines file that is compacted to those entries when it grows past
/// `maxFileBytes`. Observers see every new entry (`events -f`). The loop
/// writes every entry (`SupervisorLoop.record`); others only read.
///
/// Entries are kept as their JSON line (about 200 bytes; as values they
/// took 600: a thousand services' start events were half a megabyte) and
/// read back when asked for.
///
/// Recording costs the same whatever the journal holds: the memory copy is
/// trimmed in batches, and the file is written on a background queue (the
/// appends and the rare compaction alike, in order). A write that fails (a
/// full disk) leaves no torn line; once writing works again the file is
/// rewritten from the kept entries, so those recorded meanwhile are there.
///
/// `@unchecked Sendable`: confined to the daemon's loop queue, where the
/// file's answers are delivered too.
package final class Journal: @unchecked Sendable {
    package let capacity: Int
    /// One kept entry: its service (to filter without reading it) and its line.
    private struct Stored {
        var seq: Int64
        var name: String?
        var line: String
    }

    private var entries: [Stored] = []
    private var nextSeq: Int64 = 1
    private let file: BackgroundFile?
    private let maxFileBytes: Int
    private var fileBytes = 0
    private var observers: [Int: (JournalEntry) -> Void] = [:]
    private var nextObserver = 0
    /// Why writing the file fails now (nil: it works).
    package private(set) var problem: WriteFailure?
    /// Told when writing starts failing (with why) and when it works again (nil).
    package var onProblem: ((WriteFailure?) -> Void)?
    /// What was repaired at start: the bytes of a torn last line cut off,
    /// and the lines that did not parse (the file was rewritten without them).
    package private(set) var repaired: (tornBytes: Int, badLines: Int) = (0, 0)

    /// A journal persisted at `path` (nil: memory only); earlier entries of
    /// the file are loaded so that `seq` keeps growing across restarts. A
    /// torn last line is cut off, and a file with lines that do not parse is
    /// rewritten without them. `queue` is where the file's answers run (the
    /// daemon's loop; nil: on the writing queue).
    package init(path: String?, capacity: Int = 1000, maxFileBytes: Int = 1 << 20, queue: DispatchQueue? = nil) {
        file = path.map { BackgroundFile(path: $0, label: "ppm-lua.journal", callbackQueue: queue) }
        self.capacity = capacity
        self.maxFileBytes = maxFileBytes
        file?.onFailure = { [weak self] in self?.writeFailed($0) }
        file?.onRecovery = { [weak self] in self?.writeRecovered() }
        guard let path else { return }
        repaired.tornBytes = BackgroundFile.cutTornTail(path)
        guard let text = FileContents.read(path) else { return }
        fileBytes = text.utf8.count
        var bad = 0
        for line in text.split(separator: "\n") {
            if let json = try? JSONValue.parse(String(line)), let entry = JournalEntry(json: json) {
                entries.append(Stored(seq: entry.seq, name: entry.name, line: entry.json.text))
                nextSeq = max(nextSeq, entry.seq + 1)
            } else {
                bad += 1
            }
        }
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        repaired.badLines = bad
        if bad > 0 { rewrite(wait: true) }
    }

    /// Appends `note` at `time` (its own time wins) with the next `seq` and
    /// its `utc` (SPEC 5.2), and returns the entry. Called by the loop alone
    /// (`SupervisorLoop`), so every entry is numbered and stamped in one place.
    @discardableResult
    func record(_ note: JournalNote, at time: Double) -> JournalEntry {
        let time = note.time ?? time
        var fields = note.fields
        fields["utc"] = .string(ServiceEvent.utc(time))
        let entry = JournalEntry(seq: nextSeq, time: time, type: note.type, name: note.name, fields: fields)
        nextSeq += 1
        let line = entry.json.text
        entries.append(Stored(seq: entry.seq, name: note.name, line: line))
        if entries.count >= 2 * capacity { entries.removeFirst(entries.count - capacity) }
        persist(line)
        for observer in observers.values { observer(entry) }
        return entry
    }

    /// The last `count` entries, optionally of one service, oldest first.
    package func last(_ count: Int, name: String? = nil) -> [JournalEntry] {
        lastLines(count, name: name).compactMap { line in (try? JSONValue.parse(line)).flatMap(JournalEntry.init(json:)) }
    }

    /// The same entries as their JSON text (as written to the file).
    package func lastLines(_ count: Int, name: String? = nil) -> [String] {
        let kept = entries.suffix(capacity)
        guard let name else { return kept.suffix(max(0, count)).map(\.line) }
        return kept.filter { $0.name == name }.suffix(max(0, count)).map(\.line)
    }

    /// The kept entries after `seq` (of `name` only, if given), oldest first:
    /// what a follower that saw `seq` last has missed.
    package func lines(after seq: Int64, name: String? = nil) -> [String] {
        entries.suffix(capacity).filter { $0.seq > seq && (name == nil || $0.name == name) }.map(\.line)
    }

    /// Whether an entry of `name` is kept.
    package func mentions(_ name: String) -> Bool {
        entries.suffix(capacity).contains { $0.name == name }
    }

    /// Calls `observer` for every new entry until `removeObserver`.
    package func addObserver(_ observer: @escaping (JournalEntry) -> Void) -> Int {
        nextObserver += 1
        observers[nextObserver] = observer
        return nextObserver
    }

    package func removeObserver(_ id: Int) { observers[id] = nil }

    /// Waits until every line recorded so far is written.
    package func sync() { file?.drain() }

    deinit { file?.drain() }

    private func persist(_ text: String) {
        guard let file else { return }
        let line = text + "\n"
        if fileBytes + line.utf8.count > maxFileBytes {
            rewrite(wait: false)
        } else {
            fileBytes += line.utf8.count
            file.append(line)
        }
    }

    /// Replaces the file with the kept entries.
    private func rewrite(wait: Bool) {
        let all = entries.suffix(capacity).map { $0.line + "\n" }.joined()
        fileBytes = all.utf8.count
        file?.replace(with: all, sync: false, wait: wait)
    }

    /// Those who listen hear of the first failure of a series.
    private func writeFailed(_ failure: WriteFailure) {
        guard problem == nil else { return }
        problem = failure
        onProblem?(failure)
    }

    /// Writing works again: the entries recorded meanwhile are written now.
    private func writeRecovered() {
        problem = nil
        onProblem?(nil)
        rewrite(wait: false)
    }
}
