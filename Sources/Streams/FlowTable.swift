import Wire

// The flow table: finds each segment's connection, decides roles, runs the two reassemblers, and ends
// flows (FIN, RST, idle timeout, eviction, port reuse, end of input) with exactly one record each.
//
// Memory layout: per-flow state lives in a slab (`slots`, indices are stable `Int32`s, freed indices go to
// a free list and their objects are reused, so a long capture stops allocating per flow too). Two
// intrusive doubly linked lists thread through the slab by index:
//
//     open:      head = least recently active  ...  tail = most recently active
//     lingering: head = least recently active  ...  tail = most recently active   (closed by FIN/RST)
//
// A packet moves its flow to the tail of its list; the table clock (the largest capture time seen) only
// goes forward, so each list is sorted by activity time and expiry or eviction only looks at a head: O(1).
// With frames handed over in increasing order, the heads also hold the smallest last-frame numbers, which
// makes `oldestPendingFrame` two reads.

/// Per-flow state in a slab slot. A class, reused through the free list.
final class FlowState {
    enum Phase {
        /// The slot is on the free list.
        case free
        /// Packets are reassembled (or counted, when bypassed).
        case open
        /// Closed by FIN or RST; absorbing late packets until `closedLinger` passes, then the record goes out.
        case lingering
    }

    @exclusivity(unchecked) var phase = Phase.free
    @exclusivity(unchecked) var info = FlowInfo(id: 0, client: Endpoint(IPAddress(ipv4: 0), 0), server: Endpoint(IPAddress(ipv4: 0), 0),
                        roleBasis: .firstSender, firstFrame: 0, firstTime: .zero, midstream: false)
    /// The analyzer; nil when the sink declined the flow, and after `.closed` was delivered.
    @exclusivity(unchecked) var consumer: StreamConsumer?
    /// Bytes are reassembled and delivered (a consumer exists and has not asked to bypass).
    @exclusivity(unchecked) var analyzing = false
    /// Why it closed (meaningful once lingering).
    @exclusivity(unchecked) var end = FlowEnd.endOfInput
    let c2s = Reassembler()
    let s2c = Reassembler()
    @exclusivity(unchecked) var lastFrame = 0
    @exclusivity(unchecked) var lastTime = CaptureTime.zero
    /// The frame that ended the flow (set when it closes; see `FlowRecord.endFrame`).
    @exclusivity(unchecked) var endFrame = 0

    @inline(__always)
    func side(_ direction: Direction) -> Reassembler { direction == .clientToServer ? c2s : s2c }

    var record: FlowRecord {
        FlowRecord(info: info, lastFrame: lastFrame, lastTime: lastTime, stats: [c2s.stats, s2c.stats], end: end,
                   endFrame: endFrame)
    }
}

/// Tracks TCP connections and reassembles both directions of each into `StreamEvent`s for the consumer
/// the sink picks.
///
/// Policies (see `Reassembler` for the byte-level ones):
/// - Overlaps: first copy wins. Delivered bytes are not kept (zero-copy), so conflicts are detected only
///   against buffered bytes; a differing copy of delivered bytes counts as a retransmission only.
/// - A hole is given up (a `.gap` of its exact size, then the data behind it) when the peer ACKs beyond it,
///   when a buffer or piece cap would be exceeded, when its direction sees a FIN (RFC 9293 §3.10.7.4: no
///   data follows it) or when the flow ends.
/// - Both FINs or one RST close the flow (`.closed(.fin/.rst)`), which then lingers `closedLinger` seconds
///   after its last packet, absorbing late packets into its counters (RFC 9293 §3.6.1 TIME-WAIT, 2·MSL).
/// - A SYN without ACK (and a new ISN) on a lingering flow, or on an open flow whose client has finished,
///   starts a new flow; the open one ends `.reused`.
/// - A nil consumer or a `.bypass` verdict: nothing is buffered or delivered again, packets and bytes are
///   still counted, `payloadBytes` grows by the sequence space covered; a bypassing consumer still gets
///   `.closed`, so that it can finish its summary.
///
/// Bounded: at most `maxFlows` flows, `maxBufferedBytesPerDirection` / `maxBufferedBytesTotal` out-of-order
/// bytes and `maxSegmentsPerDirection` out-of-order pieces; a hit degrades (eviction, a gap) and records an
/// anomaly. Driven by capture time only. Not thread-safe: one owner, as the pipeline has (STYLE.md §3.13);
/// consumers must not call back into `process`, `advanceTime` or `finish` while receiving an event.
public final class FlowTable {
    private let config: FlowTableConfig
    private let maxFlows: Int
    private let sink: StreamSink
    private let ctx: ReassemblyContext

