#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The few thread primitives a sharded run needs (ShardedRun.swift): a bounded blocking queue between two
// threads and a way to start and join a thread. pthread directly, so that the library needs no Foundation.
// The pipeline itself stays lock-free: each flow table, analyzer and report has exactly one owner at a time,
// and only the hand-offs below are synchronized.

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
}

/// A first-in first-out queue of at most `capacity` elements between threads: `push` waits while it is full,
/// `pop` while it is empty. Bounded, so a fast producer cannot run ahead of its consumer without limit.
///
/// Queues can share one monitor, so that a thread can wait for any of them (`countWhileLocked` inside
/// `monitor.locked` and `monitor.wait`): every push and pop wakes the monitor's waiters.
final class HandoffQueue<Element: Sendable>: @unchecked Sendable {
    let monitor: Monitor
    private var ring: [Element?]
    private var head = 0
    private var count = 0

    init(capacity: Int, monitor: Monitor = Monitor()) {
        self.monitor = monitor
        ring = Array(repeating: nil, count: max(1, capacity))
    }

    /// Elements waiting; read with the monitor held.
    var countWhileLocked: Int { count }

    /// The oldest element, or nil at once when there is none.
    func tryPop() -> Element? {
        monitor.locked { count > 0 ? take() : nil }
    }

    func push(_ element: Element) {
        monitor.locked {
            monitor.wait { count < ring.count }
            ring[(head + count) % ring.count] = element
            count += 1
            monitor.broadcast()
        }
    }

    func pop() -> Element {
        monitor.locked {
            monitor.wait { count > 0 }
            return take()
        }
    }

    /// Takes the oldest element (the monitor held, `count > 0`).
    private func take() -> Element {
        let element = ring[head]
        ring[head] = nil
        head = (head + 1) % ring.count
        count -= 1
        monitor.broadcast()
        // Non-nil: `count > 0` says this slot was filled by `push`.
        return element.unsafelyUnwrapped
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
