/// A 32-bit TCP sequence number with wrap-around comparison (RFC 793 §3.3, RFC 1982 serial arithmetic).
public struct SeqNumber: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Signed distance from `self` to `other` (other - self), correct across the 2^32 wrap when the two
    /// are less than 2^31 apart.
    @inlinable
    public func distance(to other: SeqNumber) -> Int64 {
        Int64(Int32(bitPattern: other.rawValue &- rawValue))
    }

    @inlinable
    public func advanced(by n: Int) -> SeqNumber {
        SeqNumber(rawValue &+ UInt32(truncatingIfNeeded: n))
    }

    /// True when `self` comes before `other` in sequence space.
    @inlinable public func precedes(_ other: SeqNumber) -> Bool { distance(to: other) > 0 }

    public var description: String { String(rawValue) }
}

/// TCP header flags (RFC 9293 §3.1, RFC 3168 for ECE/CWR).
public struct TCPFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)
    public static let ns = TCPFlags(rawValue: 0x100)
}

/// One decoded TCP segment: header fields copied out, payload a view into the frame (or into the IP
/// reassembly buffer for a reassembled datagram). Valid until the decoder's next call.
public struct TCPSegment {
    public var source: Endpoint
    public var destination: Endpoint
    public var seq: SeqNumber
    public var ack: SeqNumber
    public var flags: TCPFlags
    public var window: UInt16
    /// Window scale shift from a SYN's option, when present (RFC 7323).
    public var windowScale: UInt8?
    /// The payload bytes captured.
    public var payload: UnsafeRawBufferPointer
    /// Payload bytes the IP length declares but the snapshot length cut off (0 when whole).
    public var missingPayload: Int

    public init(source: Endpoint, destination: Endpoint, seq: SeqNumber, ack: SeqNumber, flags: TCPFlags,
                window: UInt16, windowScale: UInt8? = nil, payload: UnsafeRawBufferPointer, missingPayload: Int = 0) {
        self.source = source
        self.destination = destination
        self.seq = seq
        self.ack = ack
        self.flags = flags
        self.window = window
        self.windowScale = windowScale
        self.payload = payload
        self.missingPayload = missingPayload
    }

    /// Payload length on the wire, captured or not.
    public var payloadLength: Int { payload.count + missingPayload }

    @inlinable
    public var flowKey: FlowKey { FlowKey(source, destination) }
}
