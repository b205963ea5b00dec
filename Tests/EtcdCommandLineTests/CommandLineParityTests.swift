import EtcdClientCore
import EtcdTesting
import Foundation
import Testing
import _EtcdTestSupport

@Suite("etcd-swift prints what etcdctl 3.4 prints", .serialized, .timeLimit(.minutes(3)))
struct CommandLineParityTests {
    /// Both tools on twin clusters.
    private func withTwins(_ body: (inout TwinClusters) async throws -> Void) async throws {
        try await withEtcdTestCluster { goCluster in
            try await withEtcdTestCluster { swiftCluster in
                var twins = try await TwinClusters(go: goCluster, swift: swiftCluster)
                try await body(&twins)
            }
        }
    }

    @Test("put, get, del, txn and compaction in every format, with their errors and exit statuses")
    func keyValue() async throws {
        try await withTwins { twins in
            for arguments in [
                ["put", "foo", "bar"], ["put", "foo2", "b a z"], ["put", "k1", "v1", "--prev-kv"],
                ["put", "k1", "v2", "--prev-kv", "-w", "json"], ["put", "k1", "v3", "--prev-kv", "-w", "fields"],
                ["put", "k1", "--ignore-value", "-w", "json"], ["put", "quote\"d", "tab\there <&>", "-w", "fields"],
                ["get", "foo"], ["get", "foo", "--prefix"], ["get", "foo", "--prefix", "-w", "json"],
                ["get", "foo", "--prefix", "-w", "fields"], ["get", "--from-key", "a"], ["get", "a", "k"],
                ["get", "foo", "--print-value-only"], ["get", "foo", "--hex"],
                ["get", "foo", "--prefix", "--limit", "1", "-w", "json"],
                ["get", "foo", "--prefix", "--sort-by=MODIFY", "--order=DESCEND"],
                ["get", "foo", "--prefix", "--sort-by", "VALUE"], ["get", "foo", "--rev", "2"],
                ["get", "foo", "--prefix", "--keys-only"], ["get", "nothing", "-w", "json"],
                ["get", "quote\"d", "-w", "json"], ["get", "foo", "--consistency=s", "-w", "fields"],
                ["--write-out=json", "get", "k1"], ["-w", "fields", "get", "k1"],
                // Errors: the message and etcdctl's exit status.
                ["get"], ["put"], ["del"], ["get", "foo", "--prefix", "--from-key"], ["get", "a", "b", "--prefix"],
                ["get", "foo", "-w", "table"], ["get", "foo", "-w", "yaml"], ["get", "foo", "--consistency=x"],
                ["get", "foo", "--order=SIDEWAYS"], ["get", "foo", "--print-value-only", "-w", "json"],
                ["put", "k", "v", "--lease=zz"], ["put", "k", "v", "--ignore-value"], ["compaction", "x"],
                ["get", "foo", "--rev", "99999"],
            ] {
                try twins.expectSame(arguments)
            }
            // etcdctl prints its usage with these; the error line and the exit status are what must match.
            for arguments in [["get", "foo", "--no-such-flag"], ["put", "k", "-x"], ["get", "foo", "--limit"]] {
                try twins.expectSame(arguments, comparingOutput: false)
            }
            try twins.expectSame(["put", "from-stdin"], input: "piped value\n")
            try twins.expectSame(["get", "from-stdin", "-w", "json"])
            try twins.expectSame(["txn"], input: "mod(\"t1\") = \"0\"\n\nput t1 a\nget t1\n\nget nothing\n\n")
            try twins.expectSame(
                ["txn", "-w", "json"],
                input: "value(\"t1\") = \"a\"\n\nget t1\nput t2 x\n\nput t1 b\n\n"
            )
            try twins.expectSame(
                ["txn", "-w", "fields"],
                input: "value(\"t1\") = \"zz\"\nversion(\"t1\") > \"0\"\n\nget t1\n\ndel t2 --prev-kv\nput t1 c\n\n"
            )
            try twins.expectSame(["txn", "--interactive"], input: "c(\"t9\") = \"0\"\n\nput t9 x\n\n\n")
            try twins.expectSame(["txn"], input: "bad\n\n\n\n")
            try twins.expectSame(["txn"], input: "put x y\n")
            try twins.expectSame(["txn"], input: "m(\"t9\") > \"0\"\n\nput t9 y\n\n")
            try twins.expectSame(["txn", "extra"])
            for arguments in [
                ["del", "k1", "--prev-kv"], ["del", "foo", "--prefix", "-w", "json"],
                ["del", "t", "u", "-w", "fields"],
                ["del", "nothere", "-w", "fields"], ["compaction", "3"], ["compaction", "3", "--physical"],
                ["compaction", "99999"], ["get", "foo", "--rev", "2"],
            ] {
                try twins.expectSame(arguments)
            }
        }
    }

