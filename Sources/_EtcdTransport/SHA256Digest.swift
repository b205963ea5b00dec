import COpenSSL

/// An incremental SHA-256, computed by OpenSSL (which the TLS transport already links).
package final class SHA256Digest {
    /// The length of a digest, in bytes.
    package static let length = 32

    private let context: OpaquePointer

    /// Starts an empty digest.
    package init() {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("OpenSSL could not start a SHA-256 digest")
        }
        self.context = context
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Adds `bytes` to what is digested.
    package func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
        if done == nil {
            let copy = Array(bytes)
            copy.withUnsafeBufferPointer { buffer in _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count) }
        }
    }

    /// The digest of everything added; the digest cannot be used after this.
    package func finish() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Self.length)
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &digest, &length)
        return digest
    }

    /// The SHA-256 of `bytes`.
    package static func of(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let digest = SHA256Digest()
        digest.update(bytes)
        return digest.finish()
    }
}
