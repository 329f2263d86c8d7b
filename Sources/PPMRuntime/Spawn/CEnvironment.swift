import CSystem
import Glibc

/// The base environment as C strings ("NAME=value"), sorted by name, built
/// once per `LinuxSpawner.baseEnvironment` and shared by every prepared
/// command: a command's envp points into these strings instead of copying them.
final class CEnvironment {
    /// The variables, as given.
    let values: [String: String]
    /// Names in sorted order, and their "NAME=value" strings in the same order.
    let names: [String]
    let strings: [UnsafeMutablePointer<CChar>]

    init(_ values: [String: String]) {
        self.values = values
        names = values.keys.sorted()
        strings = names.map { strdup("\($0)=\(values[$0]!)")! }
    }

    deinit { for s in strings { free(s) } }
}