    /// Flow key to slot (the keys live in `links`).
    @exclusivity(unchecked) private var index = FlowIndex()
    @exclusivity(unchecked) private var slots: [FlowState] = []
    /// Beside each slot, what the lists and the clocks touch on every packet: plain values, so that moving a
    /// flow in its list reads no object (and retains none); in a `SlotLinksStore`, written in place with no
    /// copy-on-write check (an `Array` made a uniqueness check per field written, eight a packet).
    @exclusivity(unchecked) private var links = SlotLinksStore()
    /// The slab's objects again, unretained, for the per-packet path (`slots` owns them; slots are never
    /// removed, only reused).
    @exclusivity(unchecked) private var unretained: [Unmanaged<FlowState>] = []
    @exclusivity(unchecked) private var freeSlots: [Int32] = []
    @exclusivity(unchecked) private var openList = (head: Int32(-1), tail: Int32(-1))
    @exclusivity(unchecked) private var lingerList = (head: Int32(-1), tail: Int32(-1))
    @exclusivity(unchecked) private var openCount = 0
    @exclusivity(unchecked) private var lingerCount = 0
    /// The largest capture time seen: timeouts never run backwards when a file's timestamps do.
    @exclusivity(unchecked) private var clock: CaptureTime?
    /// Before this time nothing can expire: the earliest deadline of the two lists' heads when last worked out
    /// (`nextExpiry`), lowered to the deadline of every flow that joins a list since (a new flow's idle deadline,
    /// a closed flow's lingering one: either may come before the other list's head). A flow that becomes active
    /// again only moves its own deadline later. Nil: work it out at the next move of the clock. Saves walking
    /// to both heads every packet.
    @exclusivity(unchecked) private var quietUntil: CaptureTime?
    /// The slot `lookup` found last (-1: none); checked against the slot's key and phase before use.
    @exclusivity(unchecked) private var lastSlot: Int32 = -1

    /// Creates a table; `sink` chooses a consumer for each flow and takes each finished flow's record.
    public init(config: FlowTableConfig = FlowTableConfig(), sink: StreamSink) {
        self.config = config
        self.maxFlows = max(1, config.maxFlows)
        self.sink = sink
        self.ctx = ReassemblyContext(config: config)
    }

    deinit {
        links.deallocate()
    }

    /// Flows not yet closed (lingering closed flows excluded; see `lingeringFlows`).
    public var openFlows: Int { openCount }
    /// Flows closed by FIN or RST that still absorb late packets; their records are not out yet.
    public var lingeringFlows: Int { lingerCount }
    /// Out-of-order bytes held now, across all flows.
    public var bufferedBytes: Int { ctx.buffered }
    /// The largest `bufferedBytes` ever was (since `restartPeakBufferedBytes`).
    public var peakBufferedBytes: Int { ctx.peakBuffered }
    /// Starts `peakBufferedBytes` again from the bytes held now, so that it tells the peak of what follows (a
    /// sharded run adds the workers' buffers up frame by frame to find the peak one table would have seen).
    public func restartPeakBufferedBytes() { ctx.peakBuffered = ctx.buffered }
    /// Flows created so far; also the id of the newest flow.
    @exclusivity(unchecked) public private(set) var flowsCreated = 0
    /// The most flows held at once (open and lingering): at most `maxFlows`.
    @exclusivity(unchecked) public private(set) var peakFlows = 0
    /// Buffered pieces arriving segments were compared with, and bytes compared (see `ReassemblyContext`).
    public var piecesCompared: Int { ctx.piecesCompared }
    public var bytesCompared: Int { ctx.bytesCompared }
    /// Odd but survivable things seen: `flow_table_full`, `tcp_reassembly_cap`, `tcp_overlap_conflict`,
    /// `tcp_out_of_window`, `tcp_data_after_fin`.
    public var anomalies: AnomalyLog { ctx.anomalies }

