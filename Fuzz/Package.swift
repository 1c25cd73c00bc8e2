// swift-tools-version: 6.1
// libFuzzer targets for cleartext: one executable per entry point of the FuzzEntries library of the main
// package. Built and run by `make fuzz` (docs/robustness.md); needs -sanitize=fuzzer, so not part of the
// main build:
//
//     swift build -c release -Xswiftc -sanitize=fuzzer,address
import Foundation
import PackageDescription

// The main package, by path. SwiftPM names a path package after its folder, so a checkout whose folder is
// itself called `fuzz` would clash with this package (also `fuzz`); `make fuzz` then points CLEARTEXT_PATH at
// a link of another name to the same checkout.
let mainPackage = ProcessInfo.processInfo.environment["CLEARTEXT_PATH"] ?? ".."

let targets = ["decoder", "reassembler", "session", "tls", "certificate", "pipeline"]

let package = Package(
    name: "cleartext-fuzz",
    dependencies: [.package(name: "cleartext", path: mainPackage)],
    targets: [.target(name: "FuzzDriver")] + targets.map { name in
        .executableTarget(
            name: "fuzz-\(name)",
            dependencies: ["FuzzDriver", .product(name: "FuzzEntries", package: "cleartext")],
            path: "Sources/\(name)"
        )
    },
    swiftLanguageModes: [.v6]
)
