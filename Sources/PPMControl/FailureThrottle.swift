/// Slows down repeated failures from one address (wrong tokens, a network
/// not in the allow list): after n failures in a row, each further attempt
/// from that address is judged only `delay(n)` after the one before it,
/// 0.5 s doubling up to 30 s, however many connections it opens in
/// parallel. A success, or 15 minutes without a failure, forgets the
/// address. At most `capacity` addresses are remembered.
struct FailureThrottle {
    private struct Record {
        var failures: Int
        /// The earliest moment the next attempt may be judged.
        var nextSlot: Double
        var lastFailure: Double
    }

    private var records: [[UInt8]: Record] = [:]
    let firstDelay = 0.5
    let maxDelay = 30.0
    let forgetAfter = 900.0
    let capacity = 4096

    /// Seconds between attempts after `failures` failures in a row.
    func delay(afterFailures failures: Int) -> Double {
        failures <= 0 ? 0 : min(maxDelay, firstDelay * Double(1 << min(failures - 1, 16)))
    }

    /// When an attempt from `address` made at `now` may be judged; the
    /// moment is reserved, so the attempt after it waits a further delay.
    mutating func slot(for address: [UInt8], now: Double) -> Double {
        guard var record = records[address], now - record.lastFailure < forgetAfter else {
            records[address] = nil
            return now
        }
        let at = max(now, record.nextSlot)
        record.nextSlot = at + delay(afterFailures: record.failures)
        records[address] = record
        return at
    }

    /// Records a failed attempt judged at `now`.
    mutating func failed(_ address: [UInt8], now: Double) {
        var record = records[address] ?? Record(failures: 0, nextSlot: now, lastFailure: now)
        if now - record.lastFailure >= forgetAfter { record.failures = 0 }
        record.failures += 1
        record.lastFailure = now
        record.nextSlot = max(record.nextSlot, now + delay(afterFailures: record.failures))
        records[address] = record
        if records.count > capacity { evict(now: now) }
    }

    /// Forgets the address's failures.
    mutating func succeeded(_ address: [UInt8]) {
        records[address] = nil
    }

    /// Failures in a row recorded for `address`.
    func failures(of address: [UInt8]) -> Int { records[address]?.failures ?? 0 }

    private mutating func evict(now: Double) {
        records = records.filter { now - $0.value.lastFailure < forgetAfter }
        while records.count > capacity, let oldest = records.min(by: { $0.value.lastFailure < $1.value.lastFailure }) {
            records[oldest.key] = nil
        }
    }
}
