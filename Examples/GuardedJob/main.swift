// A distributed mutex guarding a job, with fenced writes: three workers (here tasks; in production, processes on
// different machines) each take the lock, and write the job's result only if they still hold it. The fence makes
// a write from a worker that lost the lock (its session expired while it was paused) fail instead of overwriting.
//
//     swift run etcd-guarded-job [host:port]   (default 127.0.0.1:2379, or $ETCD_ENDPOINT)
import EtcdClientCore
import EtcdConcurrency
import EtcdExampleSupport

do {
    try await withEtcdClient(configuration: Example.configuration()) { etcd in
        try await etcd.delete(.prefix("example/job/"))
        try await etcd.put("example/job/runs", value: "0")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in ["worker-1", "worker-2", "worker-3"] {
                group.addTask {
                    // A session is a lease kept alive; the lock's key is attached to it.
                    try await etcd.withSession(ttl: .seconds(10)) { session in
                        let mutex = EtcdMutex(session: session, name: "example/job/lock")
                        try await mutex.withLock { ownership in
                            let runs = Int(try await etcd.get("example/job/runs")?.stringValue ?? "0") ?? 0
                            // Written only while our lock key still exists, at the revision we acquired it.
                            let write = try await etcd.txn(
                                if: [ownership.fence],
                                then: [
                                    .put("example/job/runs", value: String(runs + 1)),
                                    .put("example/job/last", value: worker),
                                ]
                            )
                            print("\(worker) ran the job" + (write.succeeded ? "" : ", but had lost the lock"))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let runs = try await etcd.get("example/job/runs")?.stringValue ?? "?"
        print("the job ran \(runs) times, one worker at a time")
        guard runs == "3" else { Example.fail("expected 3 runs, got \(runs)") }
        try await etcd.delete(.prefix("example/job/"))
    }
} catch {
    Example.fail("\(error)")
}
