import FuzzDriver
import FuzzEntries

/// libFuzzer calls this once per input (docs/robustness.md).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzEntries.certificate(fuzzBuffer(data, size))
    return 0
}

runFuzzer(fuzz)
