import Testing

@testable import PipelineCore

@Suite("Duration as a pipeline option")
struct DurationOptionTests {
  @Test(
    "reads the texts a pipeline file writes",
    arguments: [
      ("50ms", Duration.milliseconds(50)),
      ("2s", .seconds(2)),
      ("1.5s", .milliseconds(1500)),
      ("1m", .seconds(60)),
      ("1m30s", .seconds(90)),
      ("1h", .seconds(3600)),
      ("250", .milliseconds(250)),
      ("0", .zero),
      ("0ms", .zero),
      ("500us", .microseconds(500)),
      (" 2s ", .seconds(2)),
    ])
  func parses(text: String, expected: Duration) {
    #expect(Duration(pipelineText: text) == expected)
  }

  @Test("rejects malformed or negative texts", arguments: ["soon", "-5", "-5s", "5x", "", "  ", "ms", "5 s", "s5", "1.2.3s"])
  func rejects(text: String) {
    #expect(Duration(pipelineText: text) == nil)
  }

  @Test(
    "pipelineText is the shortest text, and reads back to the same duration",
    arguments: [
      (Duration.zero, "0ms"),
      (.milliseconds(50), "50ms"),
      (.milliseconds(250), "250ms"),
      (.seconds(2), "2s"),
      (.milliseconds(1500), "1.5s"),
      (.seconds(60), "1m"),
      (.seconds(90), "90s"),
      (.seconds(3600), "60m"),
      (.microseconds(1500), "1.5ms"),
    ])
  func pipelineTextRoundTrips(duration: Duration, text: String) {
    #expect(duration.pipelineText == text)
    #expect(Duration(pipelineText: duration.pipelineText) == duration)
  }

  @Test(
    "humanText is for people",
    arguments: [
      (Duration.zero, "0ms"),
      (.microseconds(500), "0.5ms"),
      (.milliseconds(12), "12ms"),
      (.milliseconds(999), "999ms"),
      (.seconds(1), "1s"),
      (.milliseconds(1420), "1.42s"),
      (.milliseconds(1426), "1.43s"),
      (.seconds(60), "1m00s"),
      (.seconds(125), "2m05s"),
      (.seconds(754), "12m34s"),
    ])
  func humanText(duration: Duration, expected: String) {
    #expect(duration.humanText == expected)
  }

  @Test("an option node that is not a duration is a located error")
  func optionErrors() throws {
    let location = SourceLocation(file: "dev.yaml", line: 4, column: 13)
    let list = ConfigNode(.sequence([ConfigNode(.scalar("1", quoted: false), at: location)]), at: location)
    let error = #expect(throws: Diagnostic.self) { try Duration(option: list) }
    #expect(
      error?.description
        == "dev.yaml:4:13: error: expected a duration like 500ms, 2s or 1m, got a list\n"
        + "  help: units: ms, s, m, h; a whole number alone means milliseconds, a decimal needs its unit (1.5s)")
    // A quoted duration is still a duration.
    #expect(try Duration(option: ConfigNode(.scalar("2s", quoted: true), at: location)) == .seconds(2))
    #expect(Duration.optionTypeName == "duration")
    #expect(Duration.milliseconds(100).optionDescription == "100ms")
  }

  // A pipeline file must not be able to crash `pipeline validate`. The bodies run in a child
  // process, so a crash fails the expectation instead of the test run.

  @Test("a duration too long for Duration is rejected, not a crash")
  func hugeDurationText() async {
    await #expect(processExitsWith: .success) {
      _ = Duration(pipelineText: "10000000000s")
    }
  }

  @Test("pipelineText of a very long duration does not crash")
  func hugeDurationPipelineText() async {
    await #expect(processExitsWith: .success) {
      _ = Duration.milliseconds(Int64.max).pipelineText
    }
  }
}
