import Testing

@testable import EtcdClientCore

/// What the rounds say to an answer: the revision of the answer to deliver now, if any, and whether to send a request.
private struct Outcome: Equatable {
    var deliver: Int64?
    var send: Bool
}

/// The server's answer at `revision` arrives.
private func answer(_ rounds: inout WatchProgressRounds, at revision: Int64) -> Outcome {
    let (deliver, send) = rounds.answered(
        EtcdResponseHeader(clusterID: 1, memberID: 2, revision: revision, raftTerm: 3)
    )
    return Outcome(deliver: deliver?.revision, send: send)
}

/// A caller asks; returns whether a request is sent now.
private func ask(_ rounds: inout WatchProgressRounds, streamIsOpen: Bool = true) -> Bool {
    rounds.ask(streamIsOpen: streamIsOpen)
}

/// A stream opens; returns whether a request is sent on it.
private func open(_ rounds: inout WatchProgressRounds) -> Bool {
    rounds.streamOpened()
}

@Suite("Progress request rounds of a watch stream")
struct WatchProgressRoundsTests {
    @Test("an answer is delivered once the answer to the request sent after it arrived comes back, and only then")
    func confirmedByNextAnswer() {
        var rounds = WatchProgressRounds()
        #expect(ask(&rounds))
        #expect(answer(&rounds, at: 30) == Outcome(deliver: nil, send: true))
        #expect(
            answer(&rounds, at: 31) == Outcome(deliver: 30, send: false),
            "the confirming answer itself was asked for by nobody"
        )
    }

    @Test("asks made while a request is in flight send nothing, and each answer answers the one request before it")
    func oneRequestInFlight() {
        var rounds = WatchProgressRounds()
        #expect(ask(&rounds))
        // Three more asks: etcd 3.4.25 and 3.5.8 answer requests made while a watcher catches up with one answer,
        // so the count of answers must not matter.
        for _ in 0..<3 { #expect(!ask(&rounds)) }
        #expect(answer(&rounds, at: 30) == Outcome(deliver: nil, send: true))
        // The confirming request went out after those asks: its answer serves them, so it is confirmed in turn.
        #expect(answer(&rounds, at: 31) == Outcome(deliver: 30, send: true))
        #expect(answer(&rounds, at: 32) == Outcome(deliver: 31, send: false))
        #expect(ask(&rounds), "nothing in flight any more")
    }

    @Test("an ask made during the confirming round is served by a request sent after the round")
    func askDuringConfirmation() {
        var rounds = WatchProgressRounds()
        _ = ask(&rounds)
        #expect(answer(&rounds, at: 30) == Outcome(deliver: nil, send: true))
        #expect(!ask(&rounds))
        #expect(answer(&rounds, at: 31) == Outcome(deliver: 30, send: true))
        #expect(answer(&rounds, at: 33) == Outcome(deliver: nil, send: true))
        #expect(answer(&rounds, at: 34) == Outcome(deliver: 33, send: false))
    }

    @Test("an ask with no stream open, or lost with its stream, is sent when the next stream opens")
    func asksSurviveStreams() {
        var rounds = WatchProgressRounds()
        #expect(!ask(&rounds, streamIsOpen: false))
        #expect(open(&rounds))
        rounds.streamEnded()
        #expect(open(&rounds), "the request in flight was lost")
        #expect(answer(&rounds, at: 40) == Outcome(deliver: nil, send: true))
        rounds.streamEnded()
        #expect(open(&rounds), "the answer waiting for confirmation was lost")
        #expect(answer(&rounds, at: 41) == Outcome(deliver: nil, send: true))
        #expect(answer(&rounds, at: 42) == Outcome(deliver: 41, send: false))
        rounds.streamEnded()
        #expect(!open(&rounds), "nothing was waiting")
    }

    @Test("an answer to nothing known is taken as asked for, and confirmed like any")
    func unexpectedAnswer() {
        var rounds = WatchProgressRounds()
        #expect(answer(&rounds, at: 35) == Outcome(deliver: nil, send: true))
        #expect(answer(&rounds, at: 36) == Outcome(deliver: 35, send: false))
    }
}
