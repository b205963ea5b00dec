import EtcdClientCore
import Foundation
import Testing

@Suite("Configuration file")
struct ConfigurationFileTests {
    static let password = "pa55-Wörd!"

    private func configuration(_ json: String) throws -> EtcdClient.Configuration {
        try EtcdClient.Configuration(json: json.utf8)
    }

    private func error(_ json: String) throws -> EtcdError {
        try #require(throws: EtcdError.self) { try configuration(json) }
    }

    @Test("a full file sets every field")
    func fullFile() throws {
        let configuration = try configuration(
            """
            {
              "endpoints": ["10.0.0.1:2379", "https://[::1]:32379", "etcd-2"],
              "dial-timeout": "2s",
              "dial-keep-alive-time": "30s",
              "dial-keep-alive-timeout": 3,
              "request-timeout": "1m30s",
              "auto-sync-interval": "5m",
              "username": "app",
              "password": "\(Self.password)",
              "trusted-ca-file": "/pki/ca.pem",
              "cert-file": "/pki/client.pem",
              "key-file": "/pki/client-key.pem",
              "server-name": "etcd.internal",
              "insecure-skip-tls-verify": true,
              "insecure-transport": false,
              "reject-stale-serializable-reads": false,
              "log-level": "debug",
              "max-call-send-msg-size": 4194304,
              "max-call-recv-msg-size": null
            }
            """
        )
        #expect(configuration.maxRequestBytes == 4 << 20)
        #expect(configuration.maxResponseBytes == nil)
        #expect(
            configuration.endpoints == [
                EtcdEndpoint(host: "10.0.0.1", port: 2379), EtcdEndpoint(host: "::1", port: 32379),
                EtcdEndpoint(host: "etcd-2", port: 2379),
            ]
        )
        #expect(configuration.connectTimeout == .seconds(2))
        #expect(configuration.keepalive == EtcdClient.Keepalive(interval: .seconds(30), timeout: .seconds(3)))
        #expect(configuration.defaultCallOptions == EtcdClient.CallOptions(timeout: .seconds(90)))
        #expect(configuration.autoSyncInterval == .seconds(300))
        #expect(configuration.authentication == .password(username: "app", password: Self.password))
        #expect(configuration.authentication?.username == "app")
        #expect(configuration.authentication?.description.contains(Self.password) == false)
        var tls = EtcdTLS(
            trustedCAFile: "/pki/ca.pem",
            certificateFile: "/pki/client.pem",
            keyFile: "/pki/client-key.pem",
            serverName: "etcd.internal"
        )
        tls.verifiesServer = false
        #expect(configuration.tls == tls)
        #expect(configuration.rejectsStaleSerializableReads == false)
        #expect(configuration.logLevel == .debug)
    }

    @Test("a file with only endpoints keeps every default")
    func minimalFile() throws {
        let configuration = try configuration(#"{"endpoints": ["127.0.0.1:2379"]}"#)
        let defaults = EtcdClient.Configuration(endpoints: [EtcdEndpoint(host: "127.0.0.1", port: 2379)])
        #expect(configuration.endpoints == defaults.endpoints)
        #expect(configuration.connectTimeout == defaults.connectTimeout)
        #expect(configuration.keepalive == defaults.keepalive)
        #expect(configuration.defaultCallOptions == defaults.defaultCallOptions)
        #expect(configuration.autoSyncInterval == nil)
        #expect(configuration.authentication == nil)
        #expect(configuration.tls == nil)
        #expect(configuration.rejectsStaleSerializableReads == defaults.rejectsStaleSerializableReads)
        #expect(configuration.logLevel == defaults.logLevel)
        #expect(configuration.maxRequestBytes == 2 << 20)
        #expect(configuration.maxResponseBytes == nil)
    }

    @Test(
        "durations take Go's syntax or a number of seconds",
        arguments: [
            (#""500ms""#, Duration.milliseconds(500)),
            (#""5s""#, .seconds(5)),
            (#""1m30s""#, .seconds(90)),
            (#""2h""#, .seconds(7200)),
            (#""1.5s""#, .milliseconds(1500)),
            (#"".5m""#, .seconds(30)),
            (#""1h2m3.25s""#, .milliseconds(3_723_250)),
            (#""1s500ms""#, .milliseconds(1500)),
            (#""250us""#, .microseconds(250)),
            (#""250µs""#, .microseconds(250)),
            (#""250μs""#, .microseconds(250)),
            (#""100ns""#, .nanoseconds(100)),
            (#""+3s""#, .seconds(3)),
            ("7", .seconds(7)),
            ("0.25", .milliseconds(250)),
            ("1e1", .seconds(10)),
        ]
    )
    func durations(text: String, expected: Duration) throws {
        let configuration = try configuration(#"{"endpoints": ["e"], "dial-timeout": \#(text)}"#)
        #expect(configuration.connectTimeout == expected)
    }

    @Test("null turns keepalive off, lifts the call time limit and never syncs endpoints")
    func nulls() throws {
        let configuration = try configuration(
            """
            {"endpoints": ["e"], "dial-keep-alive-time": null, "request-timeout": null, "auto-sync-interval": null}
            """
        )
        #expect(configuration.keepalive.interval == nil)
        #expect(configuration.defaultCallOptions.timeout == nil)
        #expect(configuration.autoSyncInterval == nil)
    }

    @Test(
        "TLS is on with any TLS field, an https:// endpoint or insecure-transport false, and off otherwise",
        arguments: [
            (#"{"endpoints": ["https://e:2379"]}"#, EtcdTLS()),
            (#"{"endpoints": ["e"], "insecure-transport": false}"#, EtcdTLS()),
            (#"{"endpoints": ["e"], "server-name": "etcd"}"#, EtcdTLS(serverName: "etcd")),
            (#"{"endpoints": ["e"], "trusted-ca-file": "ca.pem"}"#, EtcdTLS(trustedCAFile: "ca.pem")),
            (#"{"endpoints": ["e"], "insecure-skip-tls-verify": false}"#, EtcdTLS()),
            (#"{"endpoints": ["e"]}"#, nil),
            (#"{"endpoints": ["http://e"]}"#, nil),
            (#"{"endpoints": ["e"], "insecure-transport": true}"#, nil),
        ] as [(String, EtcdTLS?)]
    )
    func tlsSwitch(json: String, expected: EtcdTLS?) throws {
        #expect(try configuration(json).tls == expected)
    }

    @Test(
        "a bad file is an invalid configuration naming the field",
        arguments: [
            ("{}", "endpoints"),
            (#"{"endpoints": []}"#, "endpoints"),
            (#"{"endpoints": "e:2379"}"#, "endpoints"),
            (#"{"endpoints": [2379]}"#, "endpoints"),
            (#"{"endpoints": ["e:70000"]}"#, "endpoints"),
            (#"{"endpoints": ["unix://e"]}"#, "endpoints"),
            (#"{"endpoints": ["http://a", "https://b"]}"#, "endpoints"),
            (#"{"endpoints": ["http://a"], "trusted-ca-file": "ca.pem"}"#, "endpoints"),
            (#"{"endpoints": ["e"], "dial-timeout": true}"#, "dial-timeout"),
            (#"{"endpoints": ["e"], "max-call-send-msg-size": 0}"#, "max-call-send-msg-size"),
            (#"{"endpoints": ["e"], "max-call-send-msg-size": 1.5}"#, "max-call-send-msg-size"),
            (#"{"endpoints": ["e"], "max-call-recv-msg-size": "1MB"}"#, "max-call-recv-msg-size"),
            (#"{"endpoints": ["e"], "dial-timeout": "5"}"#, "dial-timeout"),
            (#"{"endpoints": ["e"], "dial-timeout": "5 s"}"#, "dial-timeout"),
            (#"{"endpoints": ["e"], "dial-timeout": "5sec"}"#, "dial-timeout"),
            (#"{"endpoints": ["e"], "dial-timeout": "0s"}"#, "dial-timeout"),
            (#"{"endpoints": ["e"], "dial-timeout": 0}"#, "dial-timeout"),
            (#"{"endpoints": ["e"], "dial-timeout": -1}"#, "dial-timeout"),
            (#"{"endpoints": ["e"], "dial-timeout": "-5s"}"#, "dial-timeout"),
            (#"{"endpoints": ["e"], "dial-timeout": null}"#, "dial-timeout"),
            (#"{"endpoints": ["e"], "dial-timeout": "3000000h"}"#, "dial-timeout"),
            (#"{"endpoints": ["e"], "dial-timeout": 1e12}"#, "dial-timeout"),
            (#"{"endpoints": ["e"], "dial-keep-alive-time": "0s"}"#, "dial-keep-alive-time"),
            (#"{"endpoints": ["e"], "dial-keep-alive-time": false}"#, "dial-keep-alive-time"),
            (#"{"endpoints": ["e"], "dial-keep-alive-timeout": null}"#, "dial-keep-alive-timeout"),
            (#"{"endpoints": ["e"], "request-timeout": "1x"}"#, "request-timeout"),
            (#"{"endpoints": ["e"], "request-timeout": 0}"#, "request-timeout"),
            (#"{"endpoints": ["e"], "auto-sync-interval": "0"}"#, "auto-sync-interval"),
            (#"{"endpoints": ["e"], "username": 5, "password": "p"}"#, "username"),
            (#"{"endpoints": ["e"], "username": "", "password": "p"}"#, "username"),
            (#"{"endpoints": ["e"], "username": "app"}"#, "username"),
            (#"{"endpoints": ["e"], "password": "p"}"#, "password"),
            (#"{"endpoints": ["e"], "username": "app", "password": 42}"#, "password"),
            (#"{"endpoints": ["e"], "trusted-ca-file": ""}"#, "trusted-ca-file"),
            (#"{"endpoints": ["e"], "trusted-ca-file": ["ca.pem"]}"#, "trusted-ca-file"),
            (#"{"endpoints": ["e"], "cert-file": "c.pem"}"#, "cert-file"),
            (#"{"endpoints": ["e"], "key-file": "k.pem"}"#, "key-file"),
            (#"{"endpoints": ["e"], "server-name": false}"#, "server-name"),
            (#"{"endpoints": ["e"], "insecure-skip-tls-verify": "yes"}"#, "insecure-skip-tls-verify"),
            (#"{"endpoints": ["e"], "insecure-skip-tls-verify": 1}"#, "insecure-skip-tls-verify"),
            (#"{"endpoints": ["e"], "insecure-transport": "true"}"#, "insecure-transport"),
            (#"{"endpoints": ["e"], "insecure-transport": true, "trusted-ca-file": "ca.pem"}"#, "insecure-transport"),
            (#"{"endpoints": ["https://e"], "insecure-transport": true}"#, "insecure-transport"),
            (#"{"endpoints": ["e"], "reject-stale-serializable-reads": 1}"#, "reject-stale-serializable-reads"),
            (#"{"endpoints": ["e"], "log-level": "verbose"}"#, "log-level"),
            (#"{"endpoints": ["e"], "log-level": "INFO"}"#, "log-level"),
            (#"{"endpoints": ["e"], "log-level": 3}"#, "log-level"),
            (#"{"endpoints": ["e"], "dial-timout": "5s"}"#, "dial-timout"),
            (#"{"endpoint": ["e"]}"#, "endpoint"),
            (#"{"endpoints": ["e"], "ca-file": "ca.pem"}"#, "ca-file"),
        ]
    )
    func badField(json: String, field: String) throws {
        let error = try error(json)
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains("\"\(field)\""), "\(error.message)")
    }

    @Test("an unknown field is reported before a missing endpoints field, so a typo is named")
    func typoBeforeMissing() throws {
        #expect(try error(#"{"endpoint": ["e"]}"#).message == #"unknown field "endpoint""#)
    }

    @Test("a field's message says what was expected and what the file has")
    func messageWording() throws {
        #expect(
            try error(#"{"endpoints": ["e"], "dial-timeout": true}"#).message
                == #"field "dial-timeout": expected a duration such as "5s" or a number of seconds, got true"#
        )
        #expect(
            try error(#"{"endpoints": ["e"], "dial-keep-alive-time": "0s"}"#).message
                == #"field "dial-keep-alive-time": must be positive, got "0s" (use null for no keepalive)"#
        )
    }

    @Test(
        "text that is not a JSON object is an invalid configuration saying so",
        arguments: [
            ("", "the text ends too early"),
            (#"{"endpoints": ["e"]"#, "the text ends too early"),
            ("{\n  \"endpoints\": [\"e\"]\n  \"dial-timeout\": \"5s\"\n}", "at line 3"),
            (#"{"endpoints": ["e"], "dial-timeout": 5s}"#, "at line 1, column 39"),
            (#"["e:2379"]"#, "expected a JSON object at the top level, got an array"),
            (#""e:2379""#, "expected a JSON object at the top level"),
        ]
    )
    func notAnObject(json: String, expected: String) throws {
        let error = try error(json)
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains(expected), "\(error.message)")
    }

    @Test(
        "the password never appears in an error",
        arguments: [
            (#"{"endpoints": ["e"], "password": "PASSWORD"}"#, "PASSWORD"),
            (#"{"endpoints": ["e"], "username": "", "password": "PASSWORD"}"#, "PASSWORD"),
            (#"{"endpoints": ["e"], "username": 1, "password": "PASSWORD"}"#, "PASSWORD"),
            (#"{"endpoints": ["e"], "username": "app", "password": "PASSWORD", "dial-timeout": 0}"#, "PASSWORD"),
            (#"{"endpoints": ["e"], "username": "app", "password": "PASSWORD", "bad": 1}"#, "PASSWORD"),
            (#"{"endpoints": ["e"], "username": "app", "password": PASSWORD}"#, "PASSWORD"),
            (#"{"endpoints": ["e"], "username": "app", "password": "PASSWORD"#, "PASSWORD"),
            (#"{"endpoints": ["e"], "username": "app", "password": "\uZZZZPASSWORD"}"#, "PASSWORD"),
            (#"{"endpoints": ["e"], "username": "app", "password": "PASS\qWORD"}"#, "PASS"),
            (#"{"endpoints": ["e"], "username": "app", "password": ["PASSWORD"]}"#, "PASSWORD"),
            (#"{"endpoints": ["e"], "username": "app", "password": 12345678}"#, "12345678"),
            (#"{"endpoints": ["e"], "username": "app", "password": 1e999}"#, "1e999"),
            (#"{"endpoints": ["e"], "username": "app", "password": true}"#, "true"),
        ]
    )
    func passwordNeverShown(json: String, password: String) throws {
        let error = try error(json)
        #expect(error.code == .invalidConfiguration)
        #expect(!error.message.contains(password), "\(error.message)")
        #expect(!String(describing: error).contains(password), "\(error)")
    }

    @Test("a file on disk is read, and its errors start with its path")
    func fileOnDisk() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ConfigurationFileTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let good = directory.appendingPathComponent("good.json")
        try Data(#"{"endpoints": ["10.0.0.9:4001"], "request-timeout": "250ms"}"#.utf8).write(to: good)
        let configuration = try EtcdClient.Configuration(contentsOfFile: good.path)
        #expect(configuration.endpoints == [EtcdEndpoint(host: "10.0.0.9", port: 4001)])
        #expect(configuration.defaultCallOptions.timeout == .milliseconds(250))

        let bad = directory.appendingPathComponent("bad.json")
        try Data(#"{"endpoints": ["e"], "log-level": "loud"}"#.utf8).write(to: bad)
        let error = try #require(throws: EtcdError.self) { try EtcdClient.Configuration(contentsOfFile: bad.path) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.hasPrefix("\(bad.path): field \"log-level\""), "\(error.message)")
    }

    @Test("a file that cannot be read is named with the reason")
    func missingFile() throws {
        let path = "/nonexistent-\(UUID().uuidString)/etcd-client.json"
        let error = try #require(throws: EtcdError.self) { try EtcdClient.Configuration(contentsOfFile: path) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message == "cannot read \"\(path)\": No such file or directory")
    }

    @Test("the example file in Examples/ is a valid configuration")
    func exampleFile() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Examples/etcd-client.json"
        ).standardizedFileURL.path
        let configuration = try EtcdClient.Configuration(contentsOfFile: path)
        #expect(configuration.endpoints.count == 3)
        #expect(configuration.tls?.trustedCAFile == "/etc/etcd/pki/ca.pem")
        #expect(configuration.authentication == .password(username: "app", password: "change-me"))
    }
}
