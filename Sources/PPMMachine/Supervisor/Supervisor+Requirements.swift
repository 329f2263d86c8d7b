/// What a service's `requires` stand at, for `why` (read between transitions).
extension Supervisor {
    /// One required service, as the dependent `name` sees it.
    package struct RequirementStatus: Sendable, Equatable {
        package var name: String
        /// What the dependent waits for in it.
        package var condition: RequireCondition
        /// Whether that holds now.
        package var met: Bool
        /// Why it never will (it went `fatal`, a job that had to succeed crashed…); nil while it may.
        package var never: String?
    }

    /// The requirements of `name` in the order its spec names them (empty for an unknown service).
    package func requirements(of name: String) -> [RequirementStatus] {
        guard let spec = table[name]?.spec else { return [] }
        return spec.requires.map { r in
            let met = isMet(r, for: spec)
            return RequirementStatus(name: r, condition: condition(of: r, for: spec), met: met, never: met ? nil : neverMet(r, for: spec))
        }
    }
}