    @Test("member, endpoint, alarm and lease commands in every format")
    func clusterAndLeases() async throws {
        try await withTwins { twins in
            try twins.expectSame(["put", "a", "1"])
            try await twins.waitUntilInStep()
            for format in ["simple", "json", "fields", "table"] {
                try twins.expectSame(["member", "list", "-w", format])
                try twins.expectSame(["endpoint", "hashkv", "-w", format])
                try twins.expectSame(["endpoint", "hashkv", "--cluster", "-w", format])
                try twins.expectSame(["endpoint", "status", "-w", format])
                if format != "table" { try twins.expectSame(["endpoint", "health", "-w", format]) }
                // etcdctl 3.4 crashes printing an empty alarm list's fields (etcd sends no header).
                if format != "fields" { try twins.expectSame(["alarm", "list", "-w", format]) }
            }
            try twins.expectSame(["endpoint", "health", "--cluster"])
            try twins.expectSame(["alarm", "disarm"])

            let grants = (
                go: try twins.go.run(["lease", "grant", "600"], input: nil),
                swift: try twins.swift.run(["lease", "grant", "600"], input: nil)
            )
            let goLease = try #require(grants.go.text.split(separator: " ").dropFirst().first.map(String.init))
            let swiftLease = try #require(grants.swift.text.split(separator: " ").dropFirst().first.map(String.init))
            twins.go.learn(try #require(UInt64(goLease, radix: 16)), as: "LEASE")
            twins.swift.learn(try #require(UInt64(swiftLease, radix: 16)), as: "LEASE")
            twins.go.replacements.append((goLease, "LEASE-HEX"))
            twins.swift.replacements.append((swiftLease, "LEASE-HEX"))
            #expect(twins.go.normalized(grants.go.text) == twins.swift.normalized(grants.swift.text))
            // Each tool names its own cluster's lease; the outputs name it LEASE.
            func both(_ arguments: (String) -> [String]) throws {
                try twins.expectSame(go: arguments(goLease), swift: arguments(swiftLease))
            }
            try both { ["put", "leased", "v", "--lease=\($0)"] }
            for format in ["simple", "json", "fields"] {
                try both { _ in ["lease", "list", "-w", format] }
                try both { ["lease", "timetolive", $0, "--keys", "-w", format] }
                try both { ["lease", "keep-alive", "--once", $0, "-w", format] }
            }
            try both { ["lease", "timetolive", $0] }
            try both { ["lease", "revoke", $0] }
            try both { ["lease", "timetolive", $0] }
            try both { ["lease", "revoke", $0] }
            for format in ["json", "fields"] {
                let grant = try twins.go.run(["lease", "grant", "5", "-w", format], input: nil)
                let ours = try twins.swift.run(["lease", "grant", "5", "-w", format], input: nil)
                let strip: (String) -> String = { $0.replacing(/[0-9]{6,}/, with: "N") }
                #expect(strip(grant.text) == strip(ours.text), "lease grant -w \(format)")
            }
            try twins.expectSame(["lease", "grant", "x"])
            try twins.expectSame(["lease", "revoke", "zz"])
            try twins.expectSame(["lease", "timetolive"])
        }
    }

    @Test("member add, update, promote and remove; defrag; move-leader's errors")
    func membership() async throws {
        try await withTwins { twins in
            let added = try twins.expectSame(
                ["member", "add", "newbie", "--peer-urls=http://127.0.0.1:1", "--learner"],
                comparingOutput: false
            )
            var ids: [String] = []
            for (index, outcome) in [added.go, added.swift].enumerated() {
                let words = outcome.text.split(separator: " ")
                let id = try #require(words.count > 1 ? String(words[1]) : nil, "\(outcome.text)")
                ids.append(id)
                if index == 0 {
                    twins.go.learn(try #require(UInt64(id, radix: 16)), as: "NEW-MEMBER")
                } else {
                    twins.swift.learn(try #require(UInt64(id, radix: 16)), as: "NEW-MEMBER")
                }
            }
            // etcd lists members by ID, and the new member's ID is random: the order may differ between the twins.
            func lines(_ text: String) -> [String] {
                text.replacingOccurrences(of: "\"", with: "").split(separator: "\n")
                    .map { $0.split(whereSeparator: { $0 == "," || $0 == "=" }).sorted().joined(separator: ",") }
                    .sorted()
            }
            #expect(lines(twins.go.normalized(added.go.text)) == lines(twins.swift.normalized(added.swift.text)))
            let lists = try twins.expectSame(
                go: ["member", "list"],
                swift: ["member", "list"],
                comparingOutput: false
            )
            #expect(lines(twins.go.normalized(lists.go.text)) == lines(twins.swift.normalized(lists.swift.text)))
            for arguments in [
                ["member", "update", "ID", "--peer-urls=http://127.0.0.1:2"], ["member", "promote", "ID"],
                ["member", "update", "ID"], ["member", "remove", "ID"], ["member", "remove", "ID"],
            ] {
                try twins.expectSame(
                    go: arguments.map { $0 == "ID" ? ids[0] : $0 },
                    swift: arguments.map { $0 == "ID" ? ids[1] : $0 }
                )
            }
            for arguments in [
                ["member", "add"], ["member", "add", "x"], ["member", "remove", "zz"], ["member", "promote"],
                ["defrag"], ["defrag", "--cluster"], ["move-leader"], ["move-leader", "zz"], ["move-leader", "1"],
            ] {
                try twins.expectSame(arguments)
            }
        }
    }

    @Test("users, roles and authentication")
    func authentication() async throws {
        try await withTwins { twins in
            for arguments in [
                ["user", "add", "root:rootpw"], ["user", "add", "alice:secret", "-w", "json"],
                ["role", "add", "reader"], ["role", "grant-permission", "reader", "read", "foo", "--prefix"],
                ["role", "grant-permission", "reader", "readwrite", "a", "z"],
                ["role", "grant-permission", "reader", "write", "solo", "-w", "fields"],
                ["role", "grant-permission", "reader", "read", "from", "--from-key"],
                ["role", "get", "reader"], ["role", "get", "reader", "-w", "json"],
                ["role", "get", "reader", "-w", "fields"],
                ["user", "grant-role", "alice", "reader"], ["user", "get", "alice"],
                ["user", "get", "alice", "-w", "json"],
                ["user", "list"], ["user", "list", "-w", "json"], ["role", "list"], ["role", "list", "-w", "json"],
                ["role", "list", "-w", "fields"], ["user", "revoke-role", "alice", "reader"],
                ["role", "revoke-permission", "reader", "foo", "--prefix"],
                ["role", "revoke-permission", "reader", "solo"],
                ["role", "revoke-permission", "reader", "from", "--from-key"], ["role", "get", "nobody"],
                ["role", "delete", "reader"],
                ["user", "delete", "alice"], ["user", "get", "alice"], ["auth", "enable"],
                ["get", "foo"], ["--user=root:wrong", "get", "foo"], ["--user=root:rootpw", "put", "foo", "bar"],
                ["--user=root:rootpw", "auth", "disable"], ["get", "foo"], ["auth", "enable", "extra"],
            ] {
                try twins.expectSame(arguments)
            }
        }
    }
}
