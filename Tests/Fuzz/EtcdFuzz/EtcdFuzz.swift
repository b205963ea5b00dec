import Foundation
import _EtcdFuzzing

#if FUZZING
/// The target that libFuzzer's inputs go to, named by `ETCD_FUZZ_TARGET`.
private let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["ETCD_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("set ETCD_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

/// libFuzzer's entry point: one input, and a crash when it breaks an invariant.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    do {
        try selectedTarget.run(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fatalError("\(selectedTarget.rawValue): \(error)")
    }
    return 0
}
#else
/// Without `-DFUZZING` (a plain build): writes the seed corpus, or runs files through a target.
@main
enum EtcdFuzz {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        switch (arguments.first, arguments.count) {
        case ("seeds", 2):
            let directory = URL(fileURLWithPath: arguments.last!)
            for target in FuzzTarget.allCases {
                let folder = directory.appendingPathComponent(target.rawValue)
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for (index, seed) in target.seeds.enumerated() {
                    try Data(seed).write(to: folder.appendingPathComponent("seed-\(index)"))
                }
            }
        case ("run", 3...):
            let names = Array(arguments.dropFirst(2))
            guard let target = FuzzTarget(rawValue: arguments.dropFirst().first!) else { usage() }
            for name in names {
                try target.run(Array(Data(contentsOf: URL(fileURLWithPath: name))))
            }
            print("\(names.count) inputs passed \(target.rawValue)")
        default:
            usage()
        }
    }

    static func usage() -> Never {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
        print(
            """
            usage: etcd-fuzz seeds DIR                 writes each target's seeds into DIR/<target>/
                   etcd-fuzz run <\(names)> FILE...    runs inputs through a target
            Fuzzing needs the libFuzzer build: Scripts/fuzz.sh
            """
        )
        exit(2)
    }
}
#endif
