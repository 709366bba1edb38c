import Foundation
import Testing

@testable import PipelineCore

@Suite("JSONLinesEventLog")
struct JSONLinesEventLogTests {
  /// 2023-11-14T22:13:20.5Z
  static let time = Date(timeIntervalSince1970: 1_700_000_000.5)

  static func object(_ line: String) throws -> [String: Any] {
    let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
    return try #require(parsed as? [String: Any])
  }

  @Test("the line is one JSON object with ts, stage and event, then message, paths and metadata")
  func fields() throws {
    let event = Event(
      kind: .stageFailed, stage: "build", time: Self.time, message: "build failed", paths: ["a.go", "b/c.go"],
      metadata: ["status": "1", "duration": "0.5"])
    let line = JSONLinesEventLog.encode(event)
    #expect(!line.contains("\n"))
    let object = try Self.object(line)
    #expect(object["ts"] as? String == "2023-11-14T22:13:20.500Z")
    #expect(object["stage"] as? String == "build")
    #expect(object["event"] as? String == "stage-failed")
    #expect(object["message"] as? String == "build failed")
    #expect(object["paths"] as? [String] == ["a.go", "b/c.go"])
    #expect(object["status"] as? String == "1")
    #expect(object["duration"] as? String == "0.5")
    #expect(object.count == 7)
    #expect(line.hasPrefix("{\"ts\":\"2023-11-14T22:13:20.500Z\",\"stage\":\"build\",\"event\":\"stage-failed\","))
  }

  @Test("message and paths are left out when there are none, and metadata cannot override the fixed fields")
  func optionalFields() throws {
    let event = Event(
      kind: "lint-failed", stage: "lint", time: Self.time,
      metadata: ["event": "forged", "ts": "x", "stage": "y", "message": "z", "paths": "p", "rule": "no-tabs"])
    let object = try Self.object(JSONLinesEventLog.encode(event))
    #expect(object["event"] as? String == "lint-failed")
    #expect(object["stage"] as? String == "lint")
    #expect(object["ts"] as? String == "2023-11-14T22:13:20.500Z")
    #expect(object["message"] == nil)
    #expect(object["paths"] == nil)
    #expect(object["rule"] as? String == "no-tabs")
    #expect(object.count == 4)
  }

  @Test(
    "messages survive escaping",
    arguments: [
      "say \"hi\"",
      "back\\slash",
      "two\nlines",
      "cr\r and tab\t",
      "bell \u{07}, escape \u{1B}[31m, nul \u{00}, unit sep \u{1F}, del \u{7F}",
      "unicode: é ✓ 🚀 \u{2028}",
      "",
    ])
  func escapes(message: String) throws {
    let event = Event(kind: .output, stage: "app", time: Self.time, message: message, paths: [message])
    let line = JSONLinesEventLog.encode(event)
    #expect(!line.contains("\n") && !line.contains("\r"))
    #expect(!line.unicodeScalars.contains { $0.value < 0x20 })
    let object = try Self.object(line)
    #expect(object["message"] as? String == message)
    #expect(object["paths"] as? [String] == [message])
  }

  @Test("timestamps are UTC with milliseconds", arguments: [
    (0.0, "1970-01-01T00:00:00.000Z"),
    (1_700_000_000.25, "2023-11-14T22:13:20.250Z"),
    (951_782_400.0, "2000-02-29T00:00:00.000Z"),
  ])
  func timestamps(seconds: Double, expected: String) {
    #expect(JSONLinesEventLog.timestamp(Date(timeIntervalSince1970: seconds)) == expected)
  }

  @Test("the file gets one parseable line per event, and is truncated when opened")
  func writesLines() throws {
    let path = FileManager.default.temporaryDirectory.path + "/events-\(UInt32.random(in: 0...UInt32.max)).jsonl"
    defer { try? FileManager.default.removeItem(atPath: path) }
    try "old content\n".write(toFile: path, atomically: true, encoding: .utf8)
    do {
      let log = try JSONLinesEventLog(path: path)
      log.emit(Event(kind: .pipelineStarted, stage: "pipeline", message: "from dev.yaml"))
      log.emit(Event(kind: .output, stage: "app", message: "line with \"quotes\"\nand a newline"))
    }
    let text = try String(contentsOfFile: path, encoding: .utf8)
    #expect(text.hasSuffix("\n"))
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines.count == 2)
    #expect(try lines.map { try Self.object($0)["event"] as? String } == ["pipeline-started", "output"])
    #expect(try Self.object(lines[1])["message"] as? String == "line with \"quotes\"\nand a newline")
  }

  @Test("a file that cannot be created is a diagnostic")
  func unwritable() {
    let error = #expect(throws: Diagnostic.self) { try JSONLinesEventLog(path: "/nonexistent-folder/events.jsonl") }
    #expect(error?.description.hasPrefix("error: cannot write the events file /nonexistent-folder/events.jsonl: ") == true)
  }
}
