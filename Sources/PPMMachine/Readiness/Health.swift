/// Whether the last health checks passed.
package enum Health: String, Sendable, Equatable {
    case healthy, unhealthy
}
