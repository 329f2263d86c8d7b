import PPMClient
import PPMMachine
import PPMProtocol
import PPMRuntime

/// The reply line of `stats`, one row per service, written member by member
/// (keys in sorted order, as `JSONWriter` sorts an object's): no object
/// built per row and no String made of the reply, so the side thread that
/// writes it takes little of the CPU and of the malloc lock from the loop.
enum StatsReply {
    /// What the loop reads of one service for `stats`.
    struct Row: Sendable {
        /// The service's name.
        var name: String
        /// The pid of its run (nil: not running).
        var pid: Int32?
        /// Seconds its run has been up.
        var uptime: Double?
        /// Its restarts.
        var restarts: Int
        /// Its limits with what it uses of them (`CgroupPlacement.limits`).
        var limits: JSONValue?
    }

    /// `{"id":…,"ok":true,"result":[{"cpu":…,"limits":…,"name":…,"pid":…,"pids":[…],"restarts":…,"rss":…,"uptime":…},…]}`
    /// as bytes; a service without a pid, or not in `usage`, uses nothing.
    static func line(_ id: JSONValue, rows: [Row], usage: [Int32: GroupUsage]) -> [UInt8] {
        var writer = ControlReply.okLineStart(id, capacity: rows.count * 160 + 4)
        writer.appendByte(UInt8(ascii: "["))
        for (i, s) in rows.enumerated() {
            let u = s.pid.flatMap { usage[$0] } ?? .none
            if i > 0 { writer.appendByte(UInt8(ascii: ",")) }
            writer.appendByte(UInt8(ascii: "{"))
            writer.writeKey("cpu")
            writer.write(.double(u.cpu))
            if let limits = s.limits {
                writer.appendByte(UInt8(ascii: ","))
                writer.writeKey("limits")
                writer.write(limits)
            }
            writer.appendByte(UInt8(ascii: ","))
            writer.writeKey("name")
            writer.writeString(s.name)
            writer.appendByte(UInt8(ascii: ","))
            writer.writeKey("pid")
            writer.write(.init(s.pid))
            writer.appendByte(UInt8(ascii: ","))
            writer.writeKey("pids")
            writer.appendByte(UInt8(ascii: "["))
            for (j, pid) in u.pids.enumerated() {
                if j > 0 { writer.appendByte(UInt8(ascii: ",")) }
                writer.write(.int(Int64(pid)))
            }
            writer.appendByte(UInt8(ascii: "]"))
            writer.appendByte(UInt8(ascii: ","))
            writer.writeKey("restarts")
            writer.write(.init(s.restarts))
            writer.appendByte(UInt8(ascii: ","))
            writer.writeKey("rss")
            writer.write(.int(u.rss))
            writer.appendByte(UInt8(ascii: ","))
            writer.writeKey("uptime")
            writer.write(.init(s.uptime))
            writer.appendByte(UInt8(ascii: "}"))
        }
        writer.appendByte(UInt8(ascii: "]"))
        writer.appendByte(UInt8(ascii: "}"))
        return writer.bytes
    }
}
