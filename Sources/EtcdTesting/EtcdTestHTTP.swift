import Foundation

/// A minimal blocking HTTP/1.1 GET on loopback, for etcd's `/health` and `/metrics`.
package enum EtcdTestHTTP {
    /// The body of `GET path` on 127.0.0.1:`port`, or `nil` when the server does not answer within 2 seconds.
    package static func get(port: Int, path: String) -> String? {
        guard let fd = EtcdTestConnection.open(port: port, timeout: 2) else { return nil }
        defer { close(fd) }
        // HTTP/1.0, so that the body comes whole rather than in chunks (a chunk boundary could split a line).
        let request = Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return nil }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response.append(contentsOf: buffer[0..<count])
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200") || text.hasPrefix("HTTP/1.0 200"), let split = text.range(of: "\r\n\r\n")
        else { return nil }
        return String(text[split.upperBound...])
    }
}
