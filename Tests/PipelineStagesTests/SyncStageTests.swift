import Foundation
import PipelineCore
@testable import PipelineStages
import Testing

/// The sync stage mirrors changes into its target, keeps modes, and never writes outside
/// the target, whatever a path or a planted symlink says.
@Suite struct SyncStageTests {
  let project: ScratchFolder
  let outside: ScratchFolder
  var root: String { project.path }
  var target: String { project.path + "/mirror" }

  init() throws {
    project = try ScratchFolder()
    outside = try ScratchFolder()
    try FileManager.default.createDirectory(atPath: root + "/src/pkg", withIntermediateDirectories: true)
  }

  func write(_ relative: String, _ text: String, mode: Int = 0o644) throws {
    try text.write(toFile: root + "/" + relative, atomically: false, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: root + "/" + relative)
  }

  func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

  func harness(_ extra: String = "") throws -> StageHarness<SyncStage> {
    try StageHarness(SyncStage.self, yaml: "from: src\ntarget: mirror\n" + extra, root: root)
  }

  func batch(_ changes: (String, ChangeKind)...) -> Batch {
    Batch(changes.map { Change(path: $0.0, kind: $0.1) })
  }

  @Test func changedFilesAreCopiedWithTheirModeAndRemovalsMirrored() async throws {
    try write("src/run.sh", "echo hi", mode: 0o755)
    try write("src/pkg/a.go", "package pkg")
    let harness = try harness("initial: false")
    harness.send(batch(("src/run.sh", .created), ("src/pkg/a.go", .modified)))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(read(target + "/pkg/a.go") == "package pkg")
    let mode = try FileManager.default.attributesOfItem(atPath: target + "/run.sh")[.posixPermissions] as? Int
    #expect(mode == 0o755)

    try FileManager.default.removeItem(atPath: root + "/src/pkg/a.go")
    harness.send(batch(("src/pkg/a.go", .removed)))
    #expect(await harness.waitUntil { harness.output.count == 2 })
    #expect(!FileManager.default.fileExists(atPath: target + "/pkg/a.go"))
    #expect(FileManager.default.fileExists(atPath: target + "/run.sh"))
    try await harness.finish()
  }

  @Test func theStartupBatchMirrorsTheTreeButNotExcludedFolders() async throws {
    try write("src/pkg/a.go", "package pkg")
    try FileManager.default.createDirectory(atPath: root + "/src/node_modules/x", withIntermediateDirectories: true)
    try write("src/node_modules/x/index.js", "huge")
    let harness = try harness()
    harness.send(.startup)
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(read(target + "/pkg/a.go") == "package pkg")
    #expect(!FileManager.default.fileExists(atPath: target + "/node_modules"))
    try await harness.finish()
  }

  @Test func aSymlinkPlantedInTheTargetIsNotFollowed() async throws {
    try write("src/pkg/a.go", "package pkg")
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    // The target's `pkg` points outside: writing pkg/a.go through it would escape.
    try FileManager.default.createSymbolicLink(atPath: target + "/pkg", withDestinationPath: outside.path)
    let harness = try harness("initial: false")
    harness.send(batch(("src/pkg/a.go", .modified)))
    #expect(await harness.waitUntil { !harness.events(.stageFailed).isEmpty })
    let message = harness.events(.stageFailed).first?.message ?? ""
    #expect(message.contains("pkg: refused: it is a symlink"), "\(message)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty, "nothing written outside")
    #expect(harness.output.isEmpty, "the batch stops")
    try await harness.finish()
  }

