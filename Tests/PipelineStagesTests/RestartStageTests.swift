import Foundation
import PipelineCore
@testable import PipelineStages
import Testing

@Suite struct RestartStageTests {
  @Test func restartsStopTheOldInstanceBeforeStartingTheNext() async throws {
    let folder = try ScratchFolder()
    let app = #"echo "start $$" >> log; trap 'sleep 0.2; echo "stop $$" >> log; exit 0' TERM; while :; do sleep 0.05; done"#
    let harness = try StageHarness(RestartStage.self, yaml: "run: '\(app.replacingOccurrences(of: "'", with: "''"))'", root: folder.path)
    for index in 0..<5 {
      harness.send(modified("f\(index)"))
      try await Task.sleep(for: .milliseconds(30))
    }
    #expect(await harness.waitUntil { harness.work.isIdle && !harness.events(.appStarted).isEmpty })
    try await harness.finish()
    let log = (try? String(contentsOfFile: folder.path + "/log", encoding: .utf8)) ?? ""
    let lines = log.split(separator: "\n")
    #expect(lines.first?.hasPrefix("start") == true)
    // An instance stopped before its shell reached the `trap` dies at once and writes no
    // "stop" (a busy machine); one that overlapped the next would write its "stop" after the
    // next one's "start". So each "stop" must follow its own "start" with no other in between.
    var lastStart: Substring?
    for line in lines {
      let words = line.split(separator: " ")
      if words.first == "start" { lastStart = words.last; continue }
      #expect(words.first == "stop" && words.last == lastStart, "instances overlapped: \(log)")
      lastStart = nil
    }
    #expect(harness.events(.appStarted).count < 5, "batches during a restart are merged: \(harness.events(.appStarted).count)")
  }

  @Test("the end of the input ends a wait for ready at once: the restart is reported as stopped, with no warning")
  func stoppingEndsTheReadyWait() async throws {
    let harness = try StageHarness(RestartStage.self, yaml: "run: exec sleep 1000\nready: {output: never, timeout: 300s}")
    harness.send(modified("a"))
    #expect(await harness.waitUntil { !harness.events(.appStarted).isEmpty })
    try await harness.finish()  // returns only once the stage has: not after 300s
    let cancelled = try #require(harness.events(.stageCancelled).first)
    #expect(cancelled.metadata["reason"] == "stopping", "\(cancelled)")
    #expect(cancelled.message?.contains("while waiting for the app to be ready") == true, "\(cancelled)")
    #expect(harness.events(.warning).isEmpty, "\(harness.events)")
    #expect(harness.events(.appStopped).count == 1)
    #expect(harness.output.isEmpty, "a restart cut short sends nothing on")
  }

  @Test func anAppThatExitsByItselfIsReportedWithItsStatus() async throws {
    let harness = try StageHarness(RestartStage.self, yaml: "run: exit 7")
    harness.send(modified("a"))
    #expect(await harness.waitUntil { !harness.events(.appExited).isEmpty })
    #expect(harness.events(.appExited).first?.metadata["status"] == "7")
    #expect(harness.events(.appExited).first?.message?.contains("exited with status 7") == true)
    try await harness.finish()
  }
}
