import EtcdClientCore

/// The JSON configuration file.
///
/// The whole input is the file. Invariants: nothing traps; a file is either read into a configuration with at
/// least one endpoint or refused with an `EtcdError` whose text can be printed.
enum ConfigurationFileFuzzing {
    static func run(_ bytes: UnsafeRawBufferPointer) throws(FuzzFailure) {
        do {
            let configuration = try EtcdClient.Configuration(json: bytes)
            guard !configuration.endpoints.isEmpty else {
                throw FuzzFailure("a configuration was read with no endpoints")
            }
        } catch let failure as FuzzFailure {
            throw failure
        } catch let error as EtcdError {
            _ = error.description
        } catch {
            throw FuzzFailure("the file was refused with \(type(of: error)), not EtcdError: \(error)")
        }
    }

    static var seeds: [[UInt8]] {
        [
            #"{"endpoints": ["127.0.0.1:2379", "https://[::1]:2379"], "dial-timeout": "5s"}"#,
            #"{"endpoints": ["localhost:2379"], "username": "root", "password": "secret", "auto-sync-interval": "1m30s", "keepalive-time": 10, "max-call-send-msg-size": null, "insecure-skip-tls-verify": true}"#,
            #"{"endpoints": [], "log-level": "debug"}"#,
            #"[1, 2, {"endpoints": "x"}]"#,
        ].map { Array($0.utf8) }
    }
}
