/// Why a check is run: readiness (until ready) or health (while ready).
package enum ProbePurpose: Sendable, Equatable {
    case ready, health
}
