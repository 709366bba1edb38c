import HTTPCheck
import PipelineCore
import Testing

/// The stage's own tests: its keys, and a check that fails, run through `StageDriver` the way
/// a pipeline runs it. (The repository's end-to-end tests run it in a real pipeline against a
/// real server.)
@Suite struct HTTPCheckStageTests {
  @Test func aURLIsRequired() throws {
    #expect {
      _ = try StageDriver(HTTPCheckStage.self, config: [:], events: EventRecorder())
    } throws: { error in
      (error as? Diagnostic)?.message == "stage 'http_check' needs 'url'"
    }
  }

  @Test func aURLMustBeHTTP() throws {
    #expect {
      _ = try StageDriver(HTTPCheckStage.self, config: ["url": .string("ftp://x")], events: EventRecorder())
    } throws: { error in
      (error as? Diagnostic)?.message == "'url' must be an http:// or https:// URL, got 'ftp://x'"
    }
  }

  @Test func anUnknownKeyIsReported() throws {
    #expect {
      _ = try StageDriver(
        HTTPCheckStage.self, config: ["url": .string("http://127.0.0.1:1/"), "stauts": .number("200")],
        events: EventRecorder())
    } throws: { error in
      (error as? Diagnostic)?.message.contains("unknown key 'stauts'") == true
    }
  }

  @Test func nothingListeningStopsTheBatchAndSaysWhy() async throws {
    let events = EventRecorder()
    // Port 1 on the loopback: nothing listens there.
    let driver = try StageDriver(
      HTTPCheckStage.self,
      config: ["url": .string("http://127.0.0.1:1/"), "within": .string("300ms"), "interval": .string("50ms")],
      events: events)
    let passed = await driver.handle(Batch([Change(path: "main.swift", kind: .modified)]))
    try await driver.finish()
    #expect(passed == nil)
    let failure = try #require(events.events(.stageFailed).first)
    #expect(failure.message?.hasPrefix("stage 'http_check': GET http://127.0.0.1:1/ failed") == true, "\(failure)")
  }
}
