import Benchmark
import BenchInputs
import Wire

/// The link, IP and TCP decoders (`PacketDecoder`), frame by frame over the frames of samples/, round and
/// round: per frame, as the engine calls it for every frame of a capture.
let benchmarks: @Sendable () -> Void = {
    let samples = Samples()
    let frames = samples.frames
    guard !frames.isEmpty else { return print("DecoderBenchmarks: no frames in samples/") }
    var decoder = PacketDecoder()
    var next = 0
    let name = "PacketDecoder.decode, per frame (\(grouped(frames.count)) frames)"
    Benchmark(name, configuration: .cleartext(.kilo)) { benchmark in
        var payload = 0
        for _ in benchmark.scaledIterations {
            if case .tcp(let segment) = decoder.decode(frames[next]) { payload &+= segment.payload.count }
            next = next + 1 == frames.count ? 0 : next + 1
        }
        blackHole(payload)
    }
}
