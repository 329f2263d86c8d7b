import LuaKit
import PPMMachine

/// What the control calls of hooks (`ppm.start`, `ppm.stop`, `ppm.restart`,
/// `ppm.remove`, `ppm.signal`, `ppm.spawn`, `ppm.shutdown`, `ppm.reload`)
/// did while no daemon runs (`ppm-lua test`): each is recorded, in order,
/// instead of acting, so a test can expect it.
package final class OfflineCalls {
    /// One recorded call: `ppm.<call>(target, extra...)`.
    package struct Call: Equatable, Sendable {
        /// The function's name after `ppm.`, e.g. `"start"`.
        package var call: String
        /// The service named (as resolved: one per service of `all` or
        /// `@group`), or for `spawn` the command's words joined by spaces.
        package var target: String
        /// The other arguments, printed (`after = 5`, the signal's name).
        package var extra: [String]

        /// `ppm.start("web")`, `ppm.signal("web", "HUP")`.
        package var text: String {
            let args = ([target.isEmpty ? nil : LuaLiteral.string(target)].compactMap { $0 } + extra).joined(separator: ", ")
            return "ppm.\(call)(\(args))"
        }
    }

    /// Every call recorded since the last `take()`.
    package private(set) var pending: [Call] = []

    package init() {}

    /// Records a call.
    func record(_ call: String, _ target: String, _ extra: [String] = []) {
        pending.append(Call(call: call, target: target, extra: extra))
    }

    /// Hands over the calls recorded so far and starts a new list.
    package func take() -> [Call] {
        defer { pending = [] }
        return pending
    }

    /// The services `word` names among `declared` (a name, `all` or
    /// `@group`), as the daemon would resolve it; nil when none.
    static func resolve(_ word: String, in declared: [ServiceSpec]) -> [String]? {
        if word == "all" { return declared.map(\.name) }
        if word.hasPrefix("@") {
            let group = String(word.dropFirst())
            let members = declared.filter { $0.groups.contains(group) }.map(\.name)
            return members.isEmpty ? nil : members
        }
        return declared.contains { $0.name == word } ? [word] : nil
    }
}