    /// The smallest end frame among closed flows whose records have not gone out yet (they linger), or nil.
    /// An open flow can only end at the frame being processed or later, so the records of finished flows
    /// whose `endFrame` is below both this and the current frame can be released in (endFrame, id) order.
    /// The lingering list is in closing order, which is end-frame order: its head is the smallest.
    public var oldestPendingFrame: Int? {
        lingerList.head >= 0 ? links[Int(lingerList.head)].endFrame : nil
    }

    // MARK: Packets

    /// One decoded segment; `wireLength` = the frame's original length (for byte counters).
    public func process(_ segment: TCPSegment, frame: Int, time: CaptureTime, wireLength: Int) {
        advanceTime(to: time, frame: frame)
        let key = segment.flowKey
        let slot: Int32
        if let existing = lookup(key) {
            if unretained[Int(existing)]._withUnsafeGuaranteedRef({ isPortReuse($0, segment) }) {
                // RFC 9293 §3.6.1 (TIME-WAIT): a new SYN on a closed connection's 4-tuple opens a new
                // connection; tshark counts a new conversation too. An open flow whose client has already
                // sent FIN cannot take a new SYN from it either.
                if slots[Int(existing)].phase == .open { close(existing, .reused, frame: frame, time: time) }
                release(existing)
                slot = create(segment, key: key, frame: frame, time: time)
            } else {
                slot = existing
            }
        } else {
            slot = create(segment, key: key, frame: frame, time: time)
        }

        // The flow and its reassemblers are borrowed, not retained: an atomic retain and release per object
        // per packet is measurable at millions of packets. The slab keeps every FlowState alive for the
        // table's life, so the unretained references stay valid.
        unretained[Int(slot)]._withUnsafeGuaranteedRef { flow in
            if segment.source == flow.info.client {
                process(segment, slot: slot, flow: flow, mine: flow.c2s, peer: flow.s2c, direction: .clientToServer,
                        frame: frame, time: time, wireLength: wireLength)
            } else {
                process(segment, slot: slot, flow: flow, mine: flow.s2c, peer: flow.c2s, direction: .serverToClient,
                        frame: frame, time: time, wireLength: wireLength)
            }
        }
    }

