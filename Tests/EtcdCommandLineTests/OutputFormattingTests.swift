import EtcdClientCore
import Testing

@testable import EtcdCommandLine

@Suite("etcd-swift text as Go prints it")
struct OutputFormattingTests {
    @Test("strconv.Quote: escapes, control characters, invalid UTF-8, non-printable runes")
    func quote() {
        #expect(GoText.quote("plain") == "\"plain\"")
        #expect(GoText.quote("a\"b\\c\n\t") == #""a\"b\\c\n\t""#)
        #expect(GoText.quote([0x00, 0x7F, 0x1B]) == #""\x00\x7f\x1b""#)
        #expect(GoText.quote([0xFF, 0x61]) == #""\xffa""#)
        #expect(GoText.quote("é✓") == "\"é✓\"")
        #expect(GoText.quote("\u{200B}") == #""\u200b""#)
    }

    @Test("sizes, durations, hexadecimal")
    func numbers() {
        #expect(GoText.humanBytes(5) == "5 B")
        #expect(GoText.humanBytes(20480) == "20 kB")
        #expect(GoText.humanBytes(1_234_567) == "1.2 MB")
        #expect(GoText.humanBytes(52_428_800) == "52 MB")
        #expect(GoText.duration(.nanoseconds(1_500)) == "1.5µs")
        #expect(GoText.duration(.microseconds(2_345)) == "2.345ms")
        #expect(GoText.duration(.seconds(90)) == "1m30s")
        #expect(GoText.duration(.milliseconds(3_723_500)) == "1h2m3.5s")
        #expect(GoText.duration(.zero) == "0s")
        #expect(GoText.hex(UInt64(255), width: 16) == "00000000000000ff")
        #expect(GoText.spacePaddedHex(UInt64(255), width: 6) == "    ff")
    }

    @Test("encoding/json: field order, omitempty, base64, HTML-safe escapes")
    func json() {
        var object = GoJSONObject()
        object.add("zero", .int(0))
        object.add("kept", .int(0), omitEmpty: false)
        object.add("bytes", .bytes(Array("hi!?".utf8)))
        object.add("text", .string("<a&b>\u{01}\"\n"))
        object.add("list", .array([.uint(1), .bool(true), .null]))
        #expect(
            object.json.text
                == #"{"kept":0,"bytes":"aGkhPw==","text":"\u003ca\u0026b\u003e\u0001\"\n","list":[1,true,null]}"#
        )
        #expect(Base64.encode([]) == "" && Base64.encode([0xFF]) == "/w==" && Base64.encode([1, 2]) == "AQI=")
    }

    @Test("tables as etcdctl draws them: upper-case centred headers, right-aligned cells")
    func table() {
        let table = TextTable(header: ["id", "Status"], rows: [["abc", "started"], ["de", "x"]])
        #expect(
            table.text == """
                +-----+---------+
                | ID  | STATUS  |
                +-----+---------+
                | abc | started |
                |  de |       x |
                +-----+---------+

                """
        )
    }

    @Test("--help lists every command; each command has its own help")
    func help() {
        let overview = HelpText.overview(EtcdSwiftTool.commands)
        for command in EtcdSwiftTool.commands {
            #expect(overview.contains(command.path.joined(separator: " ")))
            let help = HelpText.command(command)
            #expect(help.contains("etcd-swift \(command.path.joined(separator: " "))"))
            for flag in command.flags { #expect(help.contains("--\(flag.name)")) }
        }
    }
}
