import Wire

// One direction of a TCP connection: turns segments (in any order, duplicated, overlapping, lost) into the
// byte stream the sender wrote, as `StreamEvent`s.
//
// Model (as gopacket's reassembly): `nextSeq` is the next byte to deliver; everything before it has been
// delivered or given up as a gap. Bytes ahead of a hole are copied into `pieces`, sorted, non-overlapping
// contiguous runs. All positions inside one call are measured as signed distances from `nextSeq` at the
// call's start (`base`), with `SeqNumber.distance`, so the 2^32 wrap never matters: pieces are always less
// than `maxAhead` (2^30) past `nextSeq`, well inside the 2^31 that serial arithmetic can compare
// (RFC 1982, RFC 9293 §3.4).

/// Anomaly names raised by reassembly (stable, snake_case).
extension Anomaly.Name {
    /// A buffer or piece cap would have been exceeded; a hole was given up as a gap.
    static let reassemblyCap = Anomaly.Name("tcp_reassembly_cap")
    /// A segment overlapped buffered bytes with different content; the first copy was kept.
    static let overlapConflict = Anomaly.Name("tcp_overlap_conflict")
    /// A segment starts more than 2^30 bytes past the next expected byte: no window allows it.
    static let outOfWindow = Anomaly.Name("tcp_out_of_window")
    /// Payload beyond a FIN, which ends the sequence space of its direction (RFC 9293 §3.10.7.4).
    static let dataAfterFIN = Anomaly.Name("tcp_data_after_fin")
    /// The open-flow cap was reached and the least recently active flow evicted.
    static let flowTableFull = Anomaly.Name("flow_table_full")
}

/// State the reassemblers of all flows share: the global buffer budget and the anomaly log.
///
/// A class, so that a reassembler updates it in brief accesses: a consumer that reads
/// `FlowTable.bufferedBytes` while it is being handed bytes must not collide with a long `inout` access.
final class ReassemblyContext {
    let maxPerDirection: Int
    let maxTotal: Int
    let maxPieces: Int
    @exclusivity(unchecked) var buffered = 0
    @exclusivity(unchecked) var peakBuffered = 0
    @exclusivity(unchecked) var anomalies = AnomalyLog()
    /// Work done against buffered bytes, for the bounds tests (docs/limits.md): buffered pieces an arriving
    /// segment was compared with or stepped over, and bytes compared for conflicting copies. Each segment
    /// costs at most the pieces and bytes it overlaps, so both grow with the input, never with its square.
    @exclusivity(unchecked) var piecesCompared = 0
    @exclusivity(unchecked) var bytesCompared = 0

    init(config: FlowTableConfig) {
        maxPerDirection = max(0, config.maxBufferedBytesPerDirection)
        maxTotal = max(0, config.maxBufferedBytesTotal)
        maxPieces = max(0, config.maxSegmentsPerDirection)
    }

    func take(_ n: Int) {
        buffered += n
        if buffered > peakBuffered { peakBuffered = buffered }
    }

    func release(_ n: Int) { buffered -= n }
}

/// Where one direction's events go during one call: a consumer plus the frame and time of the segment
/// being processed. Remembers a `.bypass` verdict so that the reassembler stops delivering at once.
struct Delivery {
    /// Unowned: a delivery lives only inside the flow table's call that made it, which holds the consumer
    /// (a retain and a release per delivery, several a packet, otherwise).
    unowned(unsafe) let consumer: StreamConsumer
    let direction: Direction
    let frame: Int
    let time: CaptureTime
    /// The consumer asked to stop; nothing more is delivered.
    var bypass = false

    mutating func data(_ bytes: UnsafeRawBufferPointer) {
        guard !bypass, bytes.count > 0 else { return }
        if case .bypass = consumer.receive(.data(direction, bytes, frame: frame, time: time)) { bypass = true }
    }

    mutating func gap(_ count: Int) {
        guard !bypass, count > 0 else { return }
        if case .bypass = consumer.receive(.gap(direction, count: count, frame: frame, time: time)) { bypass = true }
    }

    mutating func finished() {
        guard !bypass else { return }
        if case .bypass = consumer.receive(.finished(direction, frame: frame, time: time)) { bypass = true }
    }
}

/// Reassembles one direction of a flow. A class so that the flow table can reuse it when a slab slot is
/// recycled, and so that consumers called from inside it never overlap an exclusive access to table state.
/// Not reentrant: a consumer must not call `FlowTable.process` from `receive`.
final class Reassembler {
    /// A contiguous run of bytes that arrived ahead of a hole, copied out of its frame.
    struct Piece {
        var start: SeqNumber
        var bytes: [UInt8]
    }

