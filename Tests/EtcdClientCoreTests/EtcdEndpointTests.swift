import EtcdClientCore
import Testing

@Suite("EtcdEndpoint")
struct EtcdEndpointTests {
    @Test(
        "parses the forms etcdctl accepts",
        arguments: [
            ("localhost:2379", "localhost", 2379),
            ("127.0.0.1:12379", "127.0.0.1", 12379),
            ("etcd-0.etcd.svc:2379", "etcd-0.etcd.svc", 2379),
            ("http://etcd:2379", "etcd", 2379),
            ("http://etcd:2379/", "etcd", 2379),
            ("http://10.0.0.1:4001//", "10.0.0.1", 4001),
            ("[::1]:2379", "::1", 2379),
            ("[fe80::1]:32379", "fe80::1", 32379),
            ("http://[::1]:2380/", "::1", 2380),
            ("[::1]", "::1", 2379),
            ("etcd", "etcd", 2379),
            ("http://etcd", "etcd", 2379),
            ("http://etcd/", "etcd", 2379),
            ("https://etcd:2379", "etcd", 2379),
            ("https://[::1]:2380/", "::1", 2380),
            ("h:1", "h", 1),
            ("h:65535", "h", 65535),
        ]
    )
    func parses(text: String, host: String, port: Int) throws {
        let endpoint = try #require(EtcdEndpoint(text))
        #expect(endpoint.host == host)
        #expect(endpoint.port == port)
    }

    @Test(
        "rejects text that is not an endpoint",
        arguments: [
            "",
            "http://",
            "https://",
            "unix://etcd:2379",
            "ftp://etcd",
            ":2379",
            "etcd:",
            "etcd:0",
            "etcd:65536",
            "etcd:70000",
            "etcd:-1",
            "etcd:abc",
            "etcd:23a79",
            "[::1",
            "[]:2379",
            "[::1]2379",
            "[::1]:",
            "[::1]:0",
            "[::1]:port",
            "http://etcd:2379/v3",
        ]
    )
    func rejects(text: String) {
        #expect(EtcdEndpoint(text) == nil)
    }

    // An IPv6 address needs brackets; without them "::1" must not become host ":" on port 1.
    @Test("rejects a bare IPv6 address rather than splitting it at its last colon")
    func rejectsBareIPv6() {
        let endpoint = EtcdEndpoint("::1")
        #expect(endpoint == nil, "parsed as host \(endpoint?.host ?? "nil"), port \(endpoint?.port ?? 0)")
    }

    @Test("the default port is 2379")
    func defaultPort() {
        #expect(EtcdEndpoint(host: "etcd").port == 2379)
        #expect(EtcdEndpoint.hostname("etcd").port == 2379)
        #expect(EtcdEndpoint.hostname("etcd", port: 4001) == EtcdEndpoint(host: "etcd", port: 4001))
    }

    @Test(
        "description is host:port, with brackets around IPv6",
        arguments: [
            (EtcdEndpoint(host: "etcd", port: 2379), "etcd:2379"),
            (EtcdEndpoint(host: "10.0.0.1", port: 1), "10.0.0.1:1"),
            (EtcdEndpoint(host: "::1", port: 2379), "[::1]:2379"),
            (EtcdEndpoint(host: "fe80::1", port: 32379), "[fe80::1]:32379"),
        ]
    )
    func description(endpoint: EtcdEndpoint, expected: String) {
        #expect(endpoint.description == expected)
    }

    @Test(
        "parsing a description gives the same endpoint back",
        arguments: [
            EtcdEndpoint(host: "etcd", port: 2379),
            EtcdEndpoint(host: "::1", port: 12379),
            EtcdEndpoint(host: "192.168.1.10", port: 65535),
        ]
    )
    func roundTrip(endpoint: EtcdEndpoint) {
        #expect(EtcdEndpoint(endpoint.description) == endpoint)
    }
}
