import EtcdClientCore

/// A lease ID given in hexadecimal, as etcdctl takes it.
enum LeaseArgument {
    /// The lease `text` names.
    ///
    /// - Throws: ``CommandError`` (``ExitCode/badArgs``) with etcdctl's message, after `message`.
    static func id(_ text: String, message: String = "bad lease ID arg") throws(CommandError) -> EtcdLeaseID {
        guard let value = Int64(text, radix: 16) ?? UInt64(text, radix: 16).map({ Int64(bitPattern: $0) }) else {
            throw CommandError(
                .badArgs,
                "\(message) (strconv.ParseInt: parsing \(GoText.quote(text)): invalid syntax), expecting ID in Hex"
            )
        }
        return EtcdLeaseID(rawValue: value)
    }
}
