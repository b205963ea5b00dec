import _EtcdTransport
import _EtcdWire

/// Keeps one bidirectional stream of a method open for as long as a hub needs it: opens it on the client's
/// current connection, hands each decoded response to the hub, and re-opens it with capped, jittered backoff
/// after it ends.
enum ReconnectingStream {
    /// What the hub makes of a response.
    enum Verdict {
        /// Go on reading.
        case keepReading
        /// The server refused this stream's auth token for something the hub asked (etcd cancels a watch's
        /// create for an expired token): authenticate again and re-open the stream at once.
        case reauthenticate
    }

    /// How a stream treats members without a leader.
    enum LeaderPolicy {
        /// It asks for a member with a leader (`hasleader`) and moves on from one without; when no endpoint has
        /// had one for ``LeaderlessStreamRule/grace``, the hub's users end with `noLeader` (watches, as the Go
        /// client's require-leader watches).
        case required
        /// It asks for a member with a leader and moves on from one without, but never gives up; each refusal is
        /// reported, so that the users who asked for a leader can end (keep-alive, as the Go client's lessor).
        case preferred(refused: (EtcdError) -> Void)
    }

    /// Runs until the hub says it needs no stream any more, or the client is closed.
    ///
    /// - Parameters:
    ///   - method: the streaming method.
    ///   - channel: the client's connections.
    ///   - leader: what the stream does on a member without a leader.
    ///   - opened: a new stream is open; the hub sends what it must on it.
    ///   - received: a response arrived; the verdict says whether to go on with this stream.
    ///   - ended: the stream ended or could not be opened; returns whether to open another.
    ///   - terminated: the client was closed, its credentials were refused, or (``LeaderPolicy/required``) no
    ///     endpoint has a leader (see ``LeaderlessStreamRule``); the hub ends everything it runs with this error.
    static func run<Method: ProtobufRPCMethod>(
        _ method: Method.Type,
        channel: EtcdChannel,
        leader: LeaderPolicy,
        opened: (GRPCStream) -> Void,
        received: (Method.Response) -> Verdict,
        ended: () -> Bool,
        terminated: (EtcdError) -> Void
    ) async {
        var backoff = ReconnectBackoff()
        var leaderless = LeaderlessStreamRule()
        while true {
            var reason = "the server ended the stream"
            var retryAtOnce = false
            do {
                let opening = try await channel.openStream(
                    path: Method.path,
                    metadata: [(name: "hasleader", value: "true")]
                )
                let stream = opening.stream
                opened(stream)
                do {
                    var confirmed = false
                    for try await message in stream.responses {
                        let response = try Method.Response(serializedBytes: message)
                        if !confirmed {
                            confirmed = true
                            backoff.reset()
                            leaderless.answered()
                            channel.succeeded(on: opening.connection)
                        }
                        if received(response) == .reauthenticate {
                            reason = "the server refused the auth token"
                            channel.authenticator?.invalidate(opening.auth)
                            retryAtOnce = true
                            break
                        }
                    }
                } catch let status as GRPCStatus where status.code == .unavailable {
                    // The member cannot serve this stream (no leader, with `hasleader`): use the next one.
                    reason = "UNAVAILABLE: \(status.message)"
                    channel.abandon(opening.connection, reason: reason)
                    let error = EtcdError(status: status)
                    if error.code == .noLeader, case .preferred(let refused) = leader { refused(error) }
                    if error.code == .noLeader, case .required = leader,
                        leaderless.noLeader(
                            at: opening.connection.configuration.authority,
                            endpointCount: channel.endpointCount,
                            now: .now
                        )
                    {
                        stream.cancel()
                        channel.logger.log(
                            .warning,
                            "no endpoint has a leader; ending the stream's users",
                            ["method": Method.path, "reason": status.message]
                        )
                        terminated(
                            EtcdError(
                                .noLeader,
                                message:
                                    "no endpoint has had a leader for \(LeaderlessStreamRule.grace): \(status.message)",
                                grpcStatusCode: status.code.rawValue
                            )
                        )
                        return
                    }
                } catch let status as GRPCStatus where EtcdError(status: status).code == .responseTooLarge {
                    // The same response would come again after a re-open: the stream's users get the error.
                    stream.cancel()
                    terminated(EtcdError(status: status))
                    return
                } catch let status as GRPCStatus where EtcdError(status: status).code.asksForNewToken {
                    reason = "the auth token was rejected"
                    channel.authenticator?.invalidate(opening.auth)
                } catch {
                    // The stream broke, was reset, or sent an undecodable message: open another below.
                    reason = "\(EtcdClient.publicError(for: error))"
                }
                stream.cancel()
            } catch let error as EtcdError where error.code == .clientClosed || error.code == .authenticationFailed {
                // Closed, or wrong credentials: no point in trying again.
                terminated(error)
                return
            } catch {
                // Cancelled while waiting to reconnect, or no connection: the hub decides below.
                reason = "\(EtcdClient.publicError(for: error))"
            }
            guard ended() else { return }
            let delay = retryAtOnce ? .zero : backoff.nextDelay()
            channel.logger.log(
                .notice,
                "re-opening a stream",
                ["method": Method.path, "reason": reason, "delay": "\(delay)"]
            )
            try? await Task.sleep(for: delay)
        }
    }
}
