import Foundation
import PipelineCore
@testable import PipelineStages
import Testing

@Suite struct WatchStageTests {
  @Test func emitsTheStartupBatchThenChangesRelativeToTheRoot() async throws {
    let folder = try ScratchFolder()
    try FileManager.default.createDirectory(atPath: folder.path + "/src", withIntermediateDirectories: true)
    let harness = try StageHarness(WatchStage.self, yaml: "paths: [src]", root: folder.path)
    #expect(await harness.waitUntil { harness.output.first?.isStartup == true })
    try "v1".write(toFile: folder.path + "/src/main.go", atomically: false, encoding: .utf8)
    #expect(await harness.waitUntil { harness.output.contains { $0.paths.contains("src/main.go") } })
    try await harness.finish()
  }

  @Test func initialFalseSkipsTheStartupBatch() async throws {
    let folder = try ScratchFolder()
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false", root: folder.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    try "x".write(toFile: folder.path + "/a.txt", atomically: false, encoding: .utf8)
    #expect(await harness.waitUntil { !harness.output.isEmpty })
    #expect(harness.output.allSatisfy { !$0.isStartup })
    try await harness.finish()
  }

  @Test func changesInExcludedFoldersAreNotReported() async throws {
    let folder = try ScratchFolder()
    try FileManager.default.createDirectory(atPath: folder.path + "/node_modules/x", withIntermediateDirectories: true)
    let harness = try StageHarness(WatchStage.self, yaml: "initial: false", root: folder.path)
    #expect(await harness.waitUntil { !harness.events(.watchReady).isEmpty })
    try "x".write(toFile: folder.path + "/node_modules/x/index.js", atomically: false, encoding: .utf8)
    try "y".write(toFile: folder.path + "/app.js", atomically: false, encoding: .utf8)
    #expect(await harness.waitUntil { harness.output.contains { $0.paths.contains("app.js") } })
    #expect(!harness.output.contains { $0.paths.contains { $0.hasPrefix("node_modules") } })
    try await harness.finish()
  }

  @Test func aMissingFolderIsAClearError() {
    #expect(throws: Diagnostic.self) {
      try StageHarness(WatchStage.self, yaml: "paths: [does-not-exist]")
    }
  }
}
