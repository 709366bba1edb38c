import Foundation
import Glibc
import PipelineCore
import Testing

@testable import PipelineStages

/// The tiers of a polling round, driven one round at a time: what a round reads, and that a
/// change is seen in the round it should be.
@Suite("PollingScanner", .timeLimit(.minutes(1)))
struct PollingScannerTests {
  /// `folders` folders of `filesPerFolder` files each, every file and folder dated an hour
  /// back: a tree nobody touched for a while. Returns the files.
  @discardableResult
  private func makeColdTree(in root: String, folders: Int, filesPerFolder: Int) throws -> [String] {
    var files: [String] = []
    for folderIndex in 0..<folders {
      let folder = root + "/d\(folderIndex)"
      try Disk.makeFolder(folder)
      for fileIndex in 0..<filesPerFolder {
        let file = folder + "/f\(fileIndex).txt"
        try Disk.write(file, "file \(fileIndex)")
        try Disk.setModificationTime(file, secondsAgo: 3600)
        files.append(file)
      }
      try Disk.setModificationTime(folder, secondsAgo: 3600)
    }
    try Disk.setModificationTime(root, secondsAgo: 3600)
    return files
  }

  private func scanner(_ root: String, rotates: Bool = true) -> PollingScanner {
    var scanner = PollingScanner(exclusion: WatchExclusion())
    scanner.rotates = rotates
    scanner.reset(roots: [root])
    return scanner
  }

  @Test func aColdTreeIsNeitherListedNorStatedOutsideTheRotation() async throws {
    try await withTemporaryFolder { root in
      try makeColdTree(in: root.path, folders: 10, filesPerFolder: 10)
      var scanner = scanner(root.path, rotates: false)
      #expect(scanner.scan(cpuAllowance: .zero).isEmpty)
      #expect(scanner.lastRound.foldersListed == 0)
      #expect(scanner.lastRound.filesStated == 0)
    }
  }

  @Test func aTinyAllowanceStatsOneFolderPerRoundAndNoneTwicePerTurn() async throws {
    try await withTemporaryFolder { root in
      try makeColdTree(in: root.path, folders: 10, filesPerFolder: 10)
      var scanner = scanner(root.path)
      var rounds = 0
      repeat {
        #expect(scanner.scan(cpuAllowance: .zero).isEmpty)
        #expect(scanner.lastRound.foldersStatedWhole == 1)
        #expect(scanner.lastRound.filesStated <= 10)
        rounds += 1
      } while !scanner.lastRound.finishedTurn && rounds < 100
      #expect(rounds == 11, "the root and its ten folders, one per round")
    }
  }

  @Test func noAllowanceStatsEverythingEveryRound() async throws {
    try await withTemporaryFolder { root in
      try makeColdTree(in: root.path, folders: 10, filesPerFolder: 10)
      var scanner = scanner(root.path)
      for _ in 0..<3 {
        _ = scanner.scan(cpuAllowance: nil)
        #expect(scanner.lastRound.foldersStatedWhole == 11)
        #expect(scanner.lastRound.filesStated == 110, "100 files and the 10 folders listed in the root")
        #expect(scanner.lastRound.finishedTurn)
      }
    }
  }

  /// With a tiny allowance and no rotation, the folder's identity alone finds these.
  @Test func aCreatedFileAndAnAtomicSaveAreSeenInTheNextRound() async throws {
    try await withTemporaryFolder { root in
      try makeColdTree(in: root.path, folders: 20, filesPerFolder: 10)
      var scanner = scanner(root.path, rotates: false)
      _ = scanner.scan(cpuAllowance: .zero)

      let created = root.path + "/d7/new.txt"
      try Disk.write(created, "new")
      #expect(scanner.scan(cpuAllowance: .zero).contains(FileEvent(path: created, kind: .created, isDirectory: false)))

      // Same size, same time: only the inode tells the new file from the old one.
      let saved = root.path + "/d13/f4.txt"
      let temporary = root.path + "/d13/.f4.txt.tmp"
      try Disk.write(temporary, "file 9")
      try Disk.copyModificationTime(from: saved, to: temporary)
      try Disk.rename(temporary, saved)
      let events = scanner.scan(cpuAllowance: .zero)
      #expect(events == [FileEvent(path: saved, kind: .modified, isDirectory: false)], "\(events)")

      try Disk.remove(root.path + "/d2/f0.txt")
      #expect(scanner.scan(cpuAllowance: .zero) == [FileEvent(path: root.path + "/d2/f0.txt", kind: .removed, isDirectory: false)])
    }
  }

