import Benchmark
import BenchInputs
import Protocols
import Wire

/// The TLS parsers over the handshakes of samples/ (OpenSSL and Python clients, dovecot, postfix and vsftpd
/// servers; TLS 1.0 to 1.3): the hello and certificate parsers on their own, per message, and the observer
/// the sessions use (records, handshake reassembly, every message, JA3/JA4 at the end), per connection.
let benchmarks: @Sendable () -> Void = {
    let tls = TLSSamples(Samples())
    let clientHellos = tls.clientHellos.map { $0.withUnsafeBytes(retained) }
    let serverHellos = tls.serverHellos.map { $0.withUnsafeBytes(retained) }
    let certificates = tls.certificateMessages.map { $0.withUnsafeBytes(retained) }

    perMessage("ClientHello(parsing:)", clientHellos, .kilo) { blackHole(try? ClientHello(parsing: $0)) }
    perMessage("ServerHello(parsing:)", serverHellos, .kilo) { blackHole(try? ServerHello(parsing: $0)) }
    perMessage("CertificateMessage(parsing:)", certificates, .kilo) {
        blackHole(try? CertificateMessage(parsing: $0))
    }
    // What the report does with each certificate: X.509 parsing, names, key, the self-signature check.
    perMessage("CertificateMessage + CertificateSummary of each", certificates, .one) { body in
        for der in (try? CertificateMessage(parsing: body))?.certificates ?? [] {
            blackHole(try? CertificateSummary(der: der))
        }
    }

    let handshakes = tls.handshakes
    guard !handshakes.isEmpty else { return print("TLSBenchmarks: no TLS handshakes in samples/") }
    var next = 0
    Benchmark("TLSObserver, handshake + JA3/JA4, per connection (\(handshakes.count) connections)",
              configuration: .cleartext(.one)) { _ in
        var observer = TLSObserver()
        for delivery in handshakes[next] where observer.wantsMore {
            _ = observer.receive(delivery.side, delivery.bytes, frame: delivery.frame)
        }
        observer.finish()
        blackHole(observer.facts.fingerprints)
        next = next + 1 == handshakes.count ? 0 : next + 1
    }
}

/// A benchmark that parses `messages` one after another, round and round, `scaling` of them per iteration.
func perMessage(_ name: String, _ messages: [UnsafeRawBufferPointer], _ scaling: BenchmarkScalingFactor,
                _ parse: @escaping (UnsafeRawBufferPointer) -> Void) {
    guard !messages.isEmpty else { return print("TLSBenchmarks: no input for \(name)") }
    var next = 0
    Benchmark("\(name), per message (\(messages.count))", configuration: .cleartext(scaling)) { benchmark in
        for _ in benchmark.scaledIterations {
            parse(messages[next])
            next = next + 1 == messages.count ? 0 : next + 1
        }
    }
}
