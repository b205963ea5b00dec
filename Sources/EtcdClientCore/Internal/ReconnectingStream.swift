import _EtcdTransport
import _EtcdWire

/// Keeps one bidirectional stream of a method open for as long as a hub needs it: opens it on the client's
/// current connection, hands each decoded response to the hub, and re-opens it with capped, jittered backoff
/// after it ends.
enum ReconnectingStream {
    /// Runs until the hub says it needs no stream any more, or the client is closed.
    ///
    /// - Parameters:
    ///   - method: the streaming method.
    ///   - channel: the client's connections.
    ///   - opened: a new stream is open; the hub sends what it must on it.
    ///   - received: a response arrived.
    ///   - ended: the stream ended or could not be opened; returns whether to open another.
    ///   - clientClosed: the client was closed; the hub ends everything it runs.
    static func run<Method: ProtobufRPCMethod>(
        _ method: Method.Type,
        channel: EtcdChannel,
        opened: (GRPCStream) -> Void,
        received: (Method.Response) -> Void,
        ended: () -> Bool,
        clientClosed: () -> Void
    ) async {
        var backoff = ReconnectBackoff()
        while true {
            do {
                let stream = try channel.connection().makeStream(GRPCRequestHead(path: Method.path))
                opened(stream)
                do {
                    for try await message in stream.responses {
                        let response = try Method.Response(serializedBytes: message)
                        backoff.reset()
                        received(response)
                    }
                } catch {
                    // The stream broke, was reset, or sent an undecodable message: open another below.
                }
                stream.cancel()
            } catch {
                if error.code == .clientClosed {
                    clientClosed()
                    return
                }
            }
            guard ended() else { return }
            try? await Task.sleep(for: backoff.nextDelay())
        }
    }
}