    /// No legitimate segment starts further than this past the next expected byte: the largest window
    /// RFC 7323 §2.3 allows is 2^30 - 2^14 (shift 14). Also keeps every distance far below 2^31.
    static let maxAhead: Int64 = 1 << 30
    /// `missingPayload` comes from an IP length field; a reassembled IPv6 jumbogram aside it is < 64 KiB.
    /// Clamp it so that hostile values cannot push distances near 2^31.
    static let maxMissing = 1 << 24

    @exclusivity(unchecked) var stats = DirectionStats()
    /// The first sequence number of this direction is known (from a SYN, or the first segment seen).
    @exclusivity(unchecked) var started = false
    /// Next byte to deliver: everything before it was delivered or reported as a gap.
    @exclusivity(unchecked) var nextSeq = SeqNumber(0)
    /// One past the highest byte seen (captured or not) in this direction; FIN excluded.
    @exclusivity(unchecked) var highSeq = SeqNumber(0)
    /// The initial sequence number, when a SYN was seen.
    @exclusivity(unchecked) var isn: SeqNumber?
    /// The direction ended with a FIN (delivered as `.finished`), or FIN was seen while bypassed.
    @exclusivity(unchecked) var finished = false
    @exclusivity(unchecked) var pieces: [Piece] = []
    @exclusivity(unchecked) var bufferedBytes = 0
    /// In-order bytes of this direction wait (buffered, undelivered) until the other direction has delivered
    /// up to `heldUntil`: set by the flow table when this sender acknowledged bytes of the other direction
    /// that are stuck behind a hole, so that a reply is never delivered before the command it answers.
    @exclusivity(unchecked) var held = false
    @exclusivity(unchecked) var heldUntil = SeqNumber(0)
    /// Holding was given up at a cap while the other direction stood at this sequence number; not again
    /// until that direction moves.
    @exclusivity(unchecked) var holdRefusedAt: SeqNumber?

    /// Back to the state of a new direction, releasing buffers (the caller has already released the budget).
    func reset() {
        stats = DirectionStats()
        started = false
        nextSeq = SeqNumber(0)
        highSeq = SeqNumber(0)
        isn = nil
        finished = false
        pieces = []
        bufferedBytes = 0
        held = false
        holdRefusedAt = nil
    }

    /// The other direction caught up: deliver what was held.
    func releaseHold(_ ctx: ReassemblyContext, _ out: inout Delivery) {
        guard held else { return }
        held = false
        drain(ctx, &out)
    }

    /// Drops every buffered piece without delivering it (the flow is bypassed or being recycled).
    func dropBuffers(_ ctx: ReassemblyContext) {
        ctx.release(bufferedBytes)
        bufferedBytes = 0
        if !pieces.isEmpty { pieces = [] }
    }

    // MARK: Sequence bookkeeping shared by the analyzed and bypassed paths

    /// Learns the start of the stream from `seg` if it is the first segment of this direction, and returns
    /// the sequence number of its first payload byte. A SYN occupies one sequence number (RFC 9293 §3.4),
    /// so its data (TCP Fast Open, RFC 7413) starts after it. Without a SYN the first segment's seq starts
    /// the stream: a capture picked up mid-connection.
    @inline(__always)
    func dataStart(of seg: TCPSegment) -> SeqNumber {
        let syn = seg.flags.contains(.syn)
        let first = syn ? seg.seq.advanced(by: 1) : seg.seq
        if !started {
            started = true
            nextSeq = first
            highSeq = first
            if syn { isn = seg.seq }
        }
        return first
    }

    /// Payload length on the wire with the hostile part clamped.
    @inline(__always)
    static func wireLength(_ seg: TCPSegment) -> (captured: Int, total: Int) {
        let captured = seg.payload.count
        let missing = min(max(seg.missingPayload, 0), maxMissing)
        return (captured, captured + missing)
    }

    /// Moves `highSeq` to `end` if it is further (and plausibly so); returns how many bytes it moved.
    @inline(__always)
    func raiseHigh(to end: SeqNumber) -> Int {
        let d = highSeq.distance(to: end)
        guard d > 0, d <= Self.maxAhead else { return 0 }
        highSeq = end
        return Int(d)
    }

