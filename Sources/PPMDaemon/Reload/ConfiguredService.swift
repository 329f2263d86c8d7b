import PPMCore

/// A service the config declared, as the last load saw it. A class: the
/// table of a thousand services holds a reference each, not a spec each
/// in every one of its (twice as many) slots.
final class ConfiguredService {
    let spec: ServiceSpec
    let hookSources: [String]

    init(spec: ServiceSpec, hookSources: [String]) {
        self.spec = spec
        self.hookSources = hookSources
    }
}
