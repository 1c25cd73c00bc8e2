import Foundation
import Glibc
import Testing
import Wire
import TestSupport
@testable import PcapSource

/// A frame copied out of a source, for comparisons after the source has moved on.
struct FrameCopy: Equatable, CustomStringConvertible {
    var number: Int
    var time: CaptureTime
    var linkType: LinkType
    var interface: Int
    var originalLength: Int
    var bytes: [UInt8]

    init(_ f: Frame) {
        number = f.number
        time = f.time
        linkType = f.linkType
        interface = f.interface
        originalLength = f.originalLength
        bytes = Array(f.bytes)
    }

    init(number: Int, time: CaptureTime, linkType: LinkType, interface: Int = 0, originalLength: Int? = nil,
         bytes: [UInt8]) {
        self.number = number
        self.time = time
        self.linkType = linkType
        self.interface = interface
        self.originalLength = originalLength ?? bytes.count
        self.bytes = bytes
    }

    var description: String { "#\(number) \(time) \(linkType) if\(interface) \(bytes.count)/\(originalLength)" }
}

/// Everything a source yields: the frames, then the error that stopped it (if any). Also checks that the
/// source stays at nil afterwards.
func drain<S: FrameSource>(_ source: inout S) -> (frames: [FrameCopy], error: SourceError?) {
    var frames: [FrameCopy] = []
    var failure: SourceError?
    while true {
        do {
            guard let f = try source.next() else { break }
            frames.append(FrameCopy(f))
        } catch {
            failure = error
            break
        }
    }
    let after = try? source.next()
    #expect(after == nil, "a finished source must keep returning nil")
    return (frames, failure)
}

/// Outcome of opening and reading a whole input: an error from init, or frames and an error from next().
struct ReadResult {
    var openError: SourceError?
    var frames: [FrameCopy] = []
    var error: SourceError?
    /// The error, wherever it came from.
    var anyError: SourceError? { openError ?? error }
}

func read(path: String) -> ReadResult {
    do {
        var r = try CaptureFileReader(path: path)
        let (f, e) = drain(&r)
        return ReadResult(openError: nil, frames: f, error: e)
    } catch {
        return ReadResult(openError: error)
    }
}

/// Reads `bytes` through a temporary regular file (the mapped path).
func readMapped(_ bytes: [UInt8]) -> ReadResult {
    let path = temporaryPath()
    defer { unlink(path) }
    writeBytes(bytes, to: path)
    var result = read(path: path)
    // Errors name the file; tests compare across paths, so normalise the name.
    result.openError?.source = "input"
    result.error?.source = "input"
    return result
}

/// Reads `bytes` through the streaming window with `chunkSize`-byte reads from a regular file's descriptor.
func readStreamed(_ bytes: [UInt8], chunkSize: Int) -> ReadResult {
    let path = temporaryPath()
    defer { unlink(path) }
    writeBytes(bytes, to: path)
    let fd = open(path, O_RDONLY)
    do {
        var r = try CaptureFileReader(streaming: fd, name: "input", ownsDescriptor: true, chunkSize: chunkSize)
        let (f, e) = drain(&r)
        return ReadResult(openError: nil, frames: f, error: e)
    } catch {
        return ReadResult(openError: error)
    }
}

/// Reads `bytes` held in memory (`CaptureFileReader(bytes:name:)`, as the pipeline fuzz target does).
func readInMemory(_ bytes: [UInt8]) -> ReadResult {
    do {
        var r = try bytes.withUnsafeBytes { try CaptureFileReader(bytes: $0, name: "input") }
        let (f, e) = drain(&r)
        return ReadResult(openError: nil, frames: f, error: e)
    } catch let error as SourceError {
        return ReadResult(openError: error)
    } catch {
        return ReadResult(openError: SourceError(.unreadable, source: "input", message: "\(error)"))
    }
}

/// Reads `bytes` through a real pipe, written by another thread.
func readThroughPipe(_ bytes: [UInt8], chunkSize: Int = InputWindow.defaultChunkSize) -> ReadResult {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { return ReadResult(openError: SourceError(.unreadable, source: "pipe", message: "pipe")) }
    let (readEnd, writeEnd) = (fds[0], fds[1])
    let writer = Thread {
        writeAll(bytes, fd: writeEnd)
        close(writeEnd)
    }
    writer.start()
    defer { close(readEnd) }
    do {
        var r = try CaptureFileReader(streaming: readEnd, name: "input", chunkSize: chunkSize)
        let (f, e) = drain(&r)
        drainDescriptor(readEnd)  // let the writer finish when the reader stopped early
        return ReadResult(openError: nil, frames: f, error: e)
    } catch {
        drainDescriptor(readEnd)
        return ReadResult(openError: error)
    }
}

private func drainDescriptor(_ fd: Int32) {
    var sink = [UInt8](repeating: 0, count: 65536)
    while sink.withUnsafeMutableBytes({ read(fd, $0.baseAddress, 65536) }) > 0 {}
}

func writeAll(_ bytes: [UInt8], fd: Int32) {
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
        if n <= 0 { if errno == EINTR { continue }; return }
        done += n
    }
}

func writeBytes(_ bytes: [UInt8], to path: String) {
    FileManager.default.createFile(atPath: path, contents: Data(bytes))
}

func temporaryPath(_ suffix: String = ".pcap") -> String {
    NSTemporaryDirectory() + "cleartext-test-\(UUID().uuidString)\(suffix)"
}

/// A short SMTP conversation over IPv4, as frames.
func smtpConversation(ipv6: Bool = false, vlans: [UInt16] = []) -> TCPConversation {
    let client = Endpoint(IPAddress(ipv6 ? "2001:db8::5" : "10.0.0.5")!, 51234)
    let server = Endpoint(IPAddress(ipv6 ? "2001:db8::9" : "10.0.0.9")!, 25)
    var c = TCPConversation(client: client, server: server, mss: 100, vlans: vlans)
    c.handshake()
    c.server("220 mail.example.org ESMTP\r\n")
    c.client("EHLO client.example.org\r\n")
    c.server("250-mail.example.org\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n")
    c.client("AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n")
    c.server("235 2.7.0 Authentication successful\r\n")
    c.client("DATA\r\n" + String(repeating: "x", count: 250) + "\r\n.\r\n")
    c.clientClose()
    c.serverClose()
    return c
}
