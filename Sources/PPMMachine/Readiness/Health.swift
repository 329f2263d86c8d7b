/// Whether the last health checks passed.
public enum Health: String, Sendable, Equatable {
    case healthy, unhealthy
}
