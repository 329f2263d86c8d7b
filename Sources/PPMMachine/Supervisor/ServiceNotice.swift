/// What a service's process said of itself over sd_notify, beyond readiness
/// and the watchdog (SPEC 9, "sd_notify"): the `notice` input.
package enum ServiceNotice: Sendable, Equatable {
    /// `RELOADING=1`: the running service reloads; it shows `reloading`
    /// until its next `READY=1`.
    case reloading
    /// `STOPPING=1`: the service is shutting down on its own (noted in `show`).
    case stopping
    /// `ERRNO=`: the service failed with this errno (shown by `show`, and in
    /// the exit event if the run then ends).
    case errno(Int32)
    /// `MAINPID=`: the run's main process is now `pid`, found in the process
    /// group `group` (taken only when that is the run's own group).
    case mainPID(Int32, group: Int32)
    /// `STATUS=`: free text on the service's state (shown by `show`; empty clears it).
    case status(String)
    /// `WATCHDOG_USEC=`: the run's watchdog interval is now `seconds` (it
    /// overrides `watchdog` for this run, and arms a watchdog where none was
    /// set, as systemd does), counted from now.
    case watchdogInterval(seconds: Double)
}