    /// The bypassed path: no buffering, no delivery. `payloadBytes` counts the sequence space newly covered
    /// (lost bytes included, retransmissions once): the cheapest measure that needs no per-segment state.
    func count(_ seg: TCPSegment) {
        let start = dataStart(of: seg)
        let (_, total) = Self.wireLength(seg)
        let moved = raiseHigh(to: start.advanced(by: total))
        stats.payloadBytes = stats.payloadBytes.addingClamped(moved)
        if seg.flags.contains(.fin) { finished = true }
    }

    // MARK: Analyzed path

    /// Handles the payload and FIN of one segment sent in this direction (not RST: the flow table closes
    /// the flow on RST and ignores its payload, which RFC 9293 §3.5.3 reserves for diagnostics).
    func process(_ seg: TCPSegment, _ ctx: ReassemblyContext, _ out: inout Delivery) {
        let start = dataStart(of: seg)
        let (captured, total) = Self.wireLength(seg)
        let end = start.advanced(by: total)
        let fin = seg.flags.contains(.fin)

        if finished {
            // RFC 9293 §3.10.7.4: after a FIN the sender has no more sequence space. Late copies of earlier
            // bytes are retransmissions; anything new is bogus and ignored.
            if total > 0 {
                if nextSeq.distance(to: end) <= 0 { stats.retransmissions += 1 } else {
                    ctx.anomalies.record(.dataAfterFIN, frame: out.frame)
                }
            }
            return
        }

        if total > 0 {
            let off = nextSeq.distance(to: start)
            if off > Self.maxAhead {
                ctx.anomalies.record(.outOfWindow, frame: out.frame)
                return  // and ignore its FIN too: it is not where this stream is
            }
            _ = raiseHigh(to: end)
            if nextSeq.distance(to: end) <= 0 {
                // Entirely before the next byte. A keep-alive (RFC 9293 §3.8.4, RFC 1122 §4.2.3.6) sends
                // SND.NXT-1 with zero or one garbage byte: not a retransmission, and its byte is not compared.
                if !(off == -1 && total <= 1) { stats.retransmissions += 1 }
            } else {
                placeData(seg.payload, captured: captured, total: total, off: off, ctx, &out)
            }
        }
        if out.bypass { return }
        if fin { finish(at: end, ctx, &out) }
    }

    /// Delivers, buffers or compares the bytes of a segment starting `off` bytes past `nextSeq`.
    private func placeData(_ payload: UnsafeRawBufferPointer, captured: Int, total: Int, off: Int64,
                           _ ctx: ReassemblyContext, _ out: inout Delivery) {
        let base = nextSeq
        let capEnd = off + Int64(captured)
        let end = off + Int64(total)
        var overlapped = off < 0
        var buffered = false
        var cursor = max(off, 0)
        // First copy wins: compare with every buffered piece this segment overlaps before anything moves
        // (delivered bytes are not kept, so only buffered ones can be compared).
        let conflict = !pieces.isEmpty && conflicts(payload, off: off, from: cursor, to: capEnd, base: base, ctx)

        // Walk the captured bytes left to right, splitting them at delivered data and at buffered pieces.
        while cursor < capEnd && !out.bypass {
            let delivered = base.distance(to: nextSeq)
            if cursor < delivered {
                // Already delivered (by an earlier part of this very segment's drain): first copy wins.
                overlapped = true
                cursor = min(delivered, capEnd)
                continue
            }
            let i = firstPiece(endingAfter: cursor, base: base)
            if i < pieces.count {
                let ps = base.distance(to: pieces[i].start)
                if ps <= cursor {
                    // Covered by a buffered piece: keep the piece, compare for conflicts.
                    ctx.piecesCompared &+= 1
                    overlapped = true
                    cursor = min(ps + Int64(pieces[i].bytes.count), capEnd)
                    continue
                }
            }
            let holeEnd = i < pieces.count ? base.distance(to: pieces[i].start) : Int64.max
            let upto = min(holeEnd, capEnd)
            let lo = Int(cursor - off), hi = Int(upto - off)
            if cursor == delivered && !held {
                // In order: hand the frame's own bytes over, no copy.
                deliver(UnsafeRawBufferPointer(rebasing: payload[lo..<hi]), &out)
                drain(ctx, &out)
            } else if !buffer(UnsafeRawBufferPointer(rebasing: payload[lo..<hi]), at: base.advanced(by: Int(cursor)),
                              index: i, ctx) {
                // A cap would be exceeded: stop holding for the other direction, give up every hole up to
                // here, then the loop delivers in order.
                ctx.anomalies.record(.reassemblyCap, frame: out.frame)
                if held {
                    held = false
                    holdRefusedAt = heldUntil
                    drain(ctx, &out)
                }
                skip(to: base.advanced(by: Int(cursor)), ctx, &out)
                continue
            } else if cursor != delivered {
                buffered = true
            }
            cursor = upto
        }

        // Bytes the snapshot length cut off: if the captured part reached the delivery point, they are a
        // gap now (buffered pieces inside that range are real bytes and win); otherwise they stay a hole.
        if end > capEnd && !out.bypass && base.distance(to: nextSeq) >= capEnd {
            skip(to: base.advanced(by: Int(end)), ctx, &out)
        }

        if overlapped { stats.retransmissions += 1 }
        if buffered { stats.outOfOrder += 1 }
        if conflict {
            stats.overlapConflicts += 1
            ctx.anomalies.record(.overlapConflict, frame: out.frame)
        }
    }

