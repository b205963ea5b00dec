import _EtcdTransport

/// State that a library built on the client (the recipes) keeps per client, one value per type, made on first use
/// and released with the client.
package final class EtcdClientAttachments: Sendable {
    private let values = LockedValue<[ObjectIdentifier: any Sendable]>([:])

    /// The value of type `Value` attached to the client, made by `make` the first time.
    package func value<Value: Sendable>(_ make: () -> Value) -> Value {
        values.withLock { values in
            if let existing = values[ObjectIdentifier(Value.self)] as? Value { return existing }
            let made = make()
            values[ObjectIdentifier(Value.self)] = made
            return made
        }
    }
}
