import EtcdClientCore
import EtcdTesting
import Foundation
import Testing
import _EtcdTestSupport

/// Two fresh one-member clusters driven in lockstep, one by etcdctl and one by etcd-swift: the same commands on the
/// same history give the same revisions, so outputs compare byte for byte once each cluster's own numbers (cluster
/// and member IDs, ports, lease IDs, timings) are replaced by names.
struct TwinClusters {
    /// One side: a tool and its cluster.
    struct Side {
        let tool: String
        let baseArguments: [String]
        let cluster: EtcdTestCluster
        /// Text to replace by a name in this side's output, longest first.
        var replacements: [(String, String)] = []

        func run(_ arguments: [String], input: String?) throws -> EtcdTestBinaries.Outcome {
            try EtcdTestBinaries.capture(
                tool,
                arguments: baseArguments + arguments,
                environment: ["ETCDCTL_API": "3"],
                input: input.map { Array($0.utf8) }
            )
        }

        func normalized(_ text: String) -> String {
            var text = text
            for (value, name) in replacements.sorted(by: { $0.0.count > $1.0.count }) {
                text = text.replacingOccurrences(of: value, with: name)
            }
            // `%16x` pads an ID shorter than 16 digits with spaces; each cluster's IDs are random, so is the padding,
            // and so is the width of a table's ID column: table lines are compared with runs of dashes and spaces
            // collapsed (the layout itself is checked by OutputFormattingTests).
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                guard line.hasPrefix("+-") || line.hasPrefix("|") else { return String(line) }
                return String(line).replacing(/-+/, with: "-").replacing(/\ +/, with: " ")
            }
            let timed = lines.joined(separator: "\n").replacing(/\ +(?<id>[A-Z-]*HEX)/) { " " + $0.output.id }
                .replacing(/took = [0-9.]+[µnm]?s/, with: "took = T")
                .replacing(/"took":"[^"]*"/, with: "\"took\":\"T\"")
                .replacing(/"Took" : [0-9.]+[µnm]?s/, with: "\"Took\" : T")
            // A member's database file grows with when its backend commits, not only with what it holds: twins
            // with the same history can differ by a page (20 kB against 25 kB was seen). A size is compared by its
            // unit and by not being zero; its printing is checked by OutputFormattingTests.
            let humanSizes = timed.replacing(#/(?<before>[,|] )[1-9][0-9.]* (?<unit>[kMGT]?B)(?<after>,| \|)/#) {
                $0.output.before + "SIZE " + $0.output.unit + $0.output.after
            }
            return humanSizes.replacing(/"dbSize(?<inUse>InUse)?":[1-9][0-9]*/) {
                "\"dbSize\($0.output.inUse ?? "")\":SIZE"
            }
            .replacing(/"DBSize" : [1-9][0-9]*/, with: "\"DBSize\" : SIZE")
        }

        mutating func learn(_ value: UInt64, as name: String) {
            replacements += [
                (String(value), name), (String(value, radix: 16), name + "-HEX"),
                (String(Int64(bitPattern: value)), name),
            ]
        }
    }

    var go: Side
    var swift: Side

    init(go goCluster: EtcdTestCluster, swift swiftCluster: EtcdTestCluster) async throws {
        go = Side(
            tool: try EtcdTestBinaries.path(of: "etcdctl", package: "etcd-client"),
            baseArguments: ["--endpoints=\(goCluster.members[0].clientURL)"],
            cluster: goCluster
        )
        swift = Side(
            tool: try EtcdTestBinaries.toolPath(),
            baseArguments: ["--endpoints=\(swiftCluster.members[0].clientURL)"],
            cluster: swiftCluster
        )
        for index in [0, 1] {
            let cluster = index == 0 ? goCluster : swiftCluster
            let status = try await withEtcdClient(configuration: cluster.clientConfiguration) { try await $0.status() }
            var side = index == 0 ? go : swift
            side.learn(status.header.clusterID, as: "CLUSTER")
            side.learn(status.header.memberID, as: "MEMBER")
            side.replacements += [
                (String(cluster.members[0].clientPort), "CLIENT-PORT"),
                (String(cluster.members[0].peerPort), "PEER-PORT"),
            ]
            if index == 0 { go = side } else { swift = side }
        }
    }

    /// Runs `arguments` with both tools and expects the same standard output, the same `Error:` line and the same
    /// exit status.
    ///
    /// - Returns: both outcomes, not normalized (etcdctl's first), for steps that learn IDs from them.
    @discardableResult
    func expectSame(
        _ arguments: [String],
        input: String? = nil,
        comparingOutput: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (go: EtcdTestBinaries.Outcome, swift: EtcdTestBinaries.Outcome) {
        try expectSame(
            go: arguments,
            swift: arguments,
            input: input,
            comparingOutput: comparingOutput,
            sourceLocation: sourceLocation
        )
    }

    /// ``expectSame(_:input:comparingOutput:sourceLocation:)`` with arguments that differ between the sides (each
    /// names its own cluster's lease or member).
    @discardableResult
    func expectSame(
        go goArguments: [String],
        swift swiftArguments: [String],
        input: String? = nil,
        comparingOutput: Bool = true,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (go: EtcdTestBinaries.Outcome, swift: EtcdTestBinaries.Outcome) {
        let goOutcome = try go.run(goArguments, input: input)
        let swiftOutcome = try swift.run(swiftArguments, input: input)
        let command = swift.normalized(swiftArguments.joined(separator: " "))
        if comparingOutput {
            #expect(
                go.normalized(goOutcome.text) == swift.normalized(swiftOutcome.text),
                "stdout of \(command)",
                sourceLocation: sourceLocation
            )
        }
        #expect(goOutcome.status == swiftOutcome.status, "exit status of \(command)", sourceLocation: sourceLocation)
        #expect(
            Self.errorLine(go.normalized(goOutcome.errorText))
                == Self.errorLine(swift.normalized(swiftOutcome.errorText)),
            "error of \(command): \(goOutcome.errorText) / \(swiftOutcome.errorText)",
            sourceLocation: sourceLocation
        )
        return (goOutcome, swiftOutcome)
    }

    /// Waits until both members applied the same number of raft entries (etcd publishes its own attributes and
    /// the cluster version after starting, at its own pace), so that `endpoint status` compares.
    func waitUntilInStep() async throws {
        // In step twice in a row, 200 ms apart: a member can still append an entry of its own just after starting
        // (publishing its attributes, setting the cluster version), in one twin and not yet in the other.
        let deadline = ContinuousClock.now + .seconds(10)
        var previous: [UInt64] = []
        while ContinuousClock.now < deadline {
            let indexes = try await [go.cluster, swift.cluster].asyncMap { cluster in
                try await withEtcdClient(configuration: cluster.clientConfiguration) {
                    try await $0.status().raftAppliedIndex
                }
            }
            if indexes[0] == indexes[1] && indexes == previous { return }
            previous = indexes
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the twin clusters' raft indexes never matched")
    }

    /// The `Error: ...` line of standard error (etcdctl also logs retries as JSON lines there), or the whole text
    /// for the reports etcdctl writes there (`endpoint health`).
    private static func errorLine(_ text: String) -> String {
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("{\"level\"") }
        return lines.first { $0.hasPrefix("Error:") }.map(String.init) ?? lines.joined(separator: "\n")
    }
}

extension Array {
    /// `transform` of each element, in order.
    fileprivate func asyncMap<Result>(_ transform: (Element) async throws -> Result) async rethrows -> [Result] {
        var results: [Result] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