  @Test func anInPlaceEditOfAColdFileIsSeenByTheRotationAlone() async throws {
    try await withTemporaryFolder { root in
      try makeColdTree(in: root.path, folders: 20, filesPerFolder: 10)
      let file = root.path + "/d11/f3.txt"
      var still = scanner(root.path, rotates: false)
      var rotating = scanner(root.path)
      try Disk.write(file, "FILE 3")  // same size, in place: the folder does not move

      var seenByRotation: Int?
      for round in 1...50 {
        #expect(still.scan(cpuAllowance: .zero).isEmpty, "without the rotation, nothing reads the file")
        if rotating.scan(cpuAllowance: .zero).contains(FileEvent(path: file, kind: .modified, isDirectory: false)) {
          seenByRotation = round
          break
        }
      }
      let round = try #require(seenByRotation, "the rotation never stat'ed the file")
      #expect(round <= 21, "within one turn: the root and its 20 folders")
    }
  }

  /// Where something changed, the next edit usually follows: an edit in place is seen in the
  /// next round, without waiting for the rotation.
  @Test func aFolderWhereSomethingChangedIsStatedWholeEveryRound() async throws {
    try await withTemporaryFolder { root in
      try makeColdTree(in: root.path, folders: 20, filesPerFolder: 10)
      var scanner = scanner(root.path, rotates: false)
      try Disk.write(root.path + "/d5/new.txt", "x")
      #expect(!scanner.scan(cpuAllowance: .zero).isEmpty)

      let file = root.path + "/d5/f1.txt"
      try Disk.write(file, "FILE 1")
      #expect(scanner.scan(cpuAllowance: .zero) == [FileEvent(path: file, kind: .modified, isDirectory: false)])
      // The other folders stay cold.
      #expect(scanner.lastRound.foldersStatedWhole == 1)
    }
  }

  /// A file created in the same timestamp tick as the folder's last listing leaves the folder's
  /// timestamps as they were: the listing was racy, and the folder is listed again.
  @Test func aFileCreatedInTheTickOfTheLastListingIsSeen() async throws {
    let second: Int64 = 1_000_000_000
    var exercised = false
    for attempt in 0..<10 where !exercised {
      try await withTemporaryFolder { root in
        // Start early in a second, so that the creation is likely to land in the same one.
        let now = Date().timeIntervalSince1970
        try await Task.sleep(for: .seconds(1.02 - (now - now.rounded(.down))))
        // The folder changed in this second (its file is old, so the folder is not hot).
        try Disk.write(root.path + "/old.txt", "x")
        try Disk.setModificationTime(root.path + "/old.txt", secondsAgo: 3600)

        var scanner = PollingScanner(exclusion: WatchExclusion())
        scanner.rotates = false
        // As on a file system that keeps whole seconds: the creation moves no timestamp.
        scanner.timestampGranularity = second
        scanner.reset(roots: [root.path])
        let created = root.path + "/created-\(attempt).txt"
        try Disk.write(created, "y")

        var info = stat()
        #expect(stat(root.path, &info) == 0)
        let recorded = try #require(scanner.trees.first?.snapshot?.identity)
        // A new second began in between: the folder moved, which is not the case under test.
        guard FolderIdentity(info, granularity: second) == recorded else { return }
        exercised = true
        let events = scanner.scan(cpuAllowance: .zero)
        #expect(events == [FileEvent(path: created, kind: .created, isDirectory: false)], "\(events)")
      }
    }
    #expect(exercised, "every attempt crossed a second boundary")
  }

