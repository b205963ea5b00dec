import Foundation

extension EtcdClient.Configuration {
    /// Every field a configuration file may have.
    private static let fileFields = [
        "endpoints", "dial-timeout", "dial-keep-alive-time", "dial-keep-alive-timeout", "request-timeout",
        "auto-sync-interval", "username", "password", "trusted-ca-file", "cert-file", "key-file", "server-name",
        "insecure-skip-tls-verify", "insecure-transport", "reject-stale-serializable-reads", "log-level",
        "max-call-send-msg-size", "max-call-recv-msg-size",
    ]
    /// The fields that turn TLS on.
    private static let tlsFields = [
        "trusted-ca-file", "cert-file", "key-file", "server-name", "insecure-skip-tls-verify",
    ]

    /// Reads a configuration from the JSON file at `path`; see ``init(json:)`` for its fields.
    ///
    /// - Throws: ``EtcdError/Code/invalidConfiguration`` when the file cannot be read (the message names the
    ///   path and the reason) or is not a valid configuration (the message starts with the path and names
    ///   the field).
    public init(contentsOfFile path: String) throws {
        guard !path.isEmpty else {
            throw EtcdError(.invalidConfiguration, message: "the configuration file path is empty")
        }
        let json: Data
        do {
            json = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw EtcdError(.invalidConfiguration, message: "cannot read \"\(path)\": \(Self.reason(error))")
        }
        do {
            try self.init(json: json)
        } catch var error as EtcdError {
            error.message = "\(path): \(error.message)"
            throw error
        }
    }

    /// Reads a configuration from JSON text, such as `Data` or `String.UTF8View`, whose field names are those
    /// of the Go client's YAML file.
    ///
    /// The text is one object. `endpoints`, an array of endpoint strings (see ``EtcdEndpoint/init(_:)``), is
    /// required; every other field is optional and keeps the default when missing:
    ///
    /// - `dial-timeout`: ``connectTimeout``.
    /// - `dial-keep-alive-time`: `keepalive.interval`; `null` turns keepalive off.
    /// - `dial-keep-alive-timeout`: `keepalive.timeout`.
    /// - `request-timeout`: `defaultCallOptions.timeout`; `null` means no limit.
    /// - `auto-sync-interval`: ``autoSyncInterval``; `null` never syncs.
    /// - `username` and `password`, both or neither: ``authentication``.
    /// - `trusted-ca-file`, `cert-file` and `key-file` (both or neither), `server-name`,
    ///   `insecure-skip-tls-verify`: ``tls``. Any of them turns TLS on, as do an `https://` endpoint and
    ///   `"insecure-transport": false`; then an `http://` endpoint is an error, since TLS applies to every
    ///   endpoint, and so is `"insecure-transport": true`.
    /// - `reject-stale-serializable-reads`: ``rejectsStaleSerializableReads``.
    /// - `log-level`: ``logLevel``, one of `trace`, `debug`, `info`, `notice`, `warning`, `error`, `critical`.
    /// - `max-call-send-msg-size` and `max-call-recv-msg-size`: ``maxRequestBytes`` and ``maxResponseBytes``, in
    ///   bytes; `null` means no limit.
    ///
    /// A duration is Go's duration text, such as `"500ms"`, `"1m30s"` or `"1.5s"`, or a number of seconds (not
    /// nanoseconds, as in Go's file); it must be positive. TLS files are read when the client is created, not here.
    ///
    /// - Throws: ``EtcdError/Code/invalidConfiguration`` whose message names the field, for text that is not
    ///   a JSON object, an unknown field, a value of the wrong type or range, or fields that conflict. The
    ///   password is never part of a message.
    public init(json: some Collection<UInt8>) throws {
        let file = try ConfigurationFileObject(json: Data(json))
        try file.rejectUnknownFields(Self.fileFields)
        let endpointTexts = try Self.endpointTexts(in: file)
        try self.init(endpoints: endpointTexts.map(Self.endpoint))
        try file.read("dial-timeout", into: &connectTimeout)
        try file.read("dial-keep-alive-time", into: &keepalive.interval, nullMeans: "no keepalive")
        try file.read("dial-keep-alive-timeout", into: &keepalive.timeout)
        try file.read("request-timeout", into: &defaultCallOptions.timeout, nullMeans: "no limit")
        try file.read("auto-sync-interval", into: &autoSyncInterval, nullMeans: "no automatic sync")
        authentication = try Self.authentication(in: file)
        tls = try Self.tls(in: file, endpoints: endpointTexts)
        try file.read("reject-stale-serializable-reads", into: &rejectsStaleSerializableReads)
        try file.read("log-level", into: &logLevel)
        try file.read("max-call-send-msg-size", into: &maxRequestBytes, nullMeans: "no limit")
        try file.read("max-call-recv-msg-size", into: &maxResponseBytes, nullMeans: "no limit")
    }

