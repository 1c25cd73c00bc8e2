/// A source whose frames can stay valid after `next()` (a file read into blocks it keeps, or mapped): a sharded
/// run hands its workers views of the frames instead of copies, and says when they are done with them.
public protocol RetainingFrameSource: FrameSource {
    /// From now on, keeps the bytes of every frame returned valid until the retainer releases them; nil when
    /// the source cannot, and frames must then be copied.
    func retainFrames() -> FrameRetainer?
}

/// Lets retained frames go (see `RetainingFrameSource`).
public protocol FrameRetainer: AnyObject {
    /// The frames whose bytes start before `bytes` are no longer needed; the source may hand their memory
    /// back to the system. `bytes` must be the start of a frame it returned.
    func releaseFrames(before bytes: UnsafeRawPointer)
}
