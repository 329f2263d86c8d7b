extension Service {
    /// What a listing adds to a service's record: what the supervisor
    /// knows of it (`ServiceSnapshot` has the same members).
    struct ListingContext {
        /// When the listing was made (monotonic seconds).
        var now: Double
        /// Its own stop timeout or the daemon's default.
        var stopTimeout: Double
        /// The `requires` it waits for.
        var waitingFor: [String] = []
        /// Why it will never start, while it waits.
        var blocked: String?
        /// Its cgroup directory; nil: the member is left out.
        var cgroup: String?
    }

    /// Appends its whole service object to `writer` straight from this
    /// record (#23: `ls` at 10,000 services makes no `ServiceSnapshot`): the
    /// bytes `ServiceSnapshot.write(to:)` gives, its spec's members copied
    /// in runs from `specFragments`, the others written between them in key
    /// order (`ServiceSnapshot.members`; `ServiceObjectTests` holds the two equal).
    func writeListing(to writer: inout JSONWriter, _ context: ListingContext) {
        let run = phase.run
        var startsIn: Double?
        var scheduled = false
        if case .waiting(.timer(let due, let onSchedule)) = phase {
            startsIn = max(0, due - context.now)
            scheduled = onSchedule
        }
        specFragments.withRuns { spec, runRange in
            func copyRun(_ k: Int) {
                writer.appendRaw(UnsafeBufferPointer(rebasing: spec[runRange(k)]))
            }
            // Run 0 is `,"autostart":…`: the object's first member.
            writer.appendByte(UInt8(ascii: "{"))
            writer.appendRaw(UnsafeBufferPointer(rebasing: spec[runRange(0)].dropFirst()))
            writer.appendLiteral(#","blocked":"#)
            writer.writeOptional(context.blocked)
            if let cgroup = context.cgroup {
                writer.appendLiteral(#","cgroup":"#)
                writer.writeString(cgroup)
            }
            copyRun(1)  // cmd
            writer.appendLiteral(#","crashes":"#)
            writer.writeInt(Int64(crashes))
            copyRun(2)  // dir, env
            writer.appendLiteral(#","errno":"#)
            writer.writeOptional(run?.errno.map(Int64.init))
            copyRun(3)  // groups
            writer.appendLiteral(#","health":"#)
            writer.writeOptional(run?.health?.rawValue)
            copyRun(4)  // health_check, hooks
            writer.appendLiteral(#","last_error":"#)
            writer.writeOptional(lastError)
            writer.appendLiteral(#","last_exit":"#)
            writeLastExit(to: &writer)
            copyRun(5)  // name, once
            writer.appendLiteral(#","pid":"#)
            writer.writeOptional(run.map { Int64($0.pid) })
            writer.appendLiteral(#","probe_message":"#)
            writer.writeOptional(run?.probeMessage)
            copyRun(6)  // ready, requires, restart
            writer.appendLiteral(#","restarts":"#)
            writer.writeInt(Int64(restarts))
            writer.appendLiteral(#","scheduled":"#)
            writer.writeBool(scheduled)
            writer.appendLiteral(#","spawn_failures":"#)
            writer.writeInt(Int64(spawnFailures))
            writer.appendLiteral(#","starts":"#)
            writer.writeInt(Int64(starts))
            writer.appendLiteral(#","starts_in":"#)
            writer.writeOptional(startsIn)
            writer.appendLiteral(#","state":"#)
            writer.writeString(state.rawValue)
            writer.appendLiteral(#","stderr":"#)
            writer.writeOptional(stderrPath)
            writer.appendLiteral(#","stdout":"#)
            writer.writeOptional(stdoutPath)
            copyRun(7)  // stop_signal
            writer.appendLiteral(#","stop_timeout":"#)
            writer.writeDouble(context.stopTimeout)
            writer.appendLiteral(#","stopping_notified":"#)
            writer.writeBool(run?.stoppingNoticed ?? false)
            writer.appendLiteral(#","uptime":"#)
            writer.writeOptional(run.map { context.now - $0.startedAt })
            copyRun(8)  // user
            writer.appendLiteral(#","waiting_for":["#)
            for (i, name) in context.waitingFor.enumerated() {
                if i > 0 { writer.appendByte(UInt8(ascii: ",")) }
                writer.writeString(name)
            }
            writer.appendLiteral("]}")
        }
    }

    /// `last_exit`: null, or its members in key order, as `ServiceSnapshot.members` builds them.
    private func writeLastExit(to writer: inout JSONWriter) {
        guard let e = lastExit else { return writer.writeNull() }
        writer.appendByte(UInt8(ascii: "{"))
        if let errno = e.errno {
            writer.appendLiteral(#""errno":"#)
            writer.writeInt(Int64(errno))
            writer.appendByte(UInt8(ascii: ","))
        }
        writer.appendLiteral(#""result":"#)
        writer.writeOptional(e.result.map(Int64.init))
        writer.appendLiteral(#","runtime":"#)
        writer.writeDouble(e.runtime)
        writer.appendLiteral(#","signal":"#)
        writer.writeOptional(e.signal.map(Int64.init))
        writer.appendLiteral(#","time":"#)
        writer.writeDouble(e.time)
        writer.appendByte(UInt8(ascii: "}"))
    }
}

extension JSONWriter {
    /// The string, or `null`.
    fileprivate mutating func writeOptional(_ value: String?) {
        if let value { writeString(value) } else { writeNull() }
    }

    /// The integer, or `null`.
    fileprivate mutating func writeOptional(_ value: Int64?) {
        if let value { writeInt(value) } else { writeNull() }
    }

    /// The double, or `null`.
    fileprivate mutating func writeOptional(_ value: Double?) {
        if let value { writeDouble(value) } else { writeNull() }
    }
}
