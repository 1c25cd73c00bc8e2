import Benchmark
import BenchInputs
import Protocols
import Wire

/// The line framer of the text protocols (`LineFramer`), per byte: a megabyte handed over in pieces of a
/// typical segment's payload, each piece framed before the next, as a session does.
let benchmarks: @Sendable () -> Void = {
    let megabyte = 1_000_000
    let commands = MailText.commands(count: megabyte)
    let body = MailText.body(count: megabyte)

    Benchmark("LineFramer, command and reply lines, per byte (1 MB)",
              configuration: .cleartext(.mega)) { _ in
        var framer = LineFramer()
        blackHole(frameAll(commands, &framer))
    }
    Benchmark("LineFramer, message body after DATA, per byte (1 MB)",
              configuration: .cleartext(.mega)) { _ in
        var framer = LineFramer()
        framer.expectDotBlock()
        blackHole(frameAll(body, &framer))
    }
}

/// A common Ethernet MSS: 1500 bytes less 20 of IPv4, 20 of TCP and 12 of timestamps.
let piece = 1448

/// Hands `text` to `framer` piece by piece and takes every unit; returns how many there were.
func frameAll(_ text: [UInt8], _ framer: inout LineFramer) -> Int {
    var units = 0
    text.withUnsafeBytes { all in
        var start = 0, frame = 0
        while start < all.count {
            let end = min(start + piece, all.count)
            frame += 1
            framer.append(UnsafeRawBufferPointer(rebasing: all[start ..< end]), frame: frame, time: .zero)
            while framer.next() != nil { units += 1 }
            start = end
        }
    }
    return units
}
