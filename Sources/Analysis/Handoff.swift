#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The few thread primitives a sharded run needs (ShardedRun.swift): a lock with a condition, a ring and a
// blocking queue built on them (the run's own hand-offs are in `ShardExchange`), and a way to start and join a
// thread; pthread directly, so that the library needs no Foundation. The pipeline itself stays lock-free: each
// flow table, analyzer and report has exactly one owner at a time, and only the hand-offs are synchronized.

/// A pthread mutex and condition variable, allocated once so that their addresses never move.
final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` holding the lock.
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits (holding the lock, inside `locked`) until `ready()` holds.
    func wait(until ready: () -> Bool) {
        while !ready() { pthread_cond_wait(condition, mutex) }
    }

    /// Wakes every waiter (call inside `locked`).
    func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits once for a wake-up (inside `locked`; the caller checks its condition again).
    func waitOnce() { pthread_cond_wait(condition, mutex) }

    /// Runs `body` without the lock, inside `locked`, and takes the lock again.
    func unlocked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_unlock(mutex)
        defer { pthread_mutex_lock(mutex) }
        return try body()
    }
}

/// A first-in first-out queue of fixed capacity, guarded by its owner's lock (`ShardExchange`, `BlockingQueue`).
struct Ring<Element> {
    private var slots: [Element?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        slots = Array(repeating: nil, count: max(1, capacity))
    }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == slots.count }

    /// Appends (the caller has checked `isFull`).
    mutating func push(_ element: Element) {
        guard count < slots.count else { return }
        slots[(head + count) % slots.count] = element
        count += 1
    }

    /// Removes the oldest (the caller has checked `isEmpty`).
    mutating func pop() -> Element {
        let element = slots[head]
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        // Non-nil: `count > 0` says this slot was filled by `push`.
        return element.unsafelyUnwrapped
    }
}

/// A first-in first-out queue of at most `capacity` elements between threads: `push` waits while it is full,
/// `pop` while it is empty.
final class BlockingQueue<Element>: @unchecked Sendable {
    private let monitor = Monitor()
    private var ring: Ring<Element>

    init(capacity: Int) {
        ring = Ring(capacity: capacity)
    }

    func push(_ element: Element) {
        monitor.locked {
            monitor.wait { !ring.isFull }
            ring.push(element)
            monitor.broadcast()
        }
    }

    func pop() -> Element {
        monitor.locked {
            monitor.wait { !ring.isEmpty }
            let element = ring.pop()
            monitor.broadcast()
            return element
        }
    }
}

/// A value handed to one other thread, which alone uses it until it is joined: the compiler cannot see
/// that ownership moves, so the box says it.
final class Handed<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// A started thread, to be joined.
struct RunningThread {
    private let thread: pthread_t

    /// Starts `body` on a new thread; nil when the system cannot make one (a resource limit).
    init?(_ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(Handed(body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let status = pthread_create(&thread, nil, { raw in
            #if canImport(Glibc)
            guard let raw else { return nil }
            #endif
            Unmanaged<Handed<@Sendable () -> Void>>.fromOpaque(raw).takeRetainedValue().value()
            return nil
        }, box)
        guard status == 0 else {
            Unmanaged<Handed<@Sendable () -> Void>>.fromOpaque(box).release()
            return nil
        }
        #if canImport(Glibc)
        self.thread = thread
        #else
        guard let thread else { return nil }
        self.thread = thread
        #endif
    }

    /// Waits for the thread to end.
    func join() {
        pthread_join(thread, nil)
    }
}
