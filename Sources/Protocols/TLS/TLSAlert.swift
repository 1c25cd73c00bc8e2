/// An alert read in the clear (RFC 8446 §6: level (1) | description (1)).
public struct TLSAlert: Sendable, Equatable {
    public var side: Side
    public var level: AlertLevel
    public var description: AlertDescription
    /// The frame where the alert's record started.
    public var frame: Int

    public init(side: Side, level: AlertLevel, description: AlertDescription, frame: Int) {
        self.side = side
        self.level = level
        self.description = description
        self.frame = frame
    }
}