  @Test func aFolderReplacedByAFileAndBackIsReported() async throws {
    try await withTemporaryFolder { root in
      try makeColdTree(in: root.path, folders: 3, filesPerFolder: 2)
      var scanner = scanner(root.path, rotates: false)
      try Disk.remove(root.path + "/d1")
      try Disk.write(root.path + "/d1", "now a file")
      let events = scanner.scan(cpuAllowance: .zero)
      #expect(events.contains(FileEvent(path: root.path + "/d1/f0.txt", kind: .removed, isDirectory: false)))
      #expect(events.contains(FileEvent(path: root.path + "/d1", kind: .removed, isDirectory: true)))
      #expect(events.contains(FileEvent(path: root.path + "/d1", kind: .created, isDirectory: false)))

      try Disk.remove(root.path + "/d1")
      try Disk.makeFolder(root.path + "/d1")
      try Disk.write(root.path + "/d1/inside.txt", "x")
      let back = scanner.scan(cpuAllowance: .zero)
      #expect(back.contains(FileEvent(path: root.path + "/d1", kind: .created, isDirectory: true)), "\(back)")
      #expect(back.contains(FileEvent(path: root.path + "/d1/inside.txt", kind: .created, isDirectory: false)), "\(back)")
    }
  }

  @Test func anAddedTreeReportsWhatItHoldsOnlyWhenAskedAndIsWatchedEitherWay() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolder(root.path + "/loud")
      try Disk.makeFolder(root.path + "/quiet")
      try makeColdTree(in: root.path + "/loud", folders: 2, filesPerFolder: 3)
      try makeColdTree(in: root.path + "/quiet", folders: 2, filesPerFolder: 3)
      var scanner = PollingScanner(exclusion: WatchExclusion())
      let loud = scanner.addTree(root.path + "/loud", reportsItself: false, reportingContents: true)
      #expect(Set(loud.map(\.path)).count == 8)
      #expect(loud.allSatisfy { $0.kind == .created })
      #expect(loud.contains(FileEvent(path: root.path + "/loud/d1/f2.txt", kind: .created, isDirectory: false)))
      #expect(scanner.addTree(root.path + "/quiet", reportsItself: false, reportingContents: false).isEmpty)
      // The silent snapshot is complete all the same: an edit in it is a modification, not a
      // creation of everything.
      try Disk.write(root.path + "/quiet/d0/f1.txt", "edited")
      let events = scanner.scan(cpuAllowance: nil)
      #expect(events == [FileEvent(path: root.path + "/quiet/d0/f1.txt", kind: .modified, isDirectory: false)])
    }
  }

  /// As on a file system that keeps whole seconds, or within one tick of the kernel's coarse
  /// clock: an edit that keeps the size and lands in the same tick leaves the inode, the size
  /// and the modification time as they were. Only the content tells.
  @Test func aSameSizeEditInTheTickOfTheLastRoundIsSeenByItsContent() async throws {
    try await withTemporaryFolder { root in
      let file = root.path + "/main.go"
      try Disk.write(file, "aaaa")
      var info = stat()
      #expect(stat(file, &info) == 0)
      var scanner = PollingScanner(exclusion: WatchExclusion())
      scanner.rotates = false
      // The change time would tell here; on such a file system it is as coarse.
      scanner.comparesChangeTime = false
      scanner.reset(roots: [root.path])
      let modified = [FileEvent(path: file, kind: .modified, isDirectory: false)]

      try Disk.write(file, "bbbb")
      try Disk.setModificationTime(file, to: info.st_mtim)
      #expect(scanner.scan(cpuAllowance: .zero) == modified)
      #expect(scanner.scan(cpuAllowance: .zero).isEmpty, "the same bytes again are no change")

      try Disk.write(file, "cccc")
      try Disk.setModificationTime(file, to: info.st_mtim)
      #expect(scanner.scan(cpuAllowance: .zero) == modified)

      try Disk.write(file, "cccc")
      try Disk.setModificationTime(file, to: info.st_mtim)
      #expect(scanner.scan(cpuAllowance: .zero).isEmpty, "a save without edits is no change")
    }
  }

  @Test func aFileModifiedLongAgoIsNotRead() async throws {
    try await withTemporaryFolder { root in
      let file = root.path + "/old.go"
      try Disk.write(file, "aaaa")
      try Disk.setModificationTime(file, secondsAgo: 3600)
      var scanner = PollingScanner(exclusion: WatchExclusion())
      scanner.reset(roots: [root.path])
      // Not racy: what its stat says is trusted, and its bytes are neither read nor kept.
      _ = scanner.scan(cpuAllowance: nil)
      #expect(scanner.lastRound.filesStated == 1)
      #expect(scanner.trees.first?.snapshot?.contentHashes.isEmpty == true)
    }
  }

  @Test func aFileDatedInTheFutureIsNotReadAtEveryRound() async throws {
    try await withTemporaryFolder { root in
      let file = root.path + "/ahead.go"
      try Disk.write(file, "aaaa")
      try Disk.setModificationTime(file, secondsAgo: -3600)
      var scanner = PollingScanner(exclusion: WatchExclusion())
      scanner.reset(roots: [root.path])
      for _ in 0..<3 { _ = scanner.scan(cpuAllowance: nil) }
      #expect(scanner.trees.first?.snapshot?.contentHashes.isEmpty == true)
    }
  }

  /// A name that is not UTF-8 is opened by its bytes, not by its repaired `String`.
  @Test func aSameSizeEditOfAFileWhoseNameIsNotUTF8IsSeen() async throws {
    try await withTemporaryFolder { root in
      let bytes: [UInt8] = Array((root.path + "/bad").utf8) + [0xFF] + Array(".go".utf8)
      let path = bytes.map { CChar(bitPattern: $0) } + [0]
      func write(_ text: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        #expect(descriptor >= 0)
        var content = Array(text.utf8)
        #expect(Glibc.write(descriptor, &content, content.count) == content.count)
        close(descriptor)
      }
      try write("aaaa")
      var info = stat()
      #expect(stat(path, &info) == 0)
      var scanner = PollingScanner(exclusion: WatchExclusion())
      scanner.rotates = false
      scanner.comparesChangeTime = false
      scanner.reset(roots: [root.path])
      try write("bbbb")
      var times = [timespec(tv_sec: 0, tv_nsec: (1 << 30) - 2), info.st_mtim]
      #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
      #expect(scanner.scan(cpuAllowance: .zero).map(\.kind) == [.modified])
    }
  }

  /// `cp -p`, `rsync -t`, `touch -r`: the copy keeps the size and sets the old modification
  /// time back, but the change time moves.
  @Test func aCopyThatKeepsTheModificationTimeIsSeen() async throws {
    try await withTemporaryFolder { root in
      let file = root.path + "/config.txt"
      try Disk.write(file, "dddd")
      try Disk.setModificationTime(file, secondsAgo: 3600)
      var info = stat()
      #expect(stat(file, &info) == 0)
      var scanner = PollingScanner(exclusion: WatchExclusion())
      scanner.reset(roots: [root.path])
      try await Task.sleep(for: .milliseconds(20))
      try Disk.write(file, "eeee")
      try Disk.setModificationTime(file, to: info.st_mtim)
      #expect(scanner.scan(cpuAllowance: nil) == [FileEvent(path: file, kind: .modified, isDirectory: false)])
    }
  }
}
