// Watching: a watch on a prefix sees every change after it starts, in order, with the value before each change.
// Here a writer task makes three changes and the watch prints them, then leaves (which cancels it on the server).
//
//     swift run etcd-watch-changes [host:port]   (default 127.0.0.1:2379, or $ETCD_ENDPOINT)
import EtcdClientCore
import EtcdExampleSupport

do {
    try await withEtcdClient(configuration: Example.configuration()) { etcd in
        try await etcd.delete(.prefix("example/watch/"))
        let start = try await etcd.get(.prefix("example/watch/")).header.revision

        // The watch starts after `start`: nothing that happens later is missed, even before the loop runs.
        try await etcd.watch(.prefix("example/watch/"), startRevision: start + 1, includePrevious: true) {
            responses in
            let writer = Task {
                try await etcd.put("example/watch/door", value: "open")
                try await etcd.put("example/watch/door", value: "closed")
                try await etcd.delete("example/watch/door")
            }
            var seen = 0
            for try await response in responses {
                for event in response.events {
                    let before = event.previous?.stringValue.map { " (was \($0))" } ?? ""
                    let now = event.kind == .put ? " = \(event.keyValue.stringValue ?? "")" : ""
                    print("revision \(event.revision): \(event.kind) \(event.keyValue.key)\(now)\(before)")
                    seen += 1
                }
                if seen == 3 { break }  // leaving the closure cancels the watch
            }
            try await writer.value
        }
    }
} catch {
    Example.fail("\(error)")
}
