import Foundation
import Synchronization
import Testing

@testable import PipelineCore

/// A stage's own writes (a formatter's rewrite, its temporary files) are not news; a
/// person's edits always are.
struct OwnWritesTests {
  let root: String
  let writes: OwnWrites

  init() throws {
    root = FileManager.default.temporaryDirectory.path + "/own-writes-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: root + "/src", withIntermediateDirectories: true)
    writes = OwnWrites(root: root)
  }

  func write(_ path: String, _ text: String) throws {
    try text.write(toFile: root + "/" + path, atomically: false, encoding: .utf8)
  }

  func batch(_ changes: (String, ChangeKind)...) -> Batch {
    Batch(changes.map { Change(path: $0.0, kind: $0.1) })
  }

  /// Screens `batch`, expecting it not to be held.
  func screenNow(_ batch: Batch) -> Batch? {
    writes.screen(batch) { _ in Issue.record("held unexpectedly") }
  }

  @Test("the pipeline's own file is named for a reload and screened out; a project file is named and kept; files outside the root are neither")
  func definitionFilesAreAnnouncedAndThePipelineFileScreened() throws {
    let writes = OwnWrites(
      root: root, pipelineFiles: [root + "/pipeline.yaml"],
      definitionFiles: [root + "/pipeline.yaml", root + "/package.json", "/elsewhere/pipeline.yaml"])
    let batch = batch(("src/a.js", .modified), ("pipeline.yaml", .modified), ("package.json", .modified))
    #expect(writes.definitionFiles(in: batch) == ["pipeline.yaml", "package.json"])
    #expect(writes.withoutPipelineFiles(batch).paths == ["src/a.js", "package.json"])
    #expect(writes.definitionFiles(in: self.batch(("src/pipeline.yaml", .modified))).isEmpty)
  }

  @Test func withNothingWrittenABatchPassesUntouched() throws {
    let batch = batch(("src/a.go", .modified))
    #expect(writes.isEmpty)
    #expect(screenNow(batch) == batch)
  }

  @Test func aFileStillHoldingWhatTheStageWroteIsDroppedAndAnEditIsNews() throws {
    try write("src/a.go", "unformatted")
    try write("src/b.go", "a person's edit")
    let ticket = writes.begin(["src/a.go"])
    try write("src/a.go", "formatted")
    writes.finish(ticket, wrote: ["src/a.go"])

    #expect(screenNow(batch(("src/a.go", .modified), ("src/b.go", .modified))) == batch(("src/b.go", .modified)))

    try write("src/a.go", "edited by a person")
    #expect(screenNow(batch(("src/a.go", .modified))) == batch(("src/a.go", .modified)))
    // The record is forgotten: even the formatted text again is news now.
    try write("src/a.go", "formatted")
    #expect(screenNow(batch(("src/a.go", .modified))) == batch(("src/a.go", .modified)))
  }

  @Test func aFileAnnouncedButNotWrittenStaysNews() throws {
    try write("src/a.go", "already formatted")
    let ticket = writes.begin(["src/a.go"])
    writes.finish(ticket, wrote: [])
    #expect(screenNow(batch(("src/a.go", .modified))) == batch(("src/a.go", .modified)))
  }

  @Test func aBatchInAFolderBeingWrittenWaitsForTheStageThenLosesItsOwnWrites() throws {
    try write("src/a.go", "unformatted")
    try write("src/keep.go", "old")
    let ticket = writes.begin(["src/a.go"])
    let released = Mutex<[Batch]>([])
    // gofmt's backup file, created and removed while it runs; a person's edit next to it.
    try write("src/a.go123456", "backup")
    try write("src/a.go", "formatted")
    try FileManager.default.removeItem(atPath: root + "/src/a.go123456")
    try write("src/keep.go", "new")
    let held = writes.screen(
      batch(("src/a.go123456", .created), ("src/a.go", .modified), ("src/keep.go", .modified), ("src/a.go123456", .removed))
    ) { batch in released.withLock { $0.append(batch) } }
    #expect(held == nil)
    #expect(released.withLock { $0.isEmpty })

    writes.finish(ticket, wrote: ["src/a.go"])
    #expect(released.withLock { $0 } == [batch(("src/keep.go", .modified))])
  }

  @Test func aLateEventOfAStagesTemporaryFileIsDroppedButARemovalOfARealFileIsNot() throws {
    try write("src/a.go", "unformatted")
    try write("src/old.go", "a person's file")
    let ticket = writes.begin(["src/a.go"])
    try write("src/a.go", "formatted")
    writes.finish(ticket, wrote: ["src/a.go"])
    try FileManager.default.removeItem(atPath: root + "/src/old.go")

    let late = batch(("src/.a.go.tmp", .removed), ("src/old.go", .removed))
    #expect(screenNow(late) == batch(("src/old.go", .removed)))
  }

  @Test func aNewFileThatStillExistsIsNews() throws {
    try write("src/a.go", "unformatted")
    let ticket = writes.begin(["src/a.go"])
    writes.finish(ticket, wrote: [])
    try write("src/new.go", "a person's new file")
    #expect(screenNow(batch(("src/new.go", .created))) == batch(("src/new.go", .created)))
  }
}