    private static func endpointTexts(in file: ConfigurationFileObject) throws -> [String] {
        guard let texts = try file.strings("endpoints") else {
            throw ConfigurationFileObject.error("endpoints", "missing: list at least one, such as \"127.0.0.1:2379\"")
        }
        guard !texts.isEmpty else {
            throw ConfigurationFileObject.error("endpoints", "expected at least one endpoint, got []")
        }
        return texts
    }

    private static func endpoint(_ text: String) throws -> EtcdEndpoint {
        guard let endpoint = EtcdEndpoint(text) else {
            throw ConfigurationFileObject.error(
                "endpoints",
                "expected host:port or [ipv6]:port, optionally after http:// or https://, got \"\(text)\""
            )
        }
        return endpoint
    }

    private static func authentication(in file: ConfigurationFileObject) throws -> EtcdAuthentication? {
        let username = try file.nonEmptyString("username")
        let password = try file.string("password", secret: true)
        switch (username, password) {
        case (nil, nil): return nil
        case (let username?, let password?): return .password(username: username, password: password)
        case (nil, _): throw ConfigurationFileObject.error("password", "needs \"username\" too")
        case (_, nil): throw ConfigurationFileObject.error("username", "needs \"password\" too")
        }
    }

    private static func tls(in file: ConfigurationFileObject, endpoints: [String]) throws -> EtcdTLS? {
        var tls = try EtcdTLS(
            trustedCAFile: file.nonEmptyString("trusted-ca-file"),
            certificateFile: file.nonEmptyString("cert-file"),
            keyFile: file.nonEmptyString("key-file"),
            serverName: file.nonEmptyString("server-name")
        )
        if tls.certificateFile != nil, tls.keyFile == nil {
            throw ConfigurationFileObject.error("cert-file", "needs \"key-file\" too")
        }
        if tls.keyFile != nil, tls.certificateFile == nil {
            throw ConfigurationFileObject.error("key-file", "needs \"cert-file\" too")
        }
        if let skipsVerification = try file.bool("insecure-skip-tls-verify") {
            tls.verifiesServer = !skipsVerification
        }
        let insecureTransport = try file.bool("insecure-transport")
        // What turns TLS on, named for the messages.
        let https = endpoints.first { $0.hasPrefix("https://") }
        let turnsTLSOn =
            tlsFields.first(where: file.contains).map { "\"\($0)\"" }
            ?? https.map { "the https:// endpoint \"\($0)\"" }
            ?? (insecureTransport == false ? "\"insecure-transport\": false" : nil)
        guard let turnsTLSOn else { return nil }
        if insecureTransport == true {
            throw ConfigurationFileObject.error(
                "insecure-transport",
                "true conflicts with \(turnsTLSOn), which turns TLS on"
            )
        }
        if let http = endpoints.first(where: { $0.hasPrefix("http://") }) {
            throw ConfigurationFileObject.error(
                "endpoints",
                "\"\(http)\" asks for plain text, but \(turnsTLSOn) turns TLS on, and TLS applies to every endpoint"
            )
        }
        return tls
    }

    /// The operating system's reason, such as "No such file or directory".
    private static func reason(_ error: any Error) -> String {
        if let posix = (error as? CocoaError)?.underlying as? POSIXError {
            return String(cString: strerror(posix.code.rawValue))
        }
        return error.localizedDescription
    }
}
