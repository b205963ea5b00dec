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
    ///   - metadata: request metadata for the stream, such as `hasleader`.
    ///   - opened: a new stream is open; the hub sends what it must on it.
    ///   - received: a response arrived.
    ///   - ended: the stream ended or could not be opened; returns whether to open another.
    ///   - terminated: the client was closed, or its credentials were refused; the hub ends everything it runs
    ///     with this error.
    static func run<Method: ProtobufRPCMethod>(
        _ method: Method.Type,
        channel: EtcdChannel,
        metadata: [(name: String, value: String)] = [],
        opened: (GRPCStream) -> Void,
        received: (Method.Response) -> Void,
        ended: () -> Bool,
        terminated: (EtcdError) -> Void
    ) async {
        var backoff = ReconnectBackoff()
        while true {
            do {
                let opening = try await channel.openStream(path: Method.path, metadata: metadata)
                let stream = opening.stream
                opened(stream)
                do {
                    for try await message in stream.responses {
                        let response = try Method.Response(serializedBytes: message)
                        backoff.reset()
                        received(response)
                    }
                } catch let status as GRPCStatus where status.code == .unavailable {
                    // The member cannot serve this stream (no leader, with `hasleader`): use the next one.
                    channel.abandon(opening.connection)
                } catch let status as GRPCStatus where EtcdError(status: status).code == .invalidAuthToken {
                    channel.authenticator?.invalidate(opening.auth)
                } catch {
                    // The stream broke, was reset, or sent an undecodable message: open another below.
                }
                stream.cancel()
            } catch let error as EtcdError where error.code == .clientClosed || error.code == .authenticationFailed {
                // Closed, or wrong credentials: no point in trying again.
                terminated(error)
                return
            } catch {
                // Cancelled while waiting to reconnect: the hub decides below.
            }
            guard ended() else { return }
            try? await Task.sleep(for: backoff.nextDelay())
        }
    }
}
