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
    #expect(!lines.isEmpty)
    for (index, line) in lines.enumerated() {
      #expect(line.hasPrefix(index % 2 == 0 ? "start" : "stop"), "instances overlapped: \(log)")
    }
    #expect(harness.events(.appStarted).count < 5, "batches during a restart are merged: \(harness.events(.appStarted).count)")
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
