import Wire

/// Limits and policies of a `FlowTable`. Every buffer the table keeps has a named cap here: a capture is
/// hostile input, and nothing may grow without bound (STYLE.md §3.7).
public struct FlowTableConfig: Sendable {
    /// Flows held at once (open and lingering). Past it the least recently active flow is evicted
    /// (`FlowEnd.evicted`, anomaly `flow_table_full`); a lingering closed flow goes first, since it is over anyway.
    public var maxFlows = 200_000
    /// Out-of-order bytes held per direction (each held piece also counts 64 bytes of bookkeeping). 1 MiB covers
    /// a 1 MiB receive window; RFC 7323 allows up to
    /// 1 GiB, but a capture that needs more than this to fill a hole has most likely lost the bytes.
    public var maxBufferedBytesPerDirection = 1 << 20
    /// Out-of-order bytes held across all flows (each held piece also counts 64 bytes of bookkeeping).
    public var maxBufferedBytesTotal = 32 << 20
    /// Out-of-order pieces (contiguous runs of bytes) held per direction: bounds the holes a direction can
    /// have, as smoltcp's assembler does with a fixed number of holes.
    public var maxSegmentsPerDirection = 2048
    /// Seconds of capture time without a packet after which an open flow ends (`FlowEnd.timeout`).
    public var idleTimeout: Int64 = 600
    /// Seconds of capture time a FIN/RST-closed flow keeps absorbing late packets (the final ACK,
    /// retransmissions) before its record is emitted, so they are not counted as a new flow. Zeek waits 5 s
    /// (tcp_close_delay); 10 s absorbs a slow final ACK and keeps the number of closed flows held (and the
    /// records waiting behind them) to a few seconds' worth, whatever the file's length.
    public var closedLinger: Int64 = 10
    /// Well-known server ports: a hint for the role decision when no handshake was seen.
    public var serverPorts: Set<UInt16> = [
        21, 25, 110, 143, 465, 587, 990, 993, 995, 2525, 20, 80, 443, 8080, 22, 23, 53, 389, 636,
    ]

    public init() {}
}