  @Test func aSymlinkAtTheFilesOwnNameIsReplacedNotWrittenThrough() async throws {
    try write("src/a.txt", "new")
    try "secret".write(toFile: outside.path + "/victim", atomically: false, encoding: .utf8)
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: target + "/a.txt", withDestinationPath: outside.path + "/victim")
    let harness = try harness("initial: false")
    harness.send(batch(("src/a.txt", .modified)))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(read(outside.path + "/victim") == "secret")
    #expect(read(target + "/a.txt") == "new")
    try await harness.finish()
  }

  @Test func dotDotIsRefusedBeforeAnythingIsOpened() throws {
    let sync = try SyncTarget(path: target)
    var skipped: [String] = []
    #expect(throws: SyncTarget.Failure.self) { try sync.copy(from: root + "/src", to: "../escaped", skipping: &skipped) }
    #expect(throws: SyncTarget.Failure.self) { try sync.remove("pkg/../../x") }
    #expect(!FileManager.default.fileExists(atPath: root + "/escaped"))
  }

  @Test func pathsOutsideFromAreNotSynced() async throws {
    try write("README.md", "docs")
    let harness = try harness("initial: false")
    harness.send(batch(("README.md", .modified), ("../elsewhere/x", .modified)))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(!FileManager.default.fileExists(atPath: target + "/README.md"))
    try await harness.finish()
  }

  @Test func aFailedBatchIsMergedIntoTheNextSoNoChangeIsLost() async throws {
    try write("src/pkg/a.go", "package pkg")
    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
    // A symlink where a folder goes is refused, never followed.
    try FileManager.default.createSymbolicLink(atPath: target + "/pkg", withDestinationPath: outside.path)
    let harness = try harness("initial: false")
    harness.send(batch(("src/pkg/a.go", .modified)))
    #expect(await harness.waitUntil { !harness.events(.stageFailed).isEmpty })
    try FileManager.default.removeItem(atPath: target + "/pkg")
    try write("src/b.go", "package main")
    harness.send(batch(("src/b.go", .created)))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(read(target + "/pkg/a.go") == "package pkg", "the failed change came along")
    #expect(read(target + "/b.go") == "package main")
    try await harness.finish()
  }

  @Test func aFileThatBecameAFolderOfTheSameNameIsReplacedInTheTarget() async throws {
    try write("src/config", "a file first")
    let harness = try harness("initial: false")
    harness.send(batch(("src/config", .created)))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(read(target + "/config") == "a file first")

    try FileManager.default.removeItem(atPath: root + "/src/config")
    try FileManager.default.createDirectory(atPath: root + "/src/config", withIntermediateDirectories: true)
    try write("src/config/app.yaml", "now a folder")
    // As the watcher reports it: the file removed, a file created in the new folder.
    harness.send(batch(("src/config/app.yaml", .created), ("src/config", .removed)))
    #expect(await harness.waitUntil { harness.output.count == 2 })
    #expect(harness.events(.stageFailed).isEmpty, "\(harness.events(.stageFailed).map(\.message))")
    #expect(read(target + "/config/app.yaml") == "now a folder")
    try await harness.finish()
  }

  @Test func aFolderThatBecameAFileOfTheSameNameIsReplacedInTheTarget() async throws {
    try FileManager.default.createDirectory(atPath: root + "/src/config", withIntermediateDirectories: true)
    try write("src/config/app.yaml", "a folder first")
    let harness = try harness("initial: false")
    harness.send(batch(("src/config/app.yaml", .created)))
    #expect(await harness.waitUntil { harness.output.count == 1 })

    try FileManager.default.removeItem(atPath: root + "/src/config")
    try write("src/config", "now a file")
    // The file first: the removal below it then meets a file in the target.
    harness.send(batch(("src/config", .modified), ("src/config/app.yaml", .removed)))
    #expect(await harness.waitUntil { harness.output.count == 2 })
    #expect(harness.events(.stageFailed).isEmpty, "\(harness.events(.stageFailed).map(\.message))")
    #expect(read(target + "/config") == "now a file")
    try await harness.finish()
  }

  @Test func aFIFOIsSkippedWithOneWarningAndTheBatchGoesOn() async throws {
    try write("src/a.txt", "text")
    #expect(mkfifo(root + "/src/events.fifo", 0o644) == 0)
    let harness = try harness()
    harness.send(.startup)
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(read(target + "/a.txt") == "text")
    #expect(!FileManager.default.fileExists(atPath: target + "/events.fifo"))
    let warnings = harness.events(.warning).compactMap(\.message).filter { $0.contains("events.fifo") }
    #expect(warnings.count == 1, "\(warnings)")
    #expect(warnings.first?.contains("not a file, folder or symlink") == true)

    harness.send(batch(("src/events.fifo", .modified), ("src/a.txt", .modified)))
    #expect(await harness.waitUntil { harness.output.count == 2 })
    #expect(harness.events(.stageFailed).isEmpty)
    #expect(harness.events(.warning).compactMap(\.message).filter { $0.contains("events.fifo") }.count == 1, "said once")
    try await harness.finish()
  }

  @Test func aTargetInsideTheFolderItMirrorsIsRejected() throws {
    #expect(throws: Diagnostic.self) {
      _ = try StageHarness(SyncStage.self, yaml: "from: src\ntarget: src/mirror", root: root)
    }
  }
}
