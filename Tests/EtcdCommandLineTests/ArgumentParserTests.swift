import EtcdClientCore
import Testing

@testable import EtcdCommandLine

@Suite("etcd-swift argument parsing")
struct ArgumentParserTests {
    private let specs = GlobalFlags.specs + GetCommand.flags

    @Test("flags before, between and after arguments, in every spelling pflag accepts")
    func spellings() throws {
        let parsed = try ArgumentParser.parse(
            ["--prefix", "key", "-w", "json", "--limit=3", "end", "-wfields", "--hex=false", "--rev", "7"],
            specs: specs
        )
        #expect(parsed.positionals == ["key", "end"])
        #expect(try parsed.bool("prefix"))
        #expect(parsed.string("write-out") == "fields")
        #expect(try parsed.int("limit") == 3)
        #expect(try parsed.int("rev") == 7)
        #expect(try !parsed.bool("hex"))
        #expect(parsed.string("consistency") == "l", "a default")
        #expect(parsed.list("endpoints") == ["127.0.0.1:2379"])
    }

    @Test("-- ends the flags; a command's arguments after its name are left alone")
    func separators() throws {
        let parsed = try ArgumentParser.parse(["w", "--prefix", "--", "ls", "-l"], specs: specs)
        #expect(parsed.positionals == ["w", "ls", "-l"])
        #expect(parsed.commandAfterSeparator == 1)
        let lock = try ArgumentParser.parse(["name", "ls", "-l", "--all"], specs: specs, flagsEndAfter: 1)
        #expect(lock.positionals == ["name", "ls", "-l", "--all"])
    }

    @Test("unknown flags and missing values are errors with cobra's messages and status")
    func errors() {
        for (arguments, message) in [
            (["--nope"], "unknown flag: --nope"), (["-z"], "unknown shorthand flag: 'z' in -z"),
            (["--limit"], "flag needs an argument: --limit"),
        ] {
            let error = #expect(throws: CommandError.self) { try ArgumentParser.parse(arguments, specs: specs) }
            #expect(error?.message == message)
            #expect(error?.code == .error)
        }
        let parsed = try? ArgumentParser.parse(["--limit=x", "--prefix=maybe", "--dial-timeout=5"], specs: specs)
        #expect(throws: CommandError.self) { try parsed?.int("limit") }
        #expect(throws: CommandError.self) { try parsed?.bool("prefix") }
        #expect(throws: CommandError.self) { try parsed?.duration("dial-timeout") }
    }

    @Test("ETCDCTL_* variables fill the flags not given; lists split on commas and repeat")
    func environment() throws {
        var parsed = try ArgumentParser.parse(
            ["--dial-timeout=1s", "--endpoints=a:1,b:2", "--endpoints", "c:3"],
            specs: specs
        )
        ArgumentParser.applyEnvironment(
            ["ETCDCTL_DIAL_TIMEOUT": "9s", "ETCDCTL_COMMAND_TIMEOUT": "1m30s", "ETCDCTL_USER": "u:p"],
            to: &parsed,
            names: GlobalFlags.environmentNames
        )
        #expect(try parsed.duration("dial-timeout") == .seconds(1))
        #expect(try parsed.duration("command-timeout") == .seconds(90))
        #expect(parsed.list("endpoints") == ["a:1", "b:2", "c:3"])
        let configuration = try GlobalFlags.configuration(parsed)
        #expect(configuration.endpoints.map(\.description) == ["a:1", "b:2", "c:3"])
        #expect(configuration.connectTimeout == .seconds(1))
        #expect(configuration.defaultCallOptions.timeout == .seconds(90))
        #expect(configuration.authentication == .password(username: "u", password: "p"))
        #expect(configuration.tls == nil)
    }

