import Foundation
import Glibc
import PPMMachine
import Testing

@Suite struct UTCTextTests {
    /// The machine's own civil-date arithmetic writes what `gmtime_r` gives.
    @Test func utcTextMatchesGmtime() {
        var times: [Double] = [0, 59.999, 86_399.5, 86_400, 951_782_400, 4_107_542_400.25, 253_402_300_799.999]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 { times.append(Double.random(in: 0..<253_402_300_800, using: &generator)) }
        for time in times {
            var seconds = time_t(time.rounded(.down))
            var parts = tm()
            gmtime_r(&seconds, &parts)
            let millis = Int32((time - time.rounded(.down)) * 1000)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1,
                parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, millis)
            #expect(ServiceEvent.utc(time) == expected, "at \(time)")
        }
    }
}
