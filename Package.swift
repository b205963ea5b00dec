// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "swift-etcd",
    products: [
        .library(name: "EtcdClientCore", targets: ["EtcdClientCore"]),
        .library(name: "EtcdConcurrency", targets: ["EtcdConcurrency"]),
        .library(name: "EtcdMirror", targets: ["EtcdMirror"]),
        .library(name: "EtcdTesting", targets: ["EtcdTesting"]),
        .executable(name: "etcd-swift", targets: ["EtcdSwiftTool"]),
        .executable(name: "etcd-bench", targets: ["EtcdBench"]),
        .executable(name: "etcd-soak", targets: ["EtcdSoak"]),
        .executable(name: "etcd-demo", targets: ["EtcdDemo"]),
        .executable(name: "etcd-bank-transfer", targets: ["EtcdBankTransfer"]),
        .executable(name: "etcd-service-discovery", targets: ["EtcdServiceDiscovery"]),
        .executable(name: "etcd-key-value", targets: ["EtcdKeyValueExample"]),
        .executable(name: "etcd-watch-changes", targets: ["EtcdWatchChangesExample"]),
        .executable(name: "etcd-lease-keep-alive", targets: ["EtcdLeaseKeepAliveExample"]),
        .executable(name: "etcd-guarded-job", targets: ["EtcdGuardedJobExample"]),
        .executable(name: "etcd-leader-fleet", targets: ["EtcdLeaderFleetExample"]),
    ],
    targets: [
        .systemLibrary(
            name: "CNGHTTP2",
            pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]
        ),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "_EtcdWire", swiftSettings: swiftSettings),
        .target(name: "_EtcdTransport", dependencies: ["CNGHTTP2", "COpenSSL"], swiftSettings: swiftSettings),
        .target(
            name: "EtcdClientCore",
            dependencies: ["_EtcdWire", "_EtcdTransport"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EtcdConcurrency",
            dependencies: ["EtcdClientCore", "_EtcdTransport"],
            swiftSettings: swiftSettings
        ),
        .target(name: "EtcdMirror", dependencies: ["EtcdClientCore", "_EtcdTransport"], swiftSettings: swiftSettings),
        .target(
            name: "EtcdTesting",
            dependencies: ["EtcdClientCore", "_EtcdTransport"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EtcdCommandLine",
            dependencies: ["EtcdClientCore", "EtcdConcurrency", "EtcdMirror", "_EtcdTransport"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "EtcdSwiftTool", dependencies: ["EtcdCommandLine"], swiftSettings: swiftSettings),
        .target(
            name: "_EtcdTestSupport",
            dependencies: ["EtcdClientCore", "EtcdTesting", "_EtcdTransport"],
            path: "Tests/_EtcdTestSupport",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "_EtcdFuzzing",
            dependencies: ["EtcdClientCore", "_EtcdTransport", "_EtcdWire"],
            path: "Tests/_EtcdFuzzing",
            swiftSettings: swiftSettings
        ),
        // libFuzzer's entry point over _EtcdFuzzing; Scripts/fuzz.sh builds it with -sanitize=fuzzer -DFUZZING.
        .executableTarget(
            name: "EtcdFuzz",
            dependencies: ["_EtcdFuzzing"],
            path: "Tests/Fuzz/EtcdFuzz",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EtcdExampleSupport",
            dependencies: ["EtcdClientCore"],
            path: "Examples/Support",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EtcdDemo",
            dependencies: ["EtcdExampleSupport", "EtcdClientCore"],
            path: "Examples/Demo",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EtcdBankTransfer",
            dependencies: ["EtcdExampleSupport", "EtcdClientCore", "EtcdConcurrency"],
            path: "Examples/BankTransfer",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EtcdServiceDiscovery",
            dependencies: ["EtcdExampleSupport", "EtcdClientCore", "EtcdMirror"],
            path: "Examples/ServiceDiscovery",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EtcdKeyValueExample",
            dependencies: ["EtcdExampleSupport", "EtcdClientCore"],
            path: "Examples/KeyValue",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EtcdWatchChangesExample",
            dependencies: ["EtcdExampleSupport", "EtcdClientCore"],
            path: "Examples/WatchChanges",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EtcdLeaseKeepAliveExample",
            dependencies: ["EtcdExampleSupport", "EtcdClientCore"],
            path: "Examples/LeaseKeepAlive",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EtcdGuardedJobExample",
            dependencies: ["EtcdExampleSupport", "EtcdClientCore", "EtcdConcurrency"],
            path: "Examples/GuardedJob",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EtcdLeaderFleetExample",
            dependencies: ["EtcdExampleSupport", "EtcdClientCore", "EtcdConcurrency"],
            path: "Examples/LeaderFleet",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EtcdBench",
            dependencies: ["EtcdClientCore", "EtcdConcurrency", "EtcdMirror", "_EtcdTransport"],
            path: "Benchmarks/EtcdBench",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "EtcdSoak",
            dependencies: ["EtcdClientCore", "EtcdConcurrency", "_EtcdTransport"],
            path: "Benchmarks/EtcdSoak",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EtcdWireTests",
            dependencies: ["_EtcdWire", "EtcdTesting", "_EtcdTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EtcdClientCoreTests",
            dependencies: [
                "EtcdClientCore", "EtcdConcurrency", "EtcdMirror", "EtcdTesting", "_EtcdFuzzing", "_EtcdTestSupport",
                "_EtcdTransport",
                "_EtcdWire",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EtcdCommandLineTests",
            dependencies: ["EtcdCommandLine", "EtcdClientCore", "EtcdTesting", "_EtcdTestSupport", "_EtcdTransport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EtcdIntegrationTests",
            dependencies: [
                "EtcdClientCore", "EtcdConcurrency", "EtcdMirror", "EtcdTesting", "_EtcdTestSupport", "_EtcdTransport",
                "_EtcdWire",
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