    @inline(__always)
    private func process(_ segment: TCPSegment, slot: Int32, flow: FlowState, mine: Reassembler, peer: Reassembler,
                         direction: Direction, frame: Int, time: CaptureTime, wireLength: Int) {
        mine.stats.packets += 1
        mine.stats.bytes = mine.stats.bytes.addingClamped(max(0, wireLength))
        let flags = segment.flags
        if flags.contains(.fin) { mine.stats.sawFIN = true }
        if flags.contains(.rst) { mine.stats.sawRST = true }
        if frame > flow.lastFrame { flow.lastFrame = frame }
        flow.lastTime = time
        links[Int(slot)].lastActive = clock ?? time

        switch flow.phase {
        case .lingering:
            // Late ACKs and retransmissions of a closed flow: counted, never delivered. The flow keeps its
            // place in the lingering list (closing order, which `oldestPendingFrame` relies on).
            // (payload.count and missingPayload tested apart: their sum can overflow on hostile values.)
            if segment.payload.count > 0 || segment.missingPayload > 0 { mine.stats.retransmissions += 1 }
            return
        case .open, .free:
            moveToTail(slot, lingering: false)
        }

        if flags.contains(.rst) {
            // RFC 9293 §3.10.7: a reset ends the connection in both directions at once.
            // (Not checked against the window as RFC 5961 §3 does: an observer cannot know the receiver's
            // window exactly, and tshark does not check either.)
            close(slot, .rst, frame: frame, time: time)
            linger(slot)
            return
        }

        if flow.analyzing, let consumer = flow.consumer {
            // Cross-direction order: this sender acknowledges bytes of the other direction that sit behind a
            // hole there (a command split in two segments, the first seen late). What it sends now answers
            // them, so it waits until they are delivered (or given up), as the endpoint saw them.
            if !mine.held, flags.contains(.ack), !peer.pieces.isEmpty, peer.nextSeq.distance(to: segment.ack) > 0,
               peer.nextSeq != mine.holdRefusedAt, segment.payload.count > 0 || flags.contains(.fin) {
                mine.held = true
                mine.heldUntil = segment.ack
            }
            var out = Delivery(consumer: consumer, direction: direction, frame: frame, time: time)
            mine.process(segment, ctx, &out)
            if !out.bypass && flags.contains(.ack) {
                var back = Delivery(consumer: consumer, direction: direction.reversed, frame: frame, time: time)
                peer.acknowledge(segment.ack, ctx, &back)
                out.bypass = back.bypass
            }
            // Either direction's progress may release the other's held bytes (peer first, then this side).
            func releaseIfDue(_ waiting: Reassembler, behind other: Reassembler, _ dir: Direction) {
                guard !out.bypass, waiting.held,
                      other.pieces.isEmpty || other.nextSeq.distance(to: waiting.heldUntil) <= 0 else { return }
                var release = Delivery(consumer: consumer, direction: dir, frame: frame, time: time)
                waiting.releaseHold(ctx, &release)
                out.bypass = release.bypass
            }
            releaseIfDue(peer, behind: mine, direction.reversed)
            releaseIfDue(mine, behind: peer, direction)
            if out.bypass { bypass(flow) }
        } else {
            mine.count(segment)
        }

        if flow.c2s.finished && flow.s2c.finished {
            close(slot, .fin, frame: frame, time: time)
            linger(slot)
        }
    }

    /// The slot of `key`'s flow. Segments come in bursts per connection, so the last flow found is tried
    /// before the index (a key compare instead of a hash).
    @inline(__always)
    private func lookup(_ key: FlowKey) -> Int32? {
        if lastSlot >= 0, links[Int(lastSlot)].inUse, links[Int(lastSlot)].key == key { return lastSlot }
        guard let found = index.find(key, in: links) else { return nil }
        lastSlot = found
        return found
    }

    /// A SYN without ACK on a flow that is over (lingering) or whose client has finished starts a new flow;
    /// a late copy of the flow's own SYN (same ISN) does not.
    private func isPortReuse(_ flow: FlowState, _ segment: TCPSegment) -> Bool {
        let flags = segment.flags
        guard flags.contains(.syn), !flags.contains(.ack) else { return false }
        let sender = segment.source == flow.info.client ? flow.c2s : flow.s2c
        if let isn = sender.isn, isn == segment.seq { return false }
        switch flow.phase {
        case .lingering: return true
        case .open: return flow.c2s.finished || flow.c2s.stats.sawRST
        case .free: return false
        }
    }

    /// The consumer asked to stop: drop both directions' buffers and keep only counting.
    private func bypass(_ flow: FlowState) {
        flow.analyzing = false
        for r in [flow.c2s, flow.s2c] {
            r.dropBuffers(ctx)
            // From here `payloadBytes` grows by sequence space covered; start from what was delivered.
            if r.started, r.nextSeq.distance(to: r.highSeq) > 0 { r.highSeq = r.nextSeq }
        }
    }

    // MARK: Time

    /// Capture time moved (also called by process): expire idle and lingering flows.
    @inline(__always)
    public func advanceTime(to now: CaptureTime, frame: Int) {
        if let c = clock, now <= c {
            // Same time, or the file went backwards: nothing can expire that did not already.
            return
        }
        clock = now
        if let q = quietUntil, now < q { return }
        expire(now, frame: frame)
    }

