import Foundation
import PipelineCore
@testable import PipelineStages
import Testing

/// The `when:` key of the command stages: the command runs only for batches with a matching
/// path, and every other batch goes on untouched, never ahead of a run in progress.
@Suite struct CommandConditionTests {
  @Test func aMatchingChangeRunsTheCommand() async throws {
    let harness = try StageHarness(RunStage.self, yaml: "run: echo resolved\nwhen: [Package.swift]")
    harness.send(modified("Package.swift", "Sources/App/main.swift"))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(harness.events(.output).compactMap(\.message) == ["resolved"])
    #expect(harness.output.first?.paths == ["Package.swift", "Sources/App/main.swift"], "the batch goes on whole")
    try await harness.finish()
  }

  @Test func anotherChangePassesOnUntouchedWithoutARun() async throws {
    let harness = try StageHarness(RunStage.self, yaml: "run: echo resolved\nwhen: [Package.swift, \"**/*.pins\"]")
    let batch = modified("Sources/App/main.swift")
    harness.send(batch)
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(harness.output.first == batch)
    #expect(harness.events(.stageStarted).isEmpty)
    #expect(harness.events(.output).isEmpty)
    let skipped = harness.events(.batchDropped).first?.message ?? ""
    #expect(skipped == "skipped: no change matches when: [Package.swift, **/*.pins]", "\(skipped)")
    try await harness.finish()
  }

  @Test func aRemovedManifestMatchesToo() async throws {
    let harness = try StageHarness(RunStage.self, yaml: "run: echo ran\nwhen: [\"**/package.json\"]")
    harness.send(Batch([Change(path: "web/package.json", kind: .removed)]))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(harness.events(.output).compactMap(\.message) == ["ran"])
    try await harness.finish()
  }

  @Test func theStartupBatchDoesNotRunButARescanDoes() async throws {
    let harness = try StageHarness(RunStage.self, yaml: "run: echo ran\nwhen: [Package.swift]")
    harness.send(.startup)
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(harness.events(.output).isEmpty, "nothing changed at startup")
    harness.send(Batch(isRescan: true))
    #expect(await harness.waitUntil { harness.output.count == 2 })
    #expect(harness.events(.output).compactMap(\.message) == ["ran"], "after a rescan anything may have changed")
    try await harness.finish()
  }

  @Test func anUnmatchedBatchWaitsForTheRunInProgress() async throws {
    let harness = try StageHarness(
      RunStage.self, yaml: "run: \"sleep 0.4; echo resolved\"\nwhen: [Package.swift]")
    harness.send(modified("Package.swift"))
    #expect(await harness.waitUntil { !harness.events(.stageStarted).isEmpty })
    harness.send(modified("main.swift"))
    #expect(await harness.waitUntil { harness.output.count == 2 })
    #expect(harness.output.map(\.paths) == [["Package.swift"], ["main.swift"]], "the source change must not overtake the resolve")
    #expect(harness.events(.stageCancelled).isEmpty, "an unmatched batch does not restart the run")
    #expect(harness.events(.stageStarted).count == 1)
    try await harness.finish()
  }

  @Test func aWhenGlobIsCheckedWhereItIsWritten() throws {
    #expect(throws: Diagnostic.self) {
      _ = try StageHarness(RunStage.self, yaml: "run: echo\nwhen: [\"Package.{swift\"]")
    }
  }
}
