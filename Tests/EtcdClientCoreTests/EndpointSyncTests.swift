import Testing
import _EtcdWire

@testable import EtcdClientCore

private func member(_ name: String, clientURLs: [String], learner: Bool = false) -> EtcdMember {
    var member = EtcdserverPB.Member()
    member.name = name
    member.clientURLs = clientURLs
    member.isLearner = learner
    return EtcdMember(member)
}

@Suite("Endpoint sync")
struct EndpointSyncTests {
    @Test("started voting members' client URLs, in order, each once; learners, unstarted members and bad URLs left out")
    func endpointsFromMembers() {
        let members = [
            member("a", clientURLs: ["http://10.0.0.1:2379", "https://a.example:2379"]),
            member("learner", clientURLs: ["http://10.0.0.9:2379"], learner: true),
            member("", clientURLs: []),  // added, not started
            member("b", clientURLs: ["http://10.0.0.2:2379", "unix://socket", "http://10.0.0.1:2379"]),
        ]
        #expect(
            EtcdClient.endpoints(of: members).map(\.description) == [
                "10.0.0.1:2379", "a.example:2379", "10.0.0.2:2379",
            ]
        )
        #expect(EtcdClient.endpoints(of: []).isEmpty)
    }
}
