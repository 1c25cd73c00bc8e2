#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libFuzzer's driver: parses the command line (corpus folders, -max_total_time ...) and calls `callback`
/// once per input. Exported by the libFuzzer runtime that `-sanitize=fuzzer` links.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer over `callback` and exits with its status.
///
/// SwiftPM links an executable with its `main` renamed (`--defsym main=<module>_main`), so libFuzzer's own
/// `main` is never pulled in and a target built with `-parse-as-library` has no entry point at all. Each
/// target's main.swift therefore starts the driver itself: this works whatever SwiftPM does with `main`.
public func runFuzzer(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
}
