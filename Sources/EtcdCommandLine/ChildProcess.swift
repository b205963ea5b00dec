import Foundation
import Synchronization

/// A command that `lock` or `watch` runs, started with `posix_spawn` and reaped on a thread of its own.
///
/// Foundation's `Process` is not used: on Linux it keeps itself alive in a reference cycle after the child exits,
/// which the leak sanitizer reports for every command run.
final class ChildProcess: Sendable {
    /// The child's process ID.
    let pid: pid_t
    private let reaped = Atomic<Bool>(false)

    /// Starts `executable` with `arguments` (the first is the name it sees) and `environment`, sharing standard
    /// input, output and error. The child starts with the default actions of `signals` (which the parent may
    /// ignore) and no blocked signals.
    ///
    /// - Throws: ``CommandError`` with the system's reason when it cannot be started.
    init(executable: String, arguments: [String], environment: [String: String], signals: [Int32]) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in signals { sigaddset(&defaults, number) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, nil, &attributes, argv, envp)
        guard result == 0 else {
            throw CommandError(.error, "cannot run \(arguments[0]): \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    /// Waits for the child to exit and returns its status: its exit code, or 128 + the signal that ended it.
    func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                reaped.store(true, ordering: .releasing)
                let signal = status & 0x7f
                continuation.resume(returning: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
            }
        }
    }

    /// Sends `signal` to the child, unless it has already been reaped (its ID may belong to another process then).
    func send(_ signal: Int32) {
        if !reaped.load(ordering: .acquiring) { kill(pid, signal) }
    }
}
