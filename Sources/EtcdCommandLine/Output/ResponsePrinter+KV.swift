import EtcdClientCore

extension ResponsePrinter {
    /// `get`.
    func get(_ response: EtcdGetResponse) throws(CommandError) -> String {
        switch format {
        case .simple: return response.keyValues.map(simple).joined()
        case .json: return line(Self.json(response))
        case .fields:
            return fields(response.header) + response.keyValues.map { fields($0) }.joined()
                + "\"More\" : \(response.hasMore)\n\"Count\" : \(response.count)\n"
        case .table, .protobuf: throw format.unsupported
        }
    }

    /// `put`.
    func put(_ response: EtcdPutResponse) throws(CommandError) -> String {
        switch format {
        case .simple: return "OK\n" + (response.previous.map(simple) ?? "")
        case .json: return line(Self.json(response))
        case .fields: return fields(response.header) + (response.previous.map { fields($0, prefix: "Prev") } ?? "")
        case .table, .protobuf: throw format.unsupported
        }
    }

    /// `del`.
    func delete(_ response: EtcdDeleteResponse) throws(CommandError) -> String {
        switch format {
        case .simple: return "\(response.deleted)\n" + response.previous.map(simple).joined()
        case .json: return line(Self.json(response))
        case .fields:
            return fields(response.header) + "\"Deleted\" : \(response.deleted)\n"
                + response.previous.map { fields($0, prefix: "Prev") }.joined()
        case .table, .protobuf: throw format.unsupported
        }
    }

    /// `txn`.
    func txn(_ response: EtcdTxnResponse) throws(CommandError) -> String {
        switch format {
        case .simple:
            var out = response.succeeded ? "SUCCESS\n" : "FAILURE\n"
            for operation in response.responses {
                out += "\n"
                switch operation {
                case .get(let get): out += try self.get(get)
                case .put(let put): out += try self.put(put)
                case .delete(let delete): out += try self.delete(delete)
                case .txn: out += "unexpected response\n"
                }
            }
            return out
        case .json: return line(Self.json(response))
        case .fields:
            var out = fields(response.header) + "\"Succeeded\" : \(response.succeeded)\n"
            for operation in response.responses {
                switch operation {
                case .get(let get): out += try self.get(get)
                case .put(let put): out += try self.put(put)
                case .delete(let delete): out += try self.delete(delete)
                case .txn: out += "\"Unknown\" : \"nested transaction\"\n"
                }
            }
            return out
        case .table, .protobuf: throw format.unsupported
        }
    }

    /// One `watch` response.
    func watch(_ response: EtcdWatchResponse) throws(CommandError) -> String {
        switch format {
        case .simple:
            return response.events.map { event in
                (event.kind == .put ? "PUT\n" : "DELETE\n") + (event.previous.map(simple) ?? "")
                    + simple(event.keyValue)
            }.joined()
        case .json:
            var object = GoJSONObject()
            object.add("Header", Self.json(response.header), omitEmpty: false)
            object.add(
                "Events",
                response.events.isEmpty ? .null : .array(response.events.map(Self.json)),
                omitEmpty: false
            )
            object.add("CompactRevision", .int(0), omitEmpty: false)
            object.add("Canceled", .bool(false), omitEmpty: false)
            object.add("Created", .bool(false), omitEmpty: false)
            return line(object.json)
        case .fields:
            return fields(response.header)
                + response.events.map { event in
                    "\"Type\" : \(event.kind == .put ? "PUT" : "DELETE")\n"
                        + (event.previous.map { fields($0, prefix: "Prev") } ?? "") + fields(event.keyValue)
                }.joined()
        case .table, .protobuf: throw format.unsupported
        }
    }

    /// `compaction`.
    func compaction(_ revision: Int64) -> String {
        "compacted revision \(revision)\n"
    }

    static func json(_ response: EtcdGetResponse) -> GoJSON {
        var object = GoJSONObject()
        object.add("header", json(response.header), omitEmpty: false)
        object.add("kvs", .array(response.keyValues.map(json)))
        object.add("more", .bool(response.hasMore))
        object.add("count", .int(Int64(response.count)))
        return object.json
    }

    static func json(_ response: EtcdPutResponse) -> GoJSON {
        var object = GoJSONObject()
        object.add("header", json(response.header), omitEmpty: false)
        if let previous = response.previous { object.add("prev_kv", json(previous)) }
        return object.json
    }

    static func json(_ response: EtcdDeleteResponse) -> GoJSON {
        var object = GoJSONObject()
        object.add("header", json(response.header), omitEmpty: false)
        object.add("deleted", .int(Int64(response.deleted)))
        object.add("prev_kvs", .array(response.previous.map(json)))
        return object.json
    }

    static func json(_ response: EtcdTxnResponse) -> GoJSON {
        var object = GoJSONObject()
        object.add("header", json(response.header), omitEmpty: false)
        object.add("succeeded", .bool(response.succeeded))
        object.add(
            "responses",
            .array(
                response.responses.map { operation in
                    let (name, value): (String, GoJSON) =
                        switch operation {
                        case .get(let get): ("ResponseRange", json(get))
                        case .put(let put): ("ResponsePut", json(put))
                        case .delete(let delete): ("ResponseDeleteRange", json(delete))
                        case .txn(let txn): ("ResponseTxn", json(txn))
                        }
                    return .object([("Response", .object([(name, value)]))])
                }
            )
        )
        return object.json
    }

    static func json(_ event: EtcdWatchEvent) -> GoJSON {
        var object = GoJSONObject()
        object.add("type", .int(event.kind == .put ? 0 : 1))
        object.add("kv", json(event.keyValue))
        if let previous = event.previous { object.add("prev_kv", json(previous)) }
        return object.json
    }
}