    @Test("TLS flags and https endpoints turn TLS on; a certificate needs its key")
    func tls() throws {
        let parsed = try ArgumentParser.parse(
            [
                "--cacert=ca.pem", "--cert=c.pem", "--key=k.pem", "--insecure-skip-tls-verify", "--user=u",
                "--password=p:q",
            ],
            specs: specs
        )
        let configuration = try GlobalFlags.configuration(parsed)
        #expect(configuration.tls?.trustedCAFile == "ca.pem")
        #expect(configuration.tls?.certificateFile == "c.pem" && configuration.tls?.keyFile == "k.pem")
        #expect(configuration.tls?.verifiesServer == false)
        #expect(configuration.authentication == .password(username: "u", password: "p:q"))
        let https = try GlobalFlags.configuration(try ArgumentParser.parse(["--endpoints=https://h:1"], specs: specs))
        #expect(https.tls != nil)
        let halfPair = try ArgumentParser.parse(["--cert=c.pem"], specs: specs)
        #expect(throws: CommandError.self) { try GlobalFlags.configuration(halfPair) }
        let badEndpoint = try ArgumentParser.parse(["--endpoints=unix://x"], specs: specs)
        #expect(throws: CommandError.self) { try GlobalFlags.configuration(badEndpoint) }
    }

    @Test("a get's flags become the request etcdctl would send")
    func getRequest() throws {
        func request(_ arguments: [String]) throws -> EtcdGetRequest {
            try GetCommand.request(try ArgumentParser.parse(arguments, specs: specs))
        }
        #expect(try request(["k"]).range == .key("k"))
        #expect(try request(["k", "--prefix"]).range == .prefix("k"))
        #expect(try request(["", "--prefix"]).range == .all)
        #expect(try request(["k", "--from-key"]).range == .from("k"))
        #expect(try request(["a", "b"]).range == .range(from: "a", to: "b"))
        #expect(try request(["k", "--sort-by=VALUE"]).sort == .ascending(by: .value))
        #expect(try request(["k", "--order=descend"]).sort == .descending(by: .key))
        #expect(try request(["k", "--order=ASCEND"]).sort == nil, "ascending by key is etcd's own order")
        #expect(try request(["k", "--consistency=s", "--rev=4", "--limit=2"]).consistency == .serializable)
        #expect(try request(["k", "--keys-only"]).output == .keysOnly)
        #expect(try request(["k", "--count-only"]).output == .countOnly)
        let conflict = #expect(throws: CommandError.self) { try request(["k", "--prefix", "--from-key"]) }
        #expect(conflict?.code == .badArgs)
        let order = #expect(throws: CommandError.self) { try request(["k", "--order=up"]) }
        #expect(order?.code == .badFeature)
    }

    @Test("a txn script: compares, then success and failure requests, each section ended by a blank line")
    func txnScript() throws {
        let script = TxnScript(
            Array(
                "value(\"a\") = \"x y\"\nmod(\"b\") > \"4\"\nver(\"c\") != \"0\"\nc(\"d\") < \"9\"\nlease(\"e\") = \"1f\"\n\n"
                    .utf8
            ) + Array("put a \"quoted value\" --prev-kv\nget a z\n\ndel a --prefix\n\n".utf8)
        )
        var prompts: [String] = []
        let request = try script.transaction { prompts.append($0) }
        #expect(prompts.count == 3)
        #expect(
            request.conditions == [
                .value("a", .equal, "x y"), .modRevision("b", .greater, 4), .version("c", .notEqual, 0),
                .createRevision("d", .less, 9), .lease("e", .equal, EtcdLeaseID(rawValue: 0x1f)),
            ]
        )
        #expect(
            request.success == [
                .put(EtcdPutRequest("a", value: "quoted value", includePrevious: true)),
                .get(EtcdGetRequest(.range(from: "a", to: "z"))),
            ]
        )
        #expect(request.failure == [.delete(.prefix("a"))])
        for bad in ["x\n\n\n\n", "value(\"a\") ~ \"1\"\n\n\n\n", "mod(\"a\") = \"x\"\n\n\n\n", "\nfly a\n\n\n", "\n\n"]
        {
            let error = #expect(throws: CommandError.self) { try TxnScript(Array(bad.utf8)).transaction { _ in } }
            #expect(error?.code == .invalidInput, "\(bad)")
        }
        #expect(CommandLineWords.split(#"put "a b" 'c d' e"#) == ["put", "a b", "c d", "e"])
    }
}
