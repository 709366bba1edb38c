import Foundation
import PipelineCore
@testable import PipelineStages
import Testing

/// The command stages (`build`, `test`, `run`) with real commands under /bin/sh.
@Suite struct CommandStageTests {
  @Test func successPassesTheBatchOnAndStreamsOutput() async throws {
    let harness = try StageHarness(BuildStage.self, yaml: #"run: "echo compiled; echo warning >&2""#)
    harness.send(modified("main.go"))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    let lines = harness.events(.output).compactMap(\.message)
    #expect(lines.contains("compiled") && lines.contains("warning"))
    #expect(harness.events(.stageSucceeded).count == 1)
    try await harness.finish()
  }

  @Test func failureStopsTheBatchAndSaysWhy() async throws {
    let harness = try StageHarness(BuildStage.self, yaml: "run: exit 3")
    harness.send(modified("main.go"))
    #expect(await harness.waitUntil { !harness.events(.stageFailed).isEmpty })
    #expect(harness.output.isEmpty)
    let message = harness.events(.stageFailed).first?.message ?? ""
    #expect(message.hasPrefix("stage 'build' (exit 3) exited with status 3"), "\(message)")
    try await harness.finish()
  }

  @Test func aFailedBatchIsCarriedIntoTheNextRun() async throws {
    let project = try ScratchFolder()
    let harness = try StageHarness(
      BuildStage.self, yaml: #"run: "test ! -e fail""#, root: project.path)
    try "x".write(toFile: project.path + "/fail", atomically: true, encoding: .utf8)
    harness.send(modified("broken.go"))
    #expect(await harness.waitUntil { !harness.events(.stageFailed).isEmpty })
    try FileManager.default.removeItem(atPath: project.path + "/fail")
    harness.send(modified("fixed.go"))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(harness.output.first?.paths == ["broken.go", "fixed.go"], "no change is lost")
    try await harness.finish()
  }

  @Test func continueOnErrorPassesTheBatchOnAnyway() async throws {
    let harness = try StageHarness(RunStage.self, yaml: "run: exit 1\ncontinue_on_error: true")
    harness.send(modified("a.go"))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(harness.events(.stageFailed).first?.metadata["continued"] == "true")
    try await harness.finish()
  }

  @Test func aBatchWhileBusyRestartsTheCommandWithTheMergedBatch() async throws {
    // Only the first run is slow, so the restart surely lands in it, and the test is quick.
    let project = try ScratchFolder()
    let harness = try StageHarness(
      BuildStage.self, yaml: #"run: "echo start; if [ ! -e slow-done ]; then touch slow-done; sleep 10; fi; echo done""#,
      root: project.path)
    harness.send(modified("a"))
    #expect(await harness.waitUntil { harness.events(.output).contains { $0.message == "start" } })
    harness.send(modified("b"))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(harness.output.first?.paths == ["a", "b"])
    #expect(harness.events(.stageCancelled).count == 1)
    #expect(harness.events(.output).filter { $0.message == "done" }.count == 1, "the first run was stopped")
    try await harness.finish()
  }

  @Test func queueRunsOnceMoreWithEverythingThatCameMeanwhile() async throws {
    let harness = try StageHarness(
      BuildStage.self, yaml: "run: \"echo start; sleep 0.3\"\non_busy: queue")
    harness.send(modified("a"))
    #expect(await harness.waitUntil { harness.events(.output).contains { $0.message == "start" } })
    harness.send(modified("b"))
    harness.send(modified("c"))
    #expect(await harness.waitUntil { harness.output.count == 2 })
    #expect(harness.output.map(\.paths) == [["a"], ["b", "c"]])
    #expect(harness.events(.stageCancelled).isEmpty)
    try await harness.finish()
  }

  @Test func ignoreDropsWhatComesWhileBusy() async throws {
    let harness = try StageHarness(
      BuildStage.self, yaml: "run: \"echo start; sleep 0.3\"\non_busy: ignore")
    harness.send(modified("a"))
    #expect(await harness.waitUntil { harness.events(.output).contains { $0.message == "start" } })
    harness.send(modified("b"))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    try await Task.sleep(for: .milliseconds(100))
    #expect(harness.output.map(\.paths) == [["a"]])
    #expect(harness.events(.batchDropped).map(\.paths) == [["b"]])
    #expect(harness.events(.batchDropped).map { $0.metadata["reason"] } == ["busy"], "shown without -v")
    try await harness.finish()
  }

  @Test func aHungCommandTimesOut() async throws {
    let harness = try StageHarness(TestStage.self, yaml: "run: sleep 30\ntimeout: 200ms\nkill_after: 100ms")
    harness.send(modified("a"))
    #expect(await harness.waitUntil { !harness.events(.stageFailed).isEmpty })
    #expect(harness.events(.stageFailed).first?.message?.contains("timed out after 200ms") == true)
    #expect(harness.events(.stageFailed).first?.metadata["status"] == "timeout")
    try await harness.finish()
  }

  @Test func theCommandSeesTheChangedFiles() async throws {
    let harness = try StageHarness(
      RunStage.self,
      yaml: #"run: "echo \"var=$PIPELINE_CHANGED_FILES\"; echo \"list=$(cat $PIPELINE_CHANGED_FILES_LIST | tr '\n' ,)\"; echo files={files}""#)
    harness.send(Batch([Change(path: "a.go", kind: .modified), Change(path: "gone.go", kind: .removed)]))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    let lines = harness.events(.output).compactMap(\.message)
    #expect(lines.contains("var=a.go"))
    #expect(lines.contains("gone.go"))
    #expect(lines.contains("list=a.go,gone.go,"))
    #expect(lines.contains("files=a.go"), "a removed file is not handed to {files}: \(lines)")
    try await harness.finish()
  }

  @Test func theListFileAlwaysHoldsTheBatchEvenWhenACommandRewroteIt() async throws {
    // Every run appends to its list file; the same batch again must still get a list that
    // holds exactly the batch (in the stage's other file), and another batch its own list.
    let harness = try StageHarness(
      RunStage.self,
      yaml: #"run: "echo \"path=$PIPELINE_CHANGED_FILES_LIST list=$(tr '\n' , < $PIPELINE_CHANGED_FILES_LIST)\"; echo junk >> $PIPELINE_CHANGED_FILES_LIST""#)
    for (index, name) in ["a.go", "a.go", "b.go"].enumerated() {
      harness.send(modified(name))
      #expect(await harness.waitUntil { harness.output.count == index + 1 })
    }
    let lines = harness.events(.output).compactMap(\.message).filter { $0.hasPrefix("path=") }
    #expect(lines.map { $0.components(separatedBy: " list=").last } == ["a.go,", "a.go,", "b.go,"], "\(lines)")
    let paths = lines.compactMap { $0.components(separatedBy: " list=").first?.dropFirst("path=".count) }.map(String.init)
    #expect(paths.count == 3 && paths[1] != paths[0], "a rewritten file is not handed over again: \(paths)")
    #expect(paths.count == 3 && paths[2] == paths[0], "the stage's two files are written in turn: \(paths)")
    try await harness.finish()
  }

  @Test func theSameBatchAgainGetsTheSameListFile() async throws {
    let harness = try StageHarness(
      RunStage.self, yaml: #"run: "echo \"path=$PIPELINE_CHANGED_FILES_LIST list=$(tr '\n' , < $PIPELINE_CHANGED_FILES_LIST)\"""#)
    for index in 0..<3 {
      harness.send(modified("main.go"))
      #expect(await harness.waitUntil { harness.output.count == index + 1 })
    }
    let lines = harness.events(.output).compactMap(\.message).filter { $0.hasPrefix("path=") }
    #expect(lines.count == 3 && Set(lines).count == 1, "written once, handed over three times: \(lines)")
    #expect(lines.first?.hasSuffix(" list=main.go,") == true)
    try await harness.finish()
  }

  @Test func aLongListIsWrittenAnewEachTimeInsteadOfKept() async throws {
    // Over ChangedFilesList.longestListKept: not held in memory to compare, so the same batch
    // again is written to the stage's other file.
    let paths = (0..<2_000).map { "src/package\($0 % 50)/generated_file_\($0).go" }
    #expect(paths.joined(separator: "\n").utf8.count > ChangedFilesList.longestListKept)
    let harness = try StageHarness(
      RunStage.self, yaml: #"run: "echo \"path=$PIPELINE_CHANGED_FILES_LIST lines=$(wc -l < $PIPELINE_CHANGED_FILES_LIST)\"""#)
    for index in 0..<2 {
      harness.send(Batch(paths.map { Change(path: $0, kind: .modified) }))
      #expect(await harness.waitUntil { harness.output.count == index + 1 })
    }
    let lines = harness.events(.output).compactMap(\.message).filter { $0.hasPrefix("path=") }
    #expect(lines.count == 2 && lines.allSatisfy { $0.hasSuffix("lines=2000") }, "\(lines)")
    let files = lines.compactMap { $0.split(separator: " ").first?.dropFirst("path=".count) }.map(String.init)
    #expect(Set(files).count == 2, "\(files)")
    try await harness.finish()
  }

  @Test func aTenThousandFileBatchDoesNotBreakTheCommand() async throws {
    let paths = (0..<10_000).map { "src/package\($0 % 100)/a_rather_long_generated_file_name_\($0).go" }
    let harness = try StageHarness(
      RunStage.self,
      yaml: #"run: "echo vars=${PIPELINE_CHANGED_FILES:+set}; wc -l < $PIPELINE_CHANGED_FILES_LIST; echo {files} | wc -w""#)
    harness.send(Batch(paths.map { Change(path: $0, kind: .modified) }))
    #expect(await harness.waitUntil(timeout: .seconds(30)) { harness.output.count == 1 })
    let lines = harness.events(.output).compactMap(\.message).map { $0.trimmingCharacters(in: .whitespaces) }
    #expect(lines.contains("vars="), "the variable is left out when too long: \(lines.prefix(3))")
    #expect(lines.contains("10000"), "the list file always has every path")
    let words = lines.compactMap(Int.init).filter { $0 != 10000 }
    #expect(words.reduce(0, +) == 10_000, "split into several runs covering every path: \(words)")
    #expect(words.count > 1)
    try await harness.finish()
  }

  @Test func aMissingProgramIsReportedClearly() async throws {
    let harness = try StageHarness(BuildStage.self, yaml: "run: [no-such-compiler, build]")
    harness.send(modified("a"))
    #expect(await harness.waitUntil { !harness.events(.stageFailed).isEmpty })
    #expect(harness.events(.stageFailed).first?.message?.contains("command not found: no-such-compiler") == true)
    try await harness.finish()
  }
}

/// A temporary folder removed at deinit.
final class ScratchFolder: Sendable {
  let path: String
  init() throws {
    path = FileManager.default.temporaryDirectory.path + "/pipeline-test-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct FilesPlaceholderSkipTests {
  @Test func aFilesCommandWithNoFileIsSkippedAndTheBatchGoesOn() async throws {
    let harness = try StageHarness(RunStage.self, yaml: "run: echo formatting {files}")
    harness.send(.startup)
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(harness.events(.output).isEmpty, "nothing ran")
    #expect(harness.events(.stageStarted).isEmpty)
    try await harness.finish()
  }
}
