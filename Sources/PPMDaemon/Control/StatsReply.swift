import PPMMachine
import PPMProtocol
import PPMRuntime

/// The reply line of `stats`, one row per service, written member by member
/// (keys in sorted order, as `JSONWriter` sorts an object's): no object
/// built per row and no String made of the reply, so the side thread that
/// writes it takes little of the CPU and of the malloc lock from the loop.
enum StatsReply {
    /// `{"id":…,"ok":true,"result":[{"cpu":…,"limits":…,"name":…,"pid":…,"pids":[…],"restarts":…,"rss":…,"uptime":…},…]}`
    /// as bytes; a service without a pid, or not in `usage`, uses nothing.
    static func line(_ id: JSONValue, services: [ServiceSnapshot], limits: [JSONValue?], usage: [Int32: GroupUsage]) -> [UInt8] {
        var writer = ControlReply.okLineStart(id, capacity: services.count * 160 + 4)
        writer.appendByte(UInt8(ascii: "["))
        for (i, (s, limits)) in zip(services, limits).enumerated() {
            let u = s.pid.flatMap { usage[$0] } ?? .none
            if i > 0 { writer.appendByte(UInt8(ascii: ",")) }
            writer.appendByte(UInt8(ascii: "{"))
            writer.writeKey("cpu")
            writer.write(.double(u.cpu))
            if let limits {
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
