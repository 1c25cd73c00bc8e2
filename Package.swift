// swift-tools-version: 6.1
// cleartext: finds credentials in the clear, negotiated TLS and STARTTLS misuse in mail and FTP captures.
// Layout and data flow: see docs/design.md (imports point downward only).
import PackageDescription

let package = Package(
    name: "cleartext",
    products: [
        .executable(name: "cleartext", targets: ["cleartext"]),
        // The fuzz targets' entry points, for the fuzzing package in Fuzz/ (docs/robustness.md).
        .library(name: "FuzzEntries", targets: ["FuzzEntries"]),
        // The library targets, for the micro-benchmark package in Benchmarks/ (`make bench-micro`).
        .library(name: "CleartextKit", targets: ["Wire", "Streams", "Protocols", "Analysis", "PcapSource"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // X.509 parsing (TLS certificate summaries), its DER layer, and hashes (JA3 MD5, JA4 and
        // certificate fingerprints SHA-256/SHA-1). Used by Protocols only.
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        // 4.x: 3.x frees an RSA key twice when BoringSSL rejects its DER, which a hostile certificate
        // reaches through swift-certificates (Tests/Vectors/fuzz/certificate, docs/robustness.md).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // libpcap, for live capture and BPF filters. Only PcapSource imports it.
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        // The release build's allocator: Debian's libjemalloc, linked against, with its settings
        // (Sources/Allocator/allocator.c).
        // Not in debug builds, so that AddressSanitizer's allocator stays the only one (make test-asan).
        .target(
            name: "Allocator",
            linkerSettings: [.linkedLibrary("jemalloc", .when(configuration: .release))]
        ),
        // Frames in: capture files (a reader of our own) and live interfaces (libpcap).
        .target(name: "PcapSource", dependencies: ["CPcap", "Wire"]),
        // Byte readers, errors, link/IP/TCP decoders. Standard library only.
        .target(name: "Wire"),
        // Flow table and TCP reassembly.
        .target(name: "Streams", dependencies: ["Wire"]),
        // Line framing, SMTP/IMAP/POP3/FTP sessions, SASL, STARTTLS state machines, TLS.
        .target(
            name: "Protocols",
            dependencies: [
                "Wire",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The engine: frames in, records out; report writers.
        .target(name: "Analysis", dependencies: [
            "Wire", "Streams", "Protocols", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The command-line tool; nothing else lives here.
        .executableTarget(
            name: "cleartext",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                "Allocator", "Analysis", "PcapSource", "Streams", "Wire",
            ]
        ),
        // Builds frames and capture files for tests and samples/.
        .target(name: "TestSupport", dependencies: ["Wire"], path: "Tests/TestSupport"),
        // One entry point per fuzz target, taking any bytes (Fuzz/ links them with libFuzzer).
        .target(name: "FuzzEntries", dependencies: ["Analysis", "PcapSource", "Protocols", "Streams", "Wire"],
                path: "Tests/FuzzEntries"),
        .testTarget(name: "WireTests", dependencies: ["Wire", "TestSupport"]),
        .testTarget(name: "PcapSourceTests", dependencies: ["PcapSource", "Wire", "TestSupport"]),
        .testTarget(name: "StreamsTests", dependencies: ["Streams", "Wire", "TestSupport"]),
        .testTarget(name: "ProtocolsTests", dependencies: ["Protocols", "Wire", "TestSupport"]),
        // Replays every input the fuzzers found (Tests/Vectors/fuzz/<target>/) through the same entry points.
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzEntries"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Analysis", "PcapSource", "Protocols", "Streams", "Wire", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
