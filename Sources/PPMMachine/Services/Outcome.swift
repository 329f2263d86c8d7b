/// How an exit is judged (SPEC 5.2 `outcome`).
package enum Outcome: String, Sendable {
    case finished, crashed, stopped
}
