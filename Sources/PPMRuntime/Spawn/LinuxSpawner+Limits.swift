package import PPMMachine

/// SPEC 10's limits through the spawner (see `ServiceLimits`).
extension LinuxSpawner {
    /// The limits of `spec` nothing enforces here, once each.
    package func limitsUnavailable(_ spec: ServiceSpec) -> (fields: [String], reason: String)? {
        limits?.unavailable(spec)
    }

    /// Whether the OOM killer ended a process of the service's last run.
    package func outOfMemory(_ name: String) -> Bool { limits?.outOfMemory(name) ?? false }
}
