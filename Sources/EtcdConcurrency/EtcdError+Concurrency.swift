import EtcdClientCore

extension EtcdError.Code {
    /// The session's lease was lost (expired or revoked): locks and leadership held through it are gone.
    public static let sessionExpired = EtcdError.Code("sessionExpired")
    /// The session was closed by its owner.
    public static let sessionClosed = EtcdError.Code("sessionClosed")
    /// The lock is not held: a fenced write found another owner, or unlock was called without the lock.
    public static let lockNotHeld = EtcdError.Code("lockNotHeld")
    /// The caller does not lead the election (any more).
    public static let notLeading = EtcdError.Code("notLeading")
    /// An STM transaction conflicted with other writers in every one of its attempts; the message says how many.
    public static let stmConflict = EtcdError.Code("stmConflict")
    /// More participants entered a double barrier than its count.
    public static let tooManyParticipants = EtcdError.Code("tooManyParticipants")
    /// A double barrier was left without being entered through the same object.
    public static let notEntered = EtcdError.Code("notEntered")
}
