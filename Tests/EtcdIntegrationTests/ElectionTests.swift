import EtcdClientCore
import EtcdConcurrency
import EtcdTesting
import Testing
import _EtcdTestSupport

@Suite("Election against a real etcd", .timeLimit(.minutes(1)))
struct ElectionTests {
    @Test("campaign, leader, proclaim and resign; the observer reports each change and 'no leader'")
    func campaignObserveResign() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("election") + "scheduler"
            try await etcd.withSession(ttl: .seconds(10)) { observerSession in
                let watcher = EtcdElection(session: observerSession, name: name)
                try await watcher.observe { changes in
                    var iterator = changes.makeAsyncIterator()
                    guard case .noLeader = try await iterator.next() else {
                        Issue.record("expected no leader first")
                        return
                    }
                    let session = try await EtcdSession.start(client: etcd, ttl: .seconds(10))
                    let election = EtcdElection(session: session, name: name)
                    let leadership = try await election.campaign(value: "node-a")
                    #expect(leadership.key == election.key)
                    #expect(try await election.leader()?.stringValue == "node-a")
                    guard case .leader(let first) = try await iterator.next() else {
                        Issue.record("expected a leader")
                        return
                    }
                    #expect(first.stringValue == "node-a")
                    #expect(first.key == leadership.key)
                    try await leadership.proclaim("node-a v2")
                    guard case .leader(let proclaimed) = try await iterator.next() else {
                        Issue.record("expected the proclamation")
                        return
                    }
                    #expect(proclaimed.stringValue == "node-a v2")
                    try await leadership.resign()
                    guard case .noLeader = try await iterator.next() else {
                        Issue.record("expected no leader after resigning")
                        return
                    }
                    #expect(try await election.leader() == nil)
                    let stale = try await #require(throws: EtcdError.self) { try await leadership.proclaim("late") }
                    #expect(stale.code == .notLeading)
                    try await session.close()
                }
            }
        }
    }

    @Test("an observer that stops consuming keeps a bounded backlog, and the newest change is never dropped")
    func observerBacklogIsBounded() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("election") + "backlog"
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let election = EtcdElection(session: session, name: name)
                let leadership = try await election.campaign(value: "v0")
                try await election.observe { changes in
                    var iterator = changes.makeAsyncIterator()
                    guard case .leader(let first) = try await iterator.next() else {
                        Issue.record("expected the leader first")
                        return
                    }
                    #expect(first.stringValue == "v0")
                    // 500 proclamations that nobody takes; a watch of our own tells when the server sent the last.
                    let last = try await etcd.watch(.key(leadership.key), startRevision: first.modRevision + 1) {
                        responses in
                        for index in 1...500 { try await leadership.proclaim("v\(index)") }
                        for try await response in responses where response.events.last?.keyValue.stringValue == "v500" {
                            return response.events.last?.keyValue
                        }
                        return nil
                    }
                    #expect(last?.stringValue == "v500")
                    var taken = 0
                    while case .leader(let change) = try await iterator.next() {
                        taken += 1
                        if change.stringValue == "v500" { break }
                    }
                    #expect(taken >= 1)
                    #expect(taken <= 2 * EtcdLeaderChanges.backlogLimit, "\(taken) changes were kept")
                }
                try await leadership.resign()
            }
        }
    }

    @Test("a second candidate waits; it leads once the first resigns; resume finds the current leader")
    func followerTakesOver() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("election-follow") + "e"
            let first = try await EtcdSession.start(client: etcd, ttl: .seconds(10))
            let second = try await EtcdSession.start(client: etcd, ttl: .seconds(10))
            let leading = try await EtcdElection(session: first, name: name).campaign(value: "first")
            let follower = Task { try await EtcdElection(session: second, name: name).campaign(value: "second") }
            while try await etcd.count(.prefix(EtcdKey(name + "/"))) < 2 { await Task.yield() }
            let resumed = try await EtcdElection(session: first, name: name).resume(
                key: leading.key,
                revision: leading.revision
            )
            #expect(resumed?.key == leading.key)
            try await leading.resign()
            let next = try await follower.value
            #expect(next.key == EtcdElection(session: second, name: name).key)
            #expect(
                try await EtcdElection(session: first, name: name).resume(key: leading.key, revision: leading.revision)
                    == nil
            )
            try await first.close()
            try await second.close()
        }
    }

    @Test("the leader's process dies: a campaigning follower leads within the TTL plus one second")
    func leaderProcessDies() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("election-dies") + "e"
            let doomed = try await EtcdSession.start(client: etcd, ttl: .seconds(2))
            #expect(doomed.ttl == .seconds(2))
            _ = try await EtcdElection(session: doomed, name: name).campaign(value: "doomed")
            try await etcd.withSession(ttl: .seconds(10)) { survivor in
                let election = EtcdElection(session: survivor, name: name)
                try await election.observe { changes in
                    var iterator = changes.makeAsyncIterator()
                    guard case .leader(let old) = try await iterator.next() else {
                        Issue.record("expected the doomed leader")
                        return
                    }
                    #expect(old.stringValue == "doomed")
                    let follower = Task { try await election.campaign(value: "survivor") }
                    while try await etcd.count(.prefix(EtcdKey(name + "/"))) < 2 { await Task.yield() }
                    let clock = ContinuousClock()
                    let died = clock.now
                    doomed.orphan()  // what a killed process leaves behind: a lease nobody renews
                    let leadership = try await follower.value
                    #expect(clock.now - died < .seconds(3), "within the TTL (2 s) plus one second")
                    #expect(leadership.key == election.key)
                    var next = try await iterator.next()
                    if case .noLeader = next { next = try await iterator.next() }
                    guard case .leader(let now) = next else {
                        Issue.record("expected the new leader, got \(String(describing: next))")
                        return
                    }
                    #expect(now.stringValue == "survivor")
                }
            }
        }
    }

    @Test("the server's Election service sees our leader and we see its")
    func electionService() async throws {
        try await SharedEtcd.withClient { etcd in
            let name = SharedEtcd.uniquePrefix("election-service") + "e"
            let lease = try await etcd.grantLease(ttl: .seconds(10))
            let leader = try await etcd.campaignWithService(name: EtcdKey(name), lease: lease.id, value: "served")
            #expect(leader.key == EtcdKey(name + "/" + lease.id.description))
            try await etcd.withSession(ttl: .seconds(10)) { session in
                let election = EtcdElection(session: session, name: name)
                #expect(try await election.leader()?.stringValue == "served")
                try await etcd.proclaimWithService(leader, value: "served v2")
                #expect(try await etcd.leaderWithService(name: EtcdKey(name))?.stringValue == "served v2")
                try await etcd.resignWithService(leader)
                let ours = try await election.campaign(value: "ours")
                #expect(try await etcd.leaderWithService(name: EtcdKey(name))?.key == ours.key)
                try await ours.resign()
            }
            try await etcd.revokeLease(lease.id)
        }
    }
}
