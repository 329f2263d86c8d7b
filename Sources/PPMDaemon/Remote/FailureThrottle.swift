import PPMProtocol
import PPMScript

/// Slows down repeated failures from one address (failed TLS handshakes,
/// wrong answers, a network not in the allow list): after n failures in a
/// row, each further attempt from that address is judged only `delay(n)`
/// after the one before it, 0.5 s doubling up to 30 s, however many
/// connections it opens in parallel. Its network (/24 for IPv4, /64 for
/// IPv6) is throttled the same way once its addresses together failed
/// more than `networkAllowance` times in a row, so an attacker cannot
/// dodge the delay by changing addresses. A success, or 15 minutes without
/// a failure, forgets the address (and its network). At most `capacity`
/// addresses and networks are remembered.
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
    /// Failures a network may have before its addresses wait for each other.
    let networkAllowance = 8

    /// Seconds between attempts after `failures` failures in a row.
    func delay(afterFailures failures: Int) -> Double {
        failures <= 0 ? 0 : min(maxDelay, firstDelay * Double(1 << min(failures - 1, 16)))
    }

    /// When an attempt from `address` made at `now` may be judged; the
    /// moment is reserved, so the attempt after it waits a further delay.
    mutating func slot(for address: [UInt8], now: Double) -> Double {
        max(reserve(address, allowance: 0, now: now), reserve(Self.networkKey(address), allowance: networkAllowance, now: now))
    }

    /// The record of a network: its prefix and one byte more, so it never
    /// equals an address's key.
    static func networkKey(_ address: [UInt8]) -> [UInt8] { IPAddress.prefix(of: address) + [0xFF] }

    private mutating func reserve(_ key: [UInt8], allowance: Int, now: Double) -> Double {
        guard var record = records[key], now - record.lastFailure < forgetAfter else {
            records[key] = nil
            return now
        }
        let at = max(now, record.nextSlot)
        record.nextSlot = at + delay(afterFailures: record.failures - allowance)
        records[key] = record
        return at
    }

    /// Records a failed attempt judged at `now`.
    mutating func failed(_ address: [UInt8], now: Double) {
        record(address, allowance: 0, now: now)
        record(Self.networkKey(address), allowance: networkAllowance, now: now)
        if records.count > capacity { evict(now: now) }
    }

    private mutating func record(_ key: [UInt8], allowance: Int, now: Double) {
        var record = records[key] ?? Record(failures: 0, nextSlot: now, lastFailure: now)
        if now - record.lastFailure >= forgetAfter { record.failures = 0 }
        record.failures += 1
        record.lastFailure = now
        record.nextSlot = max(record.nextSlot, now + delay(afterFailures: record.failures - allowance))
        records[key] = record
    }

    /// Forgets the address's failures, and its network's.
    mutating func succeeded(_ address: [UInt8]) {
        records[address] = nil
        records[Self.networkKey(address)] = nil
    }

    /// Failures in a row recorded for `address`.
    func failures(of address: [UInt8]) -> Int { records[address]?.failures ?? 0 }

    /// Failures in a row recorded for the network of `address`.
    func networkFailures(of address: [UInt8]) -> Int { records[Self.networkKey(address)]?.failures ?? 0 }

    private mutating func evict(now: Double) {
        records = records.filter { now - $0.value.lastFailure < forgetAfter }
        while records.count > capacity, let oldest = records.min(by: { $0.value.lastFailure < $1.value.lastFailure }) {
            records[oldest.key] = nil
        }
    }
}
