import Foundation
import Testing
import _EtcdFuzzing

/// The seed corpus of each fuzz target, with every input a fuzzing run found worth keeping, replayed through the
/// target: what once passed keeps passing, in every test run, without the libFuzzer build.
@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    private static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Corpus")

    @Test("every corpus input and every seed keeps the target's invariants", arguments: FuzzTarget.allCases)
    func replay(_ target: FuzzTarget) throws {
        let folder = Self.corpus.appendingPathComponent(target.rawValue)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.count >= target.seeds.count, "the corpus holds at least the seeds")
        for name in names {
            let input = try Array(Data(contentsOf: folder.appendingPathComponent(name)))
            #expect(throws: Never.self, "\(target.rawValue)/\(name)") { try target.run(input) }
        }
        for (index, seed) in target.seeds.enumerated() {
            #expect(throws: Never.self, "seed \(index)") { try target.run(seed) }
        }
    }
}
