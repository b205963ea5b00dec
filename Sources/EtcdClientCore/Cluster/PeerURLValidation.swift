/// Checks the peer URLs of a membership change before it is sent, as the Go client does (`types.NewURLs`): etcd
/// 3.4 does not check an update's URLs and would rewrite the member with whatever it was given.
enum PeerURLValidation {
    /// The schemes a peer URL may have.
    static let schemes: Set<String> = ["http", "https", "unix", "unixs"]

    /// Throws unless `urls` is a non-empty list of URLs of the form `scheme://host:port`, with a scheme of
    /// ``schemes``, a host, a numeric port, and no path, user or query.
    ///
    /// - Throws: ``EtcdError/Code/invalidArgument`` naming the first bad URL and what is wrong with it.
    static func check(_ urls: [String]) throws(EtcdError) {
        guard !urls.isEmpty else { throw invalid("no peer URLs given") }
        for url in urls {
            if let problem = problem(with: url) { throw invalid("peer URL \"\(url)\" \(problem)") }
        }
    }

    /// What is wrong with `url`, or `nil`.
    static func problem(with url: String) -> String? {
        let text = url.trimmingSpaces
        guard let separator = text.firstRange(of: "://") else { return "has no scheme (http, https, unix or unixs)" }
        let scheme = String(text[..<separator.lowerBound]).lowercased()
        guard schemes.contains(scheme) else { return "has scheme \"\(scheme)\"; it must be http, https, unix or unixs" }
        let rest = text[separator.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard authority.count == rest.count else { return "must be only scheme, host and port (no path or query)" }
        guard !authority.contains("@") else { return "must not contain a user" }
        let host: Substring
        let port: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return "has an unclosed IPv6 address" }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let afterHost = authority[authority.index(after: close)...]
            guard afterHost.hasPrefix(":") else { return "has no port" }
            port = afterHost.dropFirst()
        } else {
            guard let colon = authority.lastIndex(of: ":") else { return "has no port" }
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
            if host.contains(":") { return "has an IPv6 address without brackets" }
        }
        guard !host.isEmpty else { return "has no host" }
        guard let number = Int(port), (0...65_535).contains(number) else { return "has no valid port" }
        return nil
    }

    private static func invalid(_ message: String) -> EtcdError {
        EtcdError(.invalidArgument, message: message, requestNotSent: true)
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    fileprivate var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[first...last]
    }
}
