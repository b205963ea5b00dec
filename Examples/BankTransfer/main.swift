// Software transactional memory: five accounts of 100, and 200 random transfers made by four tasks at once, each
// one `etcd.stm` transaction (retried on conflict). The total must still be 500; the exit status says whether it is.
//
//     swift run etcd-bank-transfer [host:port]   (default 127.0.0.1:2379, or $ETCD_ENDPOINT)
//
// Examples/run-bank-transfer.sh starts a throwaway etcd and runs this against it.
import EtcdClientCore
import EtcdConcurrency
import EtcdExampleSupport
import Foundation

let configuration = Example.configuration()

do {
    let total = try await withEtcdClient(configuration: configuration) { etcd -> Int in
        let accounts = (0..<5).map { EtcdKey("bank/accounts/\($0)") }
        try await etcd.delete(.prefix("bank/accounts/"))
        for account in accounts { try await etcd.put(account, value: "100") }

        let moved = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var succeeded = 0
                    for _ in 0..<50 {
                        let from = Int.random(in: 0..<accounts.count)
                        let to = (from + Int.random(in: 1..<accounts.count)) % accounts.count
                        let amount = Int.random(in: 1...20)
                        // Both balances are read and written in one transaction: all or nothing.
                        let done = try await etcd.stm { tx -> Bool in
                            let source = Int(try await tx.getString(accounts[from]) ?? "") ?? 0
                            let target = Int(try await tx.getString(accounts[to]) ?? "") ?? 0
                            guard source >= amount else { return false }  // not enough: writes nothing
                            tx.put(accounts[from], value: String(source - amount))
                            tx.put(accounts[to], value: String(target + amount))
                            return true
                        }
                        if done { succeeded += 1 }
                    }
                    return succeeded
                }
            }
            var moved = 0
            for try await succeeded in group { moved += succeeded }
            return moved
        }
        print("\(moved) of 200 transfers moved money; the others found too little in their source account")

        // All balances in one read, at one revision.
        let balances = try await etcd.get(.prefix("bank/accounts/"))
        var sum = 0
        for account in balances.keyValues {
            let balance = Int(account.stringValue ?? "") ?? 0
            print("\(account.key) = \(balance)")
            sum += balance
        }
        print("total: \(sum)")
        return sum
    }
    if total != 500 {
        Example.fail("the total is \(total), not 500")
    }
} catch {
    Example.fail("\(error)")
}