    /// Ends the flows idle too long and releases those done lingering, at `now`.
    @inline(never)
    private func expire(_ now: CaptureTime, frame: Int) {
        while openList.head >= 0 {
            let h = openList.head
            guard now.secondsSince(links[Int(h)].lastActive) >= config.idleTimeout else { break }
            close(h, .timeout, frame: frame, time: now)
            release(h)
        }
        expireLingering(now)
        quietUntil = nextExpiry
    }

    /// The earliest capture time at which `advanceTime` would end a flow (the least recently active open flow
    /// timing out, or the first closed one done lingering); nil when no flow is held. Before it, moving the
    /// clock (`noteTime`) is all `advanceTime` would do. A sharded run's workers move their clocks to every
    /// other worker's frames, and most of those moves can skip the lists.
    public var nextExpiry: CaptureTime? {
        var earliest: CaptureTime?
        if openList.head >= 0 {
            earliest = Self.deadline(links[Int(openList.head)].lastActive, after: config.idleTimeout)
        }
        if lingerList.head >= 0 {
            let d = Self.deadline(links[Int(lingerList.head)].closedAt, after: config.closedLinger)
            earliest = earliest.map { min($0, d) } ?? d
        }
        return earliest
    }

    /// The first time `now` with `now.secondsSince(start) >= seconds` (saturating: a time so late that no
    /// later one exists means never).
    private static func deadline(_ start: CaptureTime, after seconds: Int64) -> CaptureTime {
        let (s, overflow) = start.seconds.addingReportingOverflow(seconds)
        if overflow { return seconds > 0 ? CaptureTime(seconds: .max, nanoseconds: 999_999_999) : CaptureTime(seconds: .min, nanoseconds: 0) }
        return CaptureTime(seconds: s, nanoseconds: start.nanoseconds)
    }

    /// Moves the clock to `now` (when later), as `advanceTime` does, for a time before `nextExpiry`.
    public func noteTime(_ now: CaptureTime) {
        if let c = clock, now <= c { return }
        clock = now
    }

    private func expireLingering(_ now: CaptureTime) {
        while lingerList.head >= 0 {
            let h = lingerList.head
            guard now.secondsSince(links[Int(h)].closedAt) >= config.closedLinger else { break }
            release(h)
        }
    }

    /// End of input: every open flow gets `.closed(.endOfInput)` (after its buffered data is flushed with
    /// gaps) and a record; lingering flows get their record.
    public func finish(frame: Int, time: CaptureTime) {
        while openList.head >= 0 {
            let h = openList.head
            close(h, .endOfInput, frame: frame, time: time)
            release(h)
        }
        while lingerList.head >= 0 { release(lingerList.head) }
    }

    // MARK: Flow life cycle

    /// Makes room if needed, takes a slot, decides roles and asks the sink for a consumer.
    private func create(_ segment: TCPSegment, key: FlowKey, frame: Int, time: CaptureTime) -> Int32 {
        if openCount + lingerCount >= maxFlows {
            if lingerList.head >= 0 {
                // A closed flow's record can go out early: it only loses a few late packets.
                release(lingerList.head)
            } else if openList.head >= 0 {
                ctx.anomalies.record(.flowTableFull, frame: frame)
                let victim = openList.head
                close(victim, .evicted, frame: frame, time: time)
                release(victim)
            }
        }

        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = Int32(truncatingIfNeeded: slots.count)
            let state = FlowState()
            slots.append(state)
            unretained.append(Unmanaged.passUnretained(state))
            links.append(SlotLinks())
        }
        let flow = slots[Int(slot)]
        flowsCreated += 1
        let (client, server, basis) = roles(segment)
        links[Int(slot)].key = key
        links[Int(slot)].inUse = true
        flow.info = FlowInfo(id: flowsCreated, client: client, server: server, roleBasis: basis, firstFrame: frame,
                             firstTime: time, midstream: !segment.flags.contains(.syn))
        flow.end = .endOfInput
        flow.endFrame = frame
        flow.lastFrame = frame
        flow.lastTime = time
        links[Int(slot)].lastActive = clock ?? time
        flow.phase = .open
        index.insert(key, slot: slot, in: links)
        link(slot, lingering: false)
        quietUntil = quietUntil.map { min($0, Self.deadline(links[Int(slot)].lastActive, after: config.idleTimeout)) }
        openCount += 1
        peakFlows = max(peakFlows, openCount + lingerCount)