    /// Index of the first piece whose end lies after `offset` (pieces are sorted and disjoint, so their ends
    /// are sorted too); `pieces.count` when none.
    private func firstPiece(endingAfter offset: Int64, base: SeqNumber) -> Int {
        var lo = 0, hi = pieces.count
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            let e = base.distance(to: pieces[mid].start) + Int64(pieces[mid].bytes.count)
            if e <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// True when the captured bytes in [from, to) differ from a buffered piece they overlap.
    private func conflicts(_ payload: UnsafeRawBufferPointer, off: Int64, from: Int64, to: Int64,
                           base: SeqNumber, _ ctx: ReassemblyContext) -> Bool {
        var i = firstPiece(endingAfter: from, base: base)
        while i < pieces.count {
            let ps = base.distance(to: pieces[i].start)
            guard ps < to else { return false }
            let lo = max(ps, from), hi = min(ps + Int64(pieces[i].bytes.count), to)
            ctx.piecesCompared &+= 1
            if lo < hi { ctx.bytesCompared &+= Int(hi - lo) }
            if lo < hi, differs(payload, from: Int(lo - off), piece: i, at: Int(lo - ps), count: Int(hi - lo)) {
                return true
            }
            i += 1
        }
        return false
    }

    private func differs(_ payload: UnsafeRawBufferPointer, from a: Int, piece: Int, at b: Int, count: Int) -> Bool {
        pieces[piece].bytes.withUnsafeBytes { p in
            for k in 0..<count where payload[a + k] != p[b + k] { return true }
            return false
        }
    }

    /// Copies bytes that arrived ahead of a hole into the piece list at `index` (merging with an adjacent
    /// piece), or returns false when a cap would be exceeded.
    private func buffer(_ bytes: UnsafeRawBufferPointer, at seq: SeqNumber, index i: Int,
                        _ ctx: ReassemblyContext) -> Bool {
        let joinsPrevious = i > 0 && pieces[i - 1].start.advanced(by: pieces[i - 1].bytes.count) == seq
        // A new piece is charged its bookkeeping too, so that a million 1-byte pieces cannot hide behind a
        // budget that counts payload only.
        let n = bytes.count + (joinsPrevious ? 0 : Self.pieceOverhead)
        guard bufferedBytes <= ctx.maxPerDirection - n, ctx.buffered <= ctx.maxTotal - n,
              joinsPrevious || pieces.count < ctx.maxPieces else { return false }
        bufferedBytes += n
        ctx.take(n)
        var at = i
        if joinsPrevious {
            at = i - 1
            pieces[at].bytes.append(contentsOf: bytes)
        } else {
            pieces.insert(Piece(start: seq, bytes: Array(bytes)), at: i)
        }
        // Bridged the hole to the next piece: merge, so that the piece count measures holes.
        if at + 1 < pieces.count, pieces[at].start.advanced(by: pieces[at].bytes.count) == pieces[at + 1].start {
            let next = pieces.remove(at: at + 1)
            pieces[at].bytes.append(contentsOf: next.bytes)
            bufferedBytes -= Self.pieceOverhead
            ctx.release(Self.pieceOverhead)
        }
        return true
    }

    /// What a buffered piece costs beside its bytes (its entry in `pieces` and its array's header and
    /// rounding), charged against the buffer caps.
    static let pieceOverhead = 64

    @inline(__always)
    private func deliver(_ bytes: UnsafeRawBufferPointer, _ out: inout Delivery) {
        nextSeq = nextSeq.advanced(by: bytes.count)
        stats.payloadBytes = stats.payloadBytes.addingClamped(bytes.count)
        out.data(bytes)
    }

    private func reportGap(_ count: Int, _ out: inout Delivery) {
        guard count > 0 else { return }
        nextSeq = nextSeq.advanced(by: count)
        stats.gaps += 1
        stats.gapBytes = stats.gapBytes.addingClamped(count)
        out.gap(count)
    }

    /// Delivers the buffered pieces that now continue the stream.
    private func drain(_ ctx: ReassemblyContext, _ out: inout Delivery) {
        while !out.bypass, !held, let first = pieces.first {
            let d = nextSeq.distance(to: first.start)
            guard d <= 0 else { return }
            pieces.removeFirst()
            bufferedBytes -= first.bytes.count + Self.pieceOverhead
            ctx.release(first.bytes.count + Self.pieceOverhead)
            // Pieces never start before nextSeq (delivery stops at a piece's start); be total anyway.
            let skip = Int(min(-d, Int64(first.bytes.count)))
            first.bytes.withUnsafeBytes { deliver(UnsafeRawBufferPointer(rebasing: $0[skip...]), &out) }
        }
    }

    /// Gives up every byte before `target`: holes become gaps, buffered pieces before it are delivered.
    /// The stream goes on after it (policy: a hole is never waited for once given up).
    private func skip(to target: SeqNumber, _ ctx: ReassemblyContext, _ out: inout Delivery) {
        held = false  // giving bytes up: nothing is waited for any more
        while !out.bypass {
            let t = nextSeq.distance(to: target)
            guard t > 0 else { return }
            if let first = pieces.first {
                let ps = nextSeq.distance(to: first.start)
                if ps <= t {
                    reportGap(Int(ps), &out)
                    drain(ctx, &out)
                    continue
                }
            }
            reportGap(Int(t), &out)
            drain(ctx, &out)
        }
    }

    /// Gives up every hole (the direction or flow ended with holes pending): gaps, then the buffered data.
    /// Bytes after the last piece are unknown and not reported.
    func flushAll(_ ctx: ReassemblyContext, _ out: inout Delivery) {
        held = false
        while !out.bypass, let first = pieces.first {
            reportGap(Int(max(0, nextSeq.distance(to: first.start))), &out)
            drain(ctx, &out)
            if let again = pieces.first, again.start == first.start { break }  // cannot happen; stay total
        }
    }

    /// Peer packets that acknowledged beyond the current hole (the hole starting at `holeAckedAt`).
    @exclusivity(unchecked) private var holeAcks = 0
    @exclusivity(unchecked) private var holeAckedAt = SeqNumber(0)
    /// How many peer packets may acknowledge beyond a hole before it is given up. A capture point can see a
    /// segment after the ACK that covers it (several links, a reordering switch, a generator's late copy):
    /// Wireshark still reassembles it, and Zeek's immediate "ACK above hole" gap is a known complaint
    /// (zeek/zeek #335). A segment still missing after this many ACKs was lost to the capture.
    static let ackedHoleGrace = 8

    /// The peer acknowledged up to `ack` (exclusive). If that lies beyond a hole, the receiver got bytes the
    /// capture has not shown; once `ackedHoleGrace` peer packets have said so, waiting longer is pointless
    /// and the hole is given up. Only done when a hole exists (data after it is buffered), and never past the
    /// highest byte seen, so that a bogus or early ACK cannot make up gaps out of nothing.
    func acknowledge(_ ack: SeqNumber, _ ctx: ReassemblyContext, _ out: inout Delivery) {
        guard started, !finished, !pieces.isEmpty else { return }
        let a = nextSeq.distance(to: ack)
        guard a > 0 else { return }
        let target = min(a, nextSeq.distance(to: highSeq))
        guard target > 0 else { return }
        if holeAckedAt != nextSeq {
            holeAckedAt = nextSeq
            holeAcks = 0
        }
        holeAcks += 1
        guard holeAcks > Self.ackedHoleGrace else { return }
        holeAcks = 0
        skip(to: nextSeq.advanced(by: Int(target)), ctx, &out)
    }

    /// A FIN sits at `seq`: give up the holes before it, drop anything buffered after it, end the direction.
    private func finish(at seq: SeqNumber, _ ctx: ReassemblyContext, _ out: inout Delivery) {
        if nextSeq.distance(to: seq) > 0 { skip(to: seq, ctx, &out) }
        if out.bypass { return }
        if !pieces.isEmpty {
            ctx.anomalies.record(.dataAfterFIN, frame: out.frame)
            dropBuffers(ctx)
        }
        finished = true
        out.finished()
    }
}

extension Int {
    /// Saturating addition for counters fed by input-derived values.
    @inline(__always)
    func addingClamped(_ n: Int) -> Int {
        let (r, o) = addingReportingOverflow(n)
        return o ? (n > 0 ? .max : .min) : r
    }
}
