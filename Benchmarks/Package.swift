// swift-tools-version: 6.1
// Micro-benchmarks of cleartext's stages (ordo-one/benchmark): the packet decoder, TCP reassembly, the line
// framer, the TLS parsers and the whole engine, over the captures in samples/ held in memory. Run by
// `make bench-micro` (or `make bench`, which also runs Benchmarks/run.sh):
//
//     cd Benchmarks && swift package --disable-sandbox benchmark
//
// The benchmark plugin finds each suite as an executable target in Benchmarks/Benchmarks/<Name>/<Name>.swift.
import Foundation
import PackageDescription

// The main package, by path. SwiftPM names a path package after its folder, so a checkout whose folder is called
// `benchmark` (the benchmark package's own name) or `benchmarks` (this package's) would clash; `make bench-micro`
// therefore points CLEARTEXT_PATH at a link of another name to the same checkout, as `make fuzz` does.
let mainPackage = ProcessInfo.processInfo.environment["CLEARTEXT_PATH"] ?? ".."

let suites = [
    "DecoderBenchmarks", "ReassemblerBenchmarks", "LineFramerBenchmarks", "TLSBenchmarks", "PipelineBenchmarks",
]

let package = Package(
    name: "cleartext-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "cleartext", path: mainPackage),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // What the suites share: the sample captures read into memory, decoded, reassembled and cut into
        // inputs (frames, segments, TLS handshakes, text), and the benchmarks' common configuration.
        .target(
            name: "BenchInputs",
            dependencies: [
                .product(name: "CleartextKit", package: "cleartext"),
                .product(name: "Benchmark", package: "benchmark"),
            ]
        ),
    ] + suites.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "BenchInputs",
                .product(name: "CleartextKit", package: "cleartext"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/\(name)",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    },
    swiftLanguageModes: [.v6]
)