        flow.consumer = sink.flowStarted(flow.info)
        flow.analyzing = flow.consumer != nil
        return slot
    }

    /// Role decision at the first packet:
    /// 1. SYN without ACK: its sender is the client; SYN+ACK: its receiver is (RFC 9293 §3.5 handshake).
    /// 2. Exactly one port in `serverPorts`: that side is the server.
    /// 3. Exactly one port below 1024 (the system ports of RFC 6335 §6): that side is the server.
    /// 4. Otherwise the first sender is the client.
    private func roles(_ s: TCPSegment) -> (client: Endpoint, server: Endpoint, basis: RoleBasis) {
        if s.flags.contains(.syn) {
            return s.flags.contains(.ack) ? (s.destination, s.source, .syn) : (s.source, s.destination, .syn)
        }
        let srcKnown = config.serverPorts.contains(s.source.port)
        let dstKnown = config.serverPorts.contains(s.destination.port)
        if srcKnown != dstKnown { return srcKnown ? (s.destination, s.source, .port) : (s.source, s.destination, .port) }
        let srcLow = s.source.port < 1024, dstLow = s.destination.port < 1024
        if srcLow != dstLow { return srcLow ? (s.destination, s.source, .port) : (s.source, s.destination, .port) }
        return (s.source, s.destination, .firstSender)
    }

    /// Ends the consumer's part of an open flow: pending holes become gaps (then the data behind them),
    /// then `.closed`. Consumers that bypassed still get `.closed`, so that they can finish their summary.
    private func close(_ slot: Int32, _ reason: FlowEnd, frame: Int, time: CaptureTime) {
        let flow = slots[Int(slot)]
        flow.end = reason
        flow.endFrame = frame
        links[Int(slot)].endFrame = frame
        links[Int(slot)].closedAt = clock ?? time
        if let consumer = flow.consumer {
            for direction in [Direction.clientToServer, .serverToClient] where flow.analyzing {
                    var out = Delivery(consumer: consumer, direction: direction, frame: frame, time: time)
                    flow.side(direction).flushAll(ctx, &out)
                    if out.bypass { bypass(flow) }
            }
            _ = consumer.receive(.closed(reason, frame: frame, time: time))
            flow.consumer = nil
        }
        flow.analyzing = false
        flow.c2s.dropBuffers(ctx)
        flow.s2c.dropBuffers(ctx)
    }

    /// Moves a closed flow from the open list to the lingering list.
    private func linger(_ slot: Int32) {
        let flow = slots[Int(slot)]
        guard flow.phase == .open else { return }
        unlink(slot, lingering: false)
        openCount -= 1
        flow.phase = .lingering
        link(slot, lingering: true)
        lingerCount += 1
        quietUntil = quietUntil.map { min($0, Self.deadline(links[Int(slot)].closedAt, after: config.closedLinger)) }
    }

    /// Emits the record of a flow (closed already, or bypassed/declined) and frees its slot.
    private func release(_ slot: Int32) {
        let flow = slots[Int(slot)]
        switch flow.phase {
        case .free: return
        case .open:
            // Every path closes first; stay total if one did not.
            if flow.consumer != nil { close(slot, flow.end, frame: flow.lastFrame, time: flow.lastTime) }
            unlink(slot, lingering: false)
            openCount -= 1
        case .lingering:
            unlink(slot, lingering: true)
            lingerCount -= 1
        }
        flow.phase = .free
        links[Int(slot)].inUse = false
        index.remove(links[Int(slot)].key, slot: slot)
        let record = flow.record
        flow.c2s.dropBuffers(ctx)
        flow.s2c.dropBuffers(ctx)
        flow.c2s.reset()
        flow.s2c.reset()
        flow.consumer = nil
        freeSlots.append(slot)
        sink.flowFinished(record)
    }

    // MARK: Intrusive lists

    private func link(_ slot: Int32, lingering: Bool) {
        let tail = lingering ? lingerList.tail : openList.tail
        links[Int(slot)].prev = tail
        links[Int(slot)].next = -1
        if tail >= 0 { links[Int(tail)].next = slot }
        if lingering {
            if lingerList.head < 0 { lingerList.head = slot }
            lingerList.tail = slot
        } else {
            if openList.head < 0 { openList.head = slot }
            openList.tail = slot
        }
    }

    private func unlink(_ slot: Int32, lingering: Bool) {
        let p = links[Int(slot)].prev, n = links[Int(slot)].next
        if p >= 0 { links[Int(p)].next = n } else if lingering { lingerList.head = n } else { openList.head = n }
        if n >= 0 { links[Int(n)].prev = p } else if lingering { lingerList.tail = p } else { openList.tail = p }
        links[Int(slot)].prev = -1
        links[Int(slot)].next = -1
    }

    @inline(__always)
    private func moveToTail(_ slot: Int32, lingering: Bool) {
        let tail = lingering ? lingerList.tail : openList.tail
        guard tail != slot else { return }
        unlink(slot, lingering: lingering)
        link(slot, lingering: lingering)
    }
}

