/// How a captured stream is kept: rotated by size, with optional timestamps.
package struct LogPolicy: Sendable, Equatable {
    /// Bytes a log file may reach before it is rotated; 0: never rotated.
    package var maxSize: Int
    /// Rotated files kept (`NAME.out.log.1` … `.keep`); 0: the file is cut instead.
    package var keep: Int
    /// Each line starts with its ISO-8601 UTC arrival time and a space.
    package var timestamps: Bool

    /// 10 MiB per file, five rotated files, no timestamps.
    package static let standard = LogPolicy(maxSize: 10 << 20, keep: 5, timestamps: false)

    /// A policy with the given limits.
    package init(maxSize: Int, keep: Int, timestamps: Bool) {
        self.maxSize = maxSize
        self.keep = keep
        self.timestamps = timestamps
    }

    /// The service's own settings over these.
    package func overridden(by spec: ServiceSpec) -> LogPolicy {
        LogPolicy(maxSize: spec.logMaxSize ?? maxSize, keep: spec.logKeep ?? keep, timestamps: spec.logTimestamps ?? timestamps)
    }
}
