import PipelineCore
import Testing

/// The lines of the external-stage protocol, as ExternalProtocol.md documents them.
@Suite struct ExternalMessageTests {
  @Test func aBatchIsWrittenAsDocumented() {
    let line = ExternalMessage.batch(id: 2, Batch([Change(path: "b.txt", kind: .modified)])).line
    #expect(line == #"{"changes":[{"kind":"modified","path":"b.txt"}],"id":2,"rescan":false,"startup":false,"type":"batch"}"#)
  }

  @Test func helloCarriesTheConfigAsJSON() throws {
    let node = ConfigNode(
      .mapping([
        .init(key: "limit", keyLocation: .init(file: "p.yaml", line: 1, column: 1), value: ConfigNode(.scalar("5", quoted: false), at: .init(file: "p.yaml", line: 1, column: 8))),
        .init(key: "port", keyLocation: .init(file: "p.yaml", line: 2, column: 1), value: ConfigNode(.scalar("8080", quoted: true), at: .init(file: "p.yaml", line: 2, column: 8))),
      ]), at: .init(file: "p.yaml", line: 1, column: 1))
    guard case .object(let config) = try JSONValue(option: node) else {
      Issue.record("not an object")
      return
    }
    let line = ExternalMessage.hello(protocolVersion: 1, stage: "s", root: "/r", config: config).line
    #expect(line == #"{"config":{"limit":5,"port":"8080"},"protocol":1,"root":"/r","stage":"s","type":"hello"}"#)
  }

  @Test func answersAreRead() throws {
    #expect(try ExternalMessage(line: #"{"type":"ready","protocol":1}"#) == .ready(protocolVersion: 1))
    #expect(
      try ExternalMessage(line: #"{"type":"result","id":3,"pass":false,"message":"no"}"#)
        == .result(id: 3, pass: false, changes: nil, message: "no"))
    #expect(
      try ExternalMessage(line: #"{"type":"event","event":"output","message":"hi","extra":1}"#)
        == .event(kind: .output, message: "hi", paths: [], metadata: [:]))
  }

  @Test(arguments: [
    ("this is not json", "not a JSON object with a \"type\""),
    (#"{"type":"result","pass":true}"#, "a \"result\" message needs \"id\""),
    (#"{"type":"hi"}"#, "unknown message type \"hi\" (expected ready, result, event or error)"),
    (#"[1, 2]"#, "not a JSON object with a \"type\""),
    (#"{"id":1}"#, "not a JSON object with a \"type\""),
    (#"{"type":7}"#, "\"type\" must be a string, got 7"),
    (#"{"type":"result","id":1,"pass":"true"}"#, "\"pass\" must be true or false (without quotes), got \"true\""),
    (#"{"type":"result","id":"1","pass":true}"#, "\"id\" must be a whole number, got \"1\""),
    (#"{"type":"ready","protocol":1.5}"#, "\"protocol\" must be a whole number, got 1.5"),
    (
      #"{"type":"result","id":1,"pass":true,"changes":[{"path":"a","kind":"modified"},{"path":"b","kind":"exploded"}]}"#,
      "\"changes[1].kind\" must be one of created, modified, removed, renamed, got \"exploded\""
    ),
    (#"{"type":"result","id":1,"pass":true,"changes":[{"kind":"created"}]}"#, "\"changes[0]\" needs \"path\""),
    (#"{"type":"result","id":1,"pass":true,"changes":"a.txt"}"#, "\"changes\" must be a list of changes like {\"path\": \"a.txt\", \"kind\": \"modified\"}, got \"a.txt\""),
    (#"{"type":"event","event":"output","paths":["a",2]}"#, "\"paths[1]\" must be a string, got 2"),
    (#"{"type":"event","event":"output","metadata":{"n":3}}"#, "\"metadata.n\" must be a string, got 3"),
  ])
  func garbageIsRefusedWithAReason(line: String, reason: String) {
    #expect {
      _ = try ExternalMessage(line: line)
    } throws: { error in
      (error as? ExternalProtocolError)?.reason == reason
    }
  }

  @Test func aResultWithThousandsOfChangesIsRead() throws {
    let changes = (0..<2_000).map { Change(path: "gen/\($0).txt", kind: .created) }
    let line = ExternalMessage.result(id: 4, pass: true, changes: changes, message: nil).line
    #expect(line.utf8.count > 64 * 1024)
    #expect(try ExternalMessage(line: line) == .result(id: 4, pass: true, changes: changes, message: nil))
  }
}
