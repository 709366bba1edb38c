import Foundation
import Glibc
import Testing

@testable import PipelineStages

/// The files behind `PIPELINE_CHANGED_FILES_LIST`: two per stage, written in turn, so that the
/// file a run got is never written while that run may read it, and no file is created after
/// the first two.
@Suite struct ChangedFilesListTests {
  static func contents(_ path: String) -> String? {
    try? String(contentsOfFile: path, encoding: .utf8)
  }

  static func inode(_ path: String) -> ino_t? {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_ino : nil
  }

  @Test func theStagesTwoFilesAreWrittenInTurnAndTheLatestRunsFileIsLeftAlone() throws {
    let list = ChangedFilesList()
    let first = try list.file(holding: "a.go", stage: "build")
    let second = try list.file(holding: "b.go", stage: "build")
    #expect(second != first)
    #expect(Self.contents(first) == "a.go\n", "the run before keeps its list while the next one runs")
    let firstInode = Self.inode(first)
    let third = try list.file(holding: "c.go\nd.go", stage: "build")
    #expect(third == first)
    #expect(Self.contents(third) == "c.go\nd.go\n")
    #expect(Self.inode(third) == firstInode, "rewritten in place, not created anew")
    #expect(Self.contents(second) == "b.go\n", "the latest run's file is not written")
  }

  @Test func aShorterListIsCutToItsLength() throws {
    let list = ChangedFilesList()
    let long = (0..<100).map { "src/generated_\($0).go" }.joined(separator: "\n")
    let path = try list.file(holding: long, stage: "build")
    _ = try list.file(holding: "x.go", stage: "build")
    #expect(try list.file(holding: "y.go", stage: "build") == path)
    #expect(Self.contents(path) == "y.go\n", "no bytes of the longer list are left after it")
  }

  @Test func theSameListAgainIsHandedOverWithoutWriting() throws {
    let list = ChangedFilesList()
    let path = try list.file(holding: "main.go", stage: "build")
    var before = stat()
    stat(path, &before)
    usleep(20_000)
    #expect(try list.file(holding: "main.go", stage: "build") == path)
    var after = stat()
    stat(path, &after)
    #expect(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
  }

  @Test func aListACommandChangedOrRemovedIsWrittenAgainInTheOtherFile() throws {
    let list = ChangedFilesList()
    let path = try list.file(holding: "main.go", stage: "build")
    try "junk\n".write(toFile: path, atomically: false, encoding: .utf8)
    let other = try list.file(holding: "main.go", stage: "build")
    #expect(other != path)
    #expect(Self.contents(other) == "main.go\n")
    unlink(other)
    let again = try list.file(holding: "main.go", stage: "build")
    #expect(again == path, "the removed file was the latest: the other one is written")
    #expect(Self.contents(again) == "main.go\n")
  }

  @Test func aSymlinkPutInPlaceOfAListIsReplacedNotFollowed() throws {
    let scratch = try ScratchFolder()
    let target = scratch.path + "/precious.txt"
    try "keep me\n".write(toFile: target, atomically: false, encoding: .utf8)
    let list = ChangedFilesList()
    let first = try list.file(holding: "a.go", stage: "build")
    _ = try list.file(holding: "b.go", stage: "build")
    unlink(first)
    #expect(symlink(target, first) == 0)
    #expect(try list.file(holding: "c.go", stage: "build") == first)
    #expect(Self.contents(target) == "keep me\n", "the link's target is not written through it")
    var info = stat()
    #expect(lstat(first, &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
    #expect(Self.contents(first) == "c.go\n")
  }

  @Test func aFIFOPutInPlaceOfAListIsReplacedWithoutWaitingForAReader() throws {
    let list = ChangedFilesList()
    let first = try list.file(holding: "a.go", stage: "build")
    _ = try list.file(holding: "b.go", stage: "build")
    unlink(first)
    #expect(mkfifo(first, 0o600) == 0)
    // Opening a FIFO to write blocks until a reader comes, unless O_NONBLOCK: this call
    // would never return.
    #expect(try list.file(holding: "c.go", stage: "build") == first)
    var info = stat()
    #expect(lstat(first, &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
    #expect(Self.contents(first) == "c.go\n")
  }

  @Test func aFIFOWithAReaderPutInPlaceOfAListIsReplacedNotWrittenInto() throws {
    let list = ChangedFilesList()
    let first = try list.file(holding: "a.go", stage: "build")
    _ = try list.file(holding: "b.go", stage: "build")
    unlink(first)
    #expect(mkfifo(first, 0o600) == 0)
    let reader = open(first, O_RDONLY | O_NONBLOCK)
    #expect(reader >= 0)
    defer { close(reader) }
    #expect(try list.file(holding: "c.go", stage: "build") == first)
    var buffer = [UInt8](repeating: 0, count: 16)
    #expect(read(reader, &buffer, buffer.count) <= 0, "nothing went into the FIFO")
    #expect(Self.contents(first) == "c.go\n")
  }
}
