import _EtcdWire

/// An alarm raised by a member.
public struct EtcdAlarm: Hashable, Sendable {
    /// What the alarm is about.
    public enum Kind: Hashable, Sendable {
        /// The member's database reached its space quota: writes fail with ``EtcdError/Code/noSpace``.
        case noSpace
        /// The member found its data corrupt.
        case corrupt
        /// An alarm type this client does not know, by its number.
        case other(Int32)
    }

    /// The member that raised it.
    public let memberID: UInt64
    /// What it is about.
    public let kind: Kind

    /// An alarm of `kind` for the member `memberID`, to raise or clear.
    public init(memberID: UInt64, kind: Kind) {
        self.memberID = memberID
        self.kind = kind
    }

    init(_ alarm: EtcdserverPB.AlarmMember) {
        memberID = alarm.memberID
        switch alarm.alarm {
        case .nospace: kind = .noSpace
        case .corrupt: kind = .corrupt
        default: kind = .other(alarm.alarm.rawValue)
        }
    }

    var type: EtcdserverPB.AlarmType {
        switch kind {
        case .noSpace: .nospace
        case .corrupt: .corrupt
        case .other(let raw): EtcdserverPB.AlarmType(rawValue: raw)
        }
    }
}