/// The table's `SlotLinks`, one per slot, in one growing allocation that the table alone owns and frees.
/// Unlike an `Array` it is not copied on write: a copy of the store is another view of the same links, so only
/// the table mutates it, and `FlowIndex` only reads the keys through the view it is lent.
struct SlotLinksStore {
    private var base: UnsafeMutablePointer<SlotLinks>?
    private(set) var count = 0
    private var capacity = 0

    init() {}

    /// The links of slot `i` (`0 ..< count`: slots are the table's own numbers, never read from the input).
    subscript(i: Int) -> SlotLinks {
        unsafeAddress {
            precondition(i >= 0 && i < count, "slot out of range")
            return UnsafePointer(base.unsafelyUnwrapped + i)
        }
        nonmutating unsafeMutableAddress {
            precondition(i >= 0 && i < count, "slot out of range")
            return base.unsafelyUnwrapped + i
        }
    }

    mutating func append(_ links: SlotLinks) {
        if count == capacity {
            let grown = max(64, capacity * 2)
            let fresh = UnsafeMutablePointer<SlotLinks>.allocate(capacity: grown)
            if let base {
                fresh.moveInitialize(from: base, count: count)
                base.deallocate()
            }
            base = fresh
            capacity = grown
        }
        (base.unsafelyUnwrapped + count).initialize(to: links)
        count += 1
    }

    /// Frees the links (the table's `deinit`); the store is empty after.
    mutating func deallocate() {
        guard let base else { return }
        base.deinitialize(count: count)
        base.deallocate()
        self.base = nil
        count = 0
        capacity = 0
    }
}

/// A slot's place in its list (open or lingering) and the table clock at its last packet and at its close.
struct SlotLinks {
    /// The slot holds a flow (not on the free list), and its key: what a lookup of the last flow compares.
    var inUse = false
    var key = FlowKey(Endpoint(IPAddress(ipv4: 0), 0), Endpoint(IPAddress(ipv4: 0), 0))
    var prev: Int32 = -1
    var next: Int32 = -1
    /// The table clock when the last packet came: monotonic, unlike `lastTime`, so the lists stay sorted.
    var lastActive = CaptureTime.zero
    /// The table clock when the flow closed: lingering is measured from here.
    var closedAt = CaptureTime.zero
    /// The frame that closed it (what `oldestPendingFrame` asks of the lingering list's head every packet).
    var endFrame = 0
}
