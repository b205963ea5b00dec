import Testing

@testable import EtcdClientCore

@Suite("Peer URL validation")
struct PeerURLValidationTests {
    @Test(
        "accepted: scheme http, https, unix or unixs with a host and a port",
        arguments: [
            "http://127.0.0.1:2380", "https://etcd-0.example.com:2380", "unix://localhost:12345",
            "unixs://node:1", " http://10.0.0.1:2380 ", "http://[::1]:2380", "HTTP://a:1",
        ]
    )
    func accepted(url: String) {
        #expect(PeerURLValidation.problem(with: url) == nil)
    }

    @Test(
        "refused, with the reason",
        arguments: [
            ("127.0.0.1:2380", "no scheme"), ("ftp://a:1", "must be http"), ("http://a", "no port"),
            ("http://a:port", "no valid port"), ("http://a:70000", "no valid port"), ("http://:2380", "no host"),
            ("http://a:1/path", "no path"), ("http://a:1?x=1", "no path"), ("http://u@a:1", "user"),
            ("http://[::1:2380", "unclosed"), ("http://::1:2380", "without brackets"), ("garbage", "no scheme"),
        ]
    )
    func refused(url: String, reason: String) {
        let problem = PeerURLValidation.problem(with: url)
        #expect(problem?.contains(reason) == true, "\(url): \(problem ?? "accepted")")
    }

    @Test("a list is refused for its first bad URL, or when empty, as invalidArgument, not sent")
    func lists() throws {
        let error = #expect(throws: EtcdError.self) {
            try PeerURLValidation.check(["http://a:1", "http://b"])
        }
        #expect(error?.code == .invalidArgument && error?.requestNotSent == true)
        #expect(error?.message.contains("http://b") == true)
        #expect(throws: EtcdError.self) { try PeerURLValidation.check([]) }
        try PeerURLValidation.check(["http://a:1", "https://b:2"])
    }
}
