import Benchmark

extension Benchmark.Configuration {
    /// The settings of every benchmark here: time, throughput, allocations and memory, for about half a second.
    ///
    /// `scaling` is the number of units (frames, segments, bytes, messages) one iteration handles, so that
    /// wall clock is per unit and throughput in units per second.
    /// - CPU time is left out: on Linux it comes from getrusage in 10 ms steps, far coarser than an iteration.
    /// - So are instructions: they need perf events, which virtual machines and containers often refuse (the
    ///   metric then silently has no samples); `make bench` counts the whole tool's instructions with
    ///   callgrind instead.
    public static func cleartext(_ scaling: BenchmarkScalingFactor) -> Benchmark.Configuration {
        Benchmark.Configuration(
            metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
            warmupIterations: 5,
            scalingFactor: scaling,
            maxDuration: .milliseconds(500),
            maxIterations: 1_000_000
        )
    }
}
