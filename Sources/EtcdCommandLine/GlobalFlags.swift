import EtcdClientCore
import Foundation

/// The flags of every command, as etcdctl's, with the library's configuration file besides.
enum GlobalFlags {
    static let specs: [FlagSpec] = [
        FlagSpec("endpoints", .list, default: "127.0.0.1:2379", "gRPC endpoints"),
        FlagSpec("dial-timeout", .duration, default: "2s", "dial timeout for client connections"),
        FlagSpec(
            "command-timeout",
            .duration,
            default: "5s",
            "timeout for short running command (excluding dial timeout)"
        ),
        FlagSpec("keepalive-time", .duration, default: "2s", "keepalive time for client connections"),
        FlagSpec("keepalive-timeout", .duration, default: "6s", "keepalive timeout for client connections"),
        FlagSpec(
            "write-out",
            .string,
            shorthand: "w",
            default: "simple",
            "set the output format (fields, json, simple, table)"
        ),
        FlagSpec("hex", .bool, "print byte strings as hex encoded strings"),
        FlagSpec("user", .string, "username[:password] for authentication"),
        FlagSpec(
            "password",
            .string,
            "password for authentication (if this option is used, --user option shouldn't include password)"
        ),
        FlagSpec("cacert", .string, "verify certificates of TLS-enabled secure servers using this CA bundle"),
        FlagSpec("cert", .string, "identify secure client using this TLS certificate file"),
        FlagSpec("key", .string, "identify secure client using this TLS key file"),
        FlagSpec("insecure-transport", .bool, default: "true", "disable transport security for client connections"),
        FlagSpec(
            "insecure-skip-tls-verify",
            .bool,
            "skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)"
        ),
        FlagSpec("config", .string, "a swift-etcd client configuration file (JSON); flags given override it"),
        FlagSpec("debug", .bool, "enable client-side debug logging"),
        FlagSpec("help", .bool, shorthand: "h", "help for this command"),
    ]

    /// The flags that `ETCDCTL_*` variables set, as etcdctl reads them.
    static var environmentNames: [String] { specs.map(\.name).filter { $0 != "help" && $0 != "config" } }

    /// The client configuration the flags describe.
    ///
    /// - Throws: ``CommandError`` (``ExitCode/badArgs``) for an endpoint or a file that cannot be used.
    static func configuration(
        _ arguments: ParsedArguments,
        endpoints override: [String]? = nil
    ) throws
        -> EtcdClient.Configuration
    {
        let texts = override ?? arguments.list("endpoints").map { $0.trimmingCharacters(in: .whitespaces) }
        var configuration: EtcdClient.Configuration
        if arguments.isSet("config") {
            do {
                configuration = try EtcdClient.Configuration(contentsOfFile: arguments.string("config"))
            } catch let error as EtcdError {
                throw CommandError(.badArgs, error.message)
            }
            if arguments.isSet("endpoints") || override != nil {
                configuration.endpoints = try endpoints(texts)
            }
        } else {
            configuration = EtcdClient.Configuration(endpoints: try endpoints(texts))
        }
        if arguments.isSet("dial-timeout") || !arguments.isSet("config") {
            configuration.connectTimeout = try arguments.duration("dial-timeout")
        }
        if arguments.isSet("command-timeout") || !arguments.isSet("config") {
            configuration.defaultCallOptions.timeout = try arguments.duration("command-timeout")
        }
        if arguments.isSet("keepalive-time") {
            configuration.keepalive.interval = try arguments.duration("keepalive-time")
        }
        if arguments.isSet("keepalive-timeout") {
            configuration.keepalive.timeout = try arguments.duration("keepalive-timeout")
        }
        if let authentication = try authentication(arguments) { configuration.authentication = authentication }
        if let tls = try tls(arguments, endpoints: texts) { configuration.tls = tls }
        return configuration
    }

    private static func endpoints(_ texts: [String]) throws(CommandError) -> [EtcdEndpoint] {
        try texts.map { text throws(CommandError) in
            guard let endpoint = EtcdEndpoint(text) else {
                throw CommandError(.badArgs, "bad endpoint \(GoText.quote(text)): expected host:port")
            }
            return endpoint
        }
    }

    private static func authentication(_ arguments: ParsedArguments) throws(CommandError) -> EtcdAuthentication? {
        let user = arguments.string("user")
        guard !user.isEmpty else { return nil }
        let password = arguments.string("password")
        if !password.isEmpty { return .password(username: user, password: password) }
        guard let colon = user.firstIndex(of: ":") else {
            // As etcdctl: the password is asked for on standard output and read from standard input.
            TerminalOutput().out("Password: ")
            let typed = readLineWithoutEcho()
            TerminalOutput().out("\n")
            return .password(username: user, password: typed)
        }
        return .password(username: String(user[..<colon]), password: String(user[user.index(after: colon)...]))
    }

    private static func tls(_ arguments: ParsedArguments, endpoints: [String]) throws(CommandError) -> EtcdTLS? {
        let ca = arguments.string("cacert")
        let cert = arguments.string("cert")
        let key = arguments.string("key")
        let skipVerify = try arguments.bool("insecure-skip-tls-verify")
        let https = endpoints.contains { $0.hasPrefix("https://") }
        guard !ca.isEmpty || !cert.isEmpty || !key.isEmpty || skipVerify || https else { return nil }
        if cert.isEmpty != key.isEmpty {
            throw CommandError(
                .badArgs,
                cert.isEmpty ? "empty string is passed to --cert option" : "empty string is passed to --key option"
            )
        }
        var tls = EtcdTLS(
            trustedCAFile: ca.isEmpty ? nil : ca,
            certificateFile: cert.isEmpty ? nil : cert,
            keyFile: key.isEmpty ? nil : key
        )
        tls.verifiesServer = !skipVerify
        return tls
    }
}

/// A line of standard input, not echoed when standard input is a terminal (a password).
private func readLineWithoutEcho() -> String {
    var saved = termios()
    let isTerminal = isatty(STDIN_FILENO) != 0 && tcgetattr(STDIN_FILENO, &saved) == 0
    if isTerminal {
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
    }
    defer { if isTerminal { tcsetattr(STDIN_FILENO, TCSANOW, &saved) } }
    return readLine() ?? ""
}
