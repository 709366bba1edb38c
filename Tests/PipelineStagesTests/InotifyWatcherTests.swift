import Foundation
import Glibc
import PipelineCore
import Synchronization
import Testing

@testable import PipelineStages

@Suite("InotifyWatcher", .timeLimit(.minutes(1)))
struct InotifyWatcherTests {
  /// The tests whose subject is the reading thread's work (its timers, wake-ups, pause and
  /// stop) run with the queue read on the engine's thread and on a thread of its own.
  static let readings: [InotifyReading] = [.onEngineThread, .onOwnThread]

  /// Starts a watcher on `root`, runs `body`, and stops the watcher.
  private func watching(
    _ root: TemporaryFolder, exclusion: WatchExclusion = WatchExclusion(), maxWatches: Int? = nil,
    polledSubtrees: [String] = [], shallowFolders: [String] = [], unclosedWriteDelay: Duration = .milliseconds(50),
    emptyFilePatience: Duration = .seconds(2), reading: InotifyReading = .onEngineThread,
    _ body: (InotifyWatcher, NoticeRecorder) async throws -> Void
  ) async throws {
    let recorder = NoticeRecorder()
    let watcher = InotifyWatcher(
      roots: [root.path], exclusion: exclusion, maxWatches: maxWatches, fallbackInterval: .milliseconds(50),
      polledSubtrees: polledSubtrees, shallowFolders: shallowFolders, unclosedWriteDelay: unclosedWriteDelay,
      emptyFilePatience: emptyFilePatience, reading: reading)
    try watcher.start(recorder.sink)
    defer { watcher.stop() }
    try await body(watcher, recorder)
  }

  @Test(arguments: readings) func reportsCreationModificationAndRemoval(reading: InotifyReading) async throws {
    try await withTemporaryFolder { root in
      try await watching(root, reading: reading) { _, recorder in
        let file = root.path + "/a.txt"
        try Disk.write(file, "one")
        #expect(await recorder.waitUntil { $0.contains(.created, file, isDirectory: false) }, "\(recorder)")
        try Disk.write(file, "two")
        #expect(await recorder.waitUntil { $0.contains(.modified, file) }, "\(recorder)")
        try Disk.remove(file)
        #expect(await recorder.waitUntil { $0.contains(.removed, file) }, "\(recorder)")
      }
    }
  }

  /// One write() is a MODIFY and a CLOSE_WRITE: one `.modified` (or the `.created` it follows).
  @Test func foldsTheEventsOfOneSaveIntoOne() async throws {
    try await withTemporaryFolder { root in
      let file = root.path + "/saved.txt"
      try Disk.write(file, "before")
      try await watching(root) { _, recorder in
        try Disk.write(file, "after")
        try Disk.write(root.path + "/sentinel", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/sentinel") }, "\(recorder)")
        let changes = recorder.all.compactMap { notice -> [FileEvent]? in
          if case .changed(let events) = notice { return events.filter { $0.path == file } }
          return nil
        }
        for events in changes { #expect(events.count <= 1, "\(recorder)") }
      }
    }
  }

  /// A save in place (truncate, write a moment later, close) is one notice, at the close: a
  /// build started on the emptied file would be stopped and started again.
  @Test func reportsASaveInPlaceOnceItIsClosed() async throws {
    try await withTemporaryFolder { root in
      let file = root.path + "/saved.txt"
      try Disk.write(file, "before")
      // A long delay, so that a loaded machine cannot turn the pause below into a timeout.
      try await watching(root, unclosedWriteDelay: .seconds(10)) { _, recorder in
        let descriptor = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC)
        try #require(descriptor >= 0)
        try await Task.sleep(for: .milliseconds(100))
        _ = "after".withCString { write(descriptor, $0, 5) }
        close(descriptor)
        #expect(await recorder.waitUntil { $0.contains(.modified, file) }, "\(recorder)")
        try await Task.sleep(for: .milliseconds(200))
        let notices = recorder.all.filter { notice in
          if case .changed(let events) = notice { return events.contains { $0.path == file } }
          return false
        }
        #expect(notices.count == 1, "one notice for one save: \(recorder)")
      }
    }
  }

  /// `touch` opens the file, sets its times (ATTRIB) and closes it (CLOSE_WRITE): one notice,
  /// however late the close comes. A `chmod` alone is reported, an empty file's too.
  @Test func aTouchIsOneChangeAndAChmodAloneIsReported() async throws {
    try await withTemporaryFolder { root in
      let touched = root.path + "/touched.txt"
      let script = root.path + "/empty.sh"
      try Disk.write(touched, "content")
      try Disk.write(script, "")
      // A long delay, so that a loaded machine cannot turn the pause below into a timeout.
      try await watching(root, unclosedWriteDelay: .seconds(10), emptyFilePatience: .seconds(30)) { _, recorder in
        let descriptor = open(touched, O_WRONLY | O_CLOEXEC)
        try #require(descriptor >= 0)
        #expect(futimens(descriptor, nil) == 0)
        try await Task.sleep(for: .milliseconds(100))
        close(descriptor)
        #expect(await recorder.waitUntil { $0.contains(.modified, touched) }, "\(recorder)")
        try await Task.sleep(for: .milliseconds(200))
        let notices = recorder.all.filter { notice in
          if case .changed(let events) = notice { return events.contains { $0.path == touched } }
          return false
        }
        #expect(notices.count == 1, "one notice for one touch: \(recorder)")
      }
      try await watching(root, unclosedWriteDelay: .milliseconds(50), emptyFilePatience: .seconds(30)) { _, recorder in
        #expect(chmod(script, 0o755) == 0)
        #expect(await recorder.waitUntil(timeout: .seconds(10)) { $0.contains(.modified, script) }, "\(recorder)")
      }
    }
  }

  /// A slow writer (`(sleep 1; echo data) > file`): the file is truncated, stays empty and open
  /// past the unclosed-write delay, then is written and closed. One notice, at the close: a
  /// build on the emptied file would start the app on nothing.
  @Test func aFileTruncatedAndWrittenLaterIsReportedOnceFull() async throws {
    try await withTemporaryFolder { root in
      let file = root.path + "/generated.txt"
      try Disk.write(file, "before")
      // A long patience, so that a loaded machine cannot turn the pause below into a timeout.
      try await watching(root, emptyFilePatience: .seconds(30)) { _, recorder in
        let descriptor = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC)
        try #require(descriptor >= 0)
        try await Task.sleep(for: .milliseconds(400))
        #expect(!recorder.events.contains { $0.path == file }, "reported while empty: \(recorder)")
        _ = "after".withCString { write(descriptor, $0, 5) }
        close(descriptor)
        #expect(await recorder.waitUntil { $0.contains(.modified, file) }, "\(recorder)")
      }
    }
  }

  /// A file emptied and kept open empty is reported all the same, after a longer wait.
  @Test func aFileTruncatedAndKeptOpenEmptyIsReportedInTheEnd() async throws {
    try await withTemporaryFolder { root in
      let file = root.path + "/emptied.txt"
      try Disk.write(file, "before")
      try await watching(root, emptyFilePatience: .milliseconds(300)) { _, recorder in
        let descriptor = open(file, O_WRONLY | O_TRUNC | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        #expect(await recorder.waitUntil { $0.contains(.modified, file) }, "\(recorder)")
      }
    }
  }

  /// `sed -i` and editors with temporary names no noise rule knows: write a temporary file,
  /// rename it over the real one. The temporary file never existed between two reads, so it is
  /// not reported at all; before, its `removed` started a build of its own.
  @Test func aTemporaryFileRenamedOverTheRealOneIsNotReported() async throws {
    try await withTemporaryFolder { root in
      let real = root.path + "/config.txt"
      let temporary = root.path + "/sedK3x9Qa"
      try Disk.write(real, "before")
      try await watching(root) { watcher, recorder in
        // In one read, as when the thread is busy or the writer quick; a slower writer's
        // temporary file, seen in an earlier read, is reported and left to the debounce.
        watcher.setReadingPaused(true)
        try Disk.write(temporary, "after")
        try Disk.rename(temporary, real)
        watcher.setReadingPaused(false)
        #expect(await recorder.waitUntil { $0.contains(.created, real) }, "\(recorder)")
        try await Task.sleep(for: .milliseconds(100))
        #expect(!recorder.events.contains { $0.path == temporary }, "\(recorder)")
      }
    }
  }

  /// A file written to and kept open (a log) is still reported, after a short delay.
  @Test(arguments: readings) func reportsAFileKeptOpenForWriting(reading: InotifyReading) async throws {
    try await withTemporaryFolder { root in
      let file = root.path + "/app.log"
      try Disk.write(file, "")
      try await watching(root, reading: reading) { _, recorder in
        let descriptor = open(file, O_WRONLY | O_APPEND | O_CLOEXEC)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        _ = "line\n".withCString { write(descriptor, $0, 5) }
        #expect(await recorder.waitUntil { $0.contains(.modified, file) }, "\(recorder)")
      }
    }
  }

  /// The watch on the deepest folder is in place when `start` returns.
  @Test func seesAChangeMadeRightAfterStart() async throws {
    try await withTemporaryFolder { root in
      var deepest = root.path
      for level in 0..<40 { deepest += "/level\(level)" }
      try Disk.makeFolders(deepest)
      try await watching(root) { _, recorder in
        try Disk.write(deepest + "/now.txt", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, deepest + "/now.txt") }, "\(recorder)")
      }
    }
  }

  /// The file is written before the watcher can have added the new folder's watch: only reading
  /// the folder after adding its watch finds it.
  @Test func reportsAFileWrittenRightAfterItsFolderWasMade() async throws {
    try await withTemporaryFolder { root in
      try await watching(root) { _, recorder in
        let files = (0..<10).map { root.path + "/new\($0)/file.txt" }
        for (index, file) in files.enumerated() {
          try Disk.makeFolder(root.path + "/new\(index)")
          try Disk.write(file, "x")
        }
        #expect(await recorder.waitUntil { r in files.allSatisfy { r.contains(.created, $0) } }, "\(recorder)")
        // And the folders are watched from then on.
        try Disk.write(files[0], "changed")
        #expect(await recorder.waitUntil { $0.contains(.modified, files[0]) }, "\(recorder)")
      }
    }
  }

  @Test func reportsNestedFoldersMadeAtOnce() async throws {
    try await withTemporaryFolder { root in
      try await watching(root) { _, recorder in
        try Disk.makeFolders(root.path + "/a/b/c")
        let file = root.path + "/a/b/c/deep.swift"
        try Disk.write(file, "x")
        #expect(await recorder.waitUntil { $0.contains(.created, file) }, "\(recorder)")
        for folder in ["/a", "/a/b", "/a/b/c"] {
          #expect(recorder.contains(.created, root.path + folder, isDirectory: true), "\(recorder)")
        }
        try Disk.write(file, "edited")
        #expect(await recorder.waitUntil { $0.contains(.modified, file) }, "\(recorder)")
      }
    }
  }

  @Test func reportsARenamedFileAsRemovedThenCreated() async throws {
    try await withTemporaryFolder { root in
      let old = root.path + "/old.txt"
      let new = root.path + "/new.txt"
      try Disk.write(old, "x")
      try await watching(root) { _, recorder in
        try Disk.rename(old, new)
        #expect(await recorder.waitUntil { $0.contains(.created, new) }, "\(recorder)")
        let events = recorder.events
        let removal = try #require(events.firstIndex { $0.path == old && $0.kind == .removed }, "\(recorder)")
        let creation = try #require(events.firstIndex { $0.path == new && $0.kind == .created })
        #expect(removal < creation)
        // Renamed into place, it may have replaced a file: not marked as new.
        #expect(!events[creation].isNew)
        try Disk.write(root.path + "/made.txt", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/made.txt") }, "\(recorder)")
        #expect(recorder.events.first { $0.path == root.path + "/made.txt" && $0.kind == .created }?.isNew == true, "\(recorder)")
      }
    }
  }

  /// A file renamed over another and deleted in the same read: the other file's removal.
  @Test func aFileRenamedIntoPlaceAndDeletedInOneReadIsAReportedRemoval() async throws {
    try await withTemporaryFolder { root in
      let real = root.path + "/config.txt"
      let other = root.path + "/other.txt"
      try Disk.write(real, "before")
      try Disk.write(other, "x")
      try await watching(root) { watcher, recorder in
        watcher.setReadingPaused(true)
        try Disk.rename(other, real)
        try Disk.remove(real)
        watcher.setReadingPaused(false)
        #expect(await recorder.waitUntil { $0.contains(.removed, real) }, "\(recorder)")
      }
    }
  }

  /// Renaming a folder keeps its watches and those below it, now under the new path.
  @Test func followsAFolderRenamedInsideTheTree() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/before/sub/deeper")
      try Disk.write(root.path + "/before/sub/deeper/file.txt", "x")
      try await watching(root) { _, recorder in
        try Disk.rename(root.path + "/before", root.path + "/after")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/after", isDirectory: true) }, "\(recorder)")
        #expect(recorder.contains(.removed, root.path + "/before", isDirectory: true))
        let renamedAt = recorder.events.count

        try Disk.write(root.path + "/after/sub/deeper/file.txt", "edited")
        try Disk.write(root.path + "/after/sub/added.txt", "x")
        #expect(await recorder.waitUntil { $0.contains(.modified, root.path + "/after/sub/deeper/file.txt") }, "\(recorder)")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/after/sub/added.txt") }, "\(recorder)")
        let later = recorder.events.dropFirst(renamedAt)
        #expect(!later.contains { $0.path.hasPrefix(root.path + "/before") }, "\(recorder)")
      }
    }
  }

  /// A folder's IN_MOVED_FROM that ends one read, with its IN_MOVED_TO in the next: still a
  /// rename, whose files are named under both names, and whose watches follow.
  @Test func aRenamePairSplitOverTwoReadsStillNamesTheOldFiles() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/pkg/inner")
      try Disk.write(root.path + "/pkg/inner/file.txt", "x")
      try await watching(root) { watcher, recorder in
        watcher.setReadingPaused(true)
        // Names of 10 bytes make 32-byte events: 2,047 of them, then the rename's IN_MOVED_FROM
        // fills the 64 KiB read exactly, and its IN_MOVED_TO starts the next one.
        let base = root.path
        try await onOwnThread { for index in 0..<1023 { try Disk.touch(base + "/f" + String(100_000_000 + index).suffix(9)) } }
        try Disk.makeFolders(root.path + "/folder0001")
        try Disk.rename(root.path + "/pkg", root.path + "/pk2")
        watcher.setReadingPaused(false)

        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/pk2/inner/file.txt") }, "\(recorder)")
        #expect(recorder.contains(.removed, root.path + "/pkg/inner/file.txt"), "\(recorder)")
        try Disk.write(root.path + "/pk2/inner/later.txt", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/pk2/inner/later.txt") }, "\(recorder)")
      }
    }
  }

  @Test func dropsAFolderMovedOutAndReadsOneMovedIn() async throws {
    try await withTemporaryFolder { root in
      try await withTemporaryFolder { outside in
        try Disk.makeFolders(root.path + "/inner/sub")
        try Disk.write(root.path + "/inner/sub/kept.txt", "x")
        try await watching(root) { _, recorder in
          try Disk.rename(root.path + "/inner", outside.path + "/inner")
          #expect(await recorder.waitUntil { $0.contains(.removed, root.path + "/inner", isDirectory: true) }, "\(recorder)")

          // Outside the tree now: not reported (the sentinel is written after, into the root).
          try Disk.write(outside.path + "/inner/sub/outside.txt", "x")
          try Disk.write(root.path + "/sentinel", "x")
          #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/sentinel") }, "\(recorder)")
          #expect(!recorder.events.contains { $0.path.hasPrefix(outside.path) }, "\(recorder)")
          #expect(!recorder.events.contains { $0.path.hasSuffix("/outside.txt") }, "\(recorder)")

          try Disk.rename(outside.path + "/inner", root.path + "/back")
          let expected = ["/back", "/back/sub", "/back/sub/kept.txt", "/back/sub/outside.txt"].map { root.path + $0 }
          #expect(await recorder.waitUntil { r in expected.allSatisfy { r.contains(.created, $0) } }, "\(recorder)")
          try Disk.write(root.path + "/back/sub/kept.txt", "edited")
          #expect(await recorder.waitUntil { $0.contains(.modified, root.path + "/back/sub/kept.txt") }, "\(recorder)")
        }
      }
    }
  }

  @Test(arguments: readings) func waitsForADeletedRootAndRescansWhenItIsBack(reading: InotifyReading) async throws {
    try await withTemporaryFolder { parent in
      let root = TemporaryFolder(path: parent.path + "/project")
      try Disk.makeFolders(root.path + "/src")
      try Disk.write(root.path + "/src/main.swift", "x")
      try await watching(root, reading: reading) { _, recorder in
        try Disk.remove(root.path)
        #expect(await recorder.waitUntil { $0.warnings.contains(WatchMessage.rootGone(root.path)) }, "\(recorder)")
        #expect(recorder.contains(.removed, root.path, isDirectory: true), "\(recorder)")
        #expect(recorder.contains(.removed, root.path + "/src/main.swift"), "\(recorder)")

        try Disk.makeFolders(root.path + "/src")
        try Disk.write(root.path + "/src/main.swift", "y")
        #expect(await recorder.waitUntil { $0.rescans.contains { $0.root == root.path } }, "\(recorder)")
        #expect(await recorder.waitUntil { $0.events.contains { $0.path == root.path + "/src/main.swift" && $0.kind != .removed } }, "\(recorder)")

        // Watched again, recursively.
        try Disk.write(root.path + "/src/new.swift", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/src/new.swift") }, "\(recorder)")
      }
    }
  }

  /// A root renamed away is gone for its path (IN_MOVE_SELF), even though its inode lives on.
  @Test func treatsARootMovedAwayAsGone() async throws {
    try await withTemporaryFolder { parent in
      let root = TemporaryFolder(path: parent.path + "/project")
      try Disk.makeFolders(root.path + "/src")
      try await watching(root) { _, recorder in
        try Disk.rename(root.path, parent.path + "/elsewhere")
        #expect(await recorder.waitUntil { $0.warnings.contains(WatchMessage.rootGone(root.path)) }, "\(recorder)")
        #expect(recorder.contains(.removed, root.path, isDirectory: true), "\(recorder)")
        // Its watches were removed: a change in the moved folder is not reported.
        try Disk.write(parent.path + "/elsewhere/src/moved.swift", "x")

        try Disk.rename(parent.path + "/elsewhere", root.path)
        #expect(await recorder.waitUntil { $0.rescans.contains { $0.root == root.path } }, "\(recorder)")
        #expect(recorder.contains(.created, root.path + "/src/moved.swift"), "\(recorder)")
        #expect(!recorder.events.contains { $0.path.hasPrefix(parent.path + "/elsewhere") }, "\(recorder)")
      }
    }
  }

  @Test func ignoresExcludedFolders() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/node_modules/pkg")
      try Disk.makeFolders(root.path + "/build")
      let exclusion = WatchExclusion(directoryNames: ["node_modules"], directoryPaths: [root.path + "/build"])
      try await watching(root, exclusion: exclusion) { watcher, recorder in
        #expect(watcher.status.watchedFolderCount == 1, "only the root: no watch inside excluded folders")
        try Disk.write(root.path + "/node_modules/pkg/index.js", "x")
        try Disk.write(root.path + "/build/out.o", "x")
        // Made once `src` is watched, so that the excluded folder's creation is an event.
        try Disk.makeFolder(root.path + "/src")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/src") }, "\(recorder)")
        try Disk.makeFolders(root.path + "/src/node_modules/dep")
        try Disk.write(root.path + "/src/node_modules/dep/late.js", "x")
        // Written last: the queue is ordered, so anything reported about the others comes first.
        try Disk.write(root.path + "/src/sentinel", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/src/sentinel") }, "\(recorder)")
        #expect(!recorder.events.contains { $0.path.contains("/node_modules") || $0.path.contains("/build") }, "\(recorder)")
        #expect(watcher.status.watchedFolderCount == 2, "the root and src, not src/node_modules")
      }
    }
  }

  @Test(arguments: readings) func rebuildsItsWatchesAfterTheQueueOverflowed(reading: InotifyReading) async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/flood")
      try Disk.makeFolders(root.path + "/src")
      try await watching(root, reading: reading) { watcher, recorder in
        watcher.setReadingPaused(true)
        // Each new file is an IN_CREATE and an IN_CLOSE_WRITE: 1.5 times what the queue holds.
        let queueSize = Int(try String(contentsOfFile: "/proc/sys/fs/inotify/max_queued_events", encoding: .utf8)
          .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 16384
        let flood = root.path + "/flood"
        try await onOwnThread { for index in 0..<queueSize * 3 / 4 { try Disk.touch(flood + "/f\(index)") } }
        watcher.setReadingPaused(false)

        #expect(await recorder.waitUntil(timeout: .seconds(20)) { r in
          r.rescans.contains { $0.root == root.path && $0.reason == WatchMessage.queueOverflowed }
        })
        try Disk.write(root.path + "/src/after.swift", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/src/after.swift") })
      }
    }
  }

  /// Files (not folders) moved in from outside are created; moved out, removed.
  @Test func reportsFilesMovedIntoAndOutOfTheTree() async throws {
    try await withTemporaryFolder { root in
      try await withTemporaryFolder { outside in
        try Disk.makeFolder(root.path + "/src")
        try Disk.write(outside.path + "/incoming.txt", "x")
        try Disk.write(root.path + "/src/leaving.txt", "x")
        try await watching(root) { _, recorder in
          try Disk.rename(outside.path + "/incoming.txt", root.path + "/src/incoming.txt")
          try Disk.rename(root.path + "/src/leaving.txt", outside.path + "/leaving.txt")
          #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/src/incoming.txt") }, "\(recorder)")
          #expect(await recorder.waitUntil { $0.contains(.removed, root.path + "/src/leaving.txt") }, "\(recorder)")
          try Disk.write(root.path + "/src/incoming.txt", "edited")
          #expect(await recorder.waitUntil { $0.contains(.modified, root.path + "/src/incoming.txt") }, "\(recorder)")
          #expect(!recorder.events.contains { $0.path.hasPrefix(outside.path) }, "\(recorder)")
        }
      }
    }
  }

  /// A watched subfolder deleted with its contents: all reported removed; a folder made again
  /// with the same name is watched (its old watch is gone with it).
  @Test func reportsADeletedFolderAndWatchesItsReplacement() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/lib/inner")
      try Disk.write(root.path + "/lib/inner/a.txt", "x")
      try await watching(root) { watcher, recorder in
        #expect(watcher.status.watchedFolderCount == 3)
        try Disk.remove(root.path + "/lib")
        #expect(await recorder.waitUntil { $0.contains(.removed, root.path + "/lib", isDirectory: true) }, "\(recorder)")
        #expect(recorder.contains(.removed, root.path + "/lib/inner/a.txt"), "\(recorder)")
        #expect(await recorder.waitUntil { _ in watcher.status.watchedFolderCount == 1 }, "the watches went with the folders")

        try Disk.makeFolder(root.path + "/lib")
        try Disk.write(root.path + "/lib/b.txt", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/lib/b.txt") }, "\(recorder)")
        try Disk.write(root.path + "/lib/b.txt", "edited")
        #expect(await recorder.waitUntil { $0.contains(.modified, root.path + "/lib/b.txt") }, "\(recorder)")
      }
    }
  }

  /// `poll: auto` hands the subtrees on mounts without events to the fallback poller, from the
  /// start: no inotify watch below them, and a same-size edit there is seen by a scan.
  @Test func pollsTheSubtreesItIsGiven() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/slow/deep")
      try Disk.makeFolders(root.path + "/src")
      let file = root.path + "/slow/deep/same-size.txt"
      try Disk.write(file, "aaaa")
      try Disk.setModificationTime(file, secondsAgo: 3600)
      try await watching(root, polledSubtrees: [root.path + "/slow"]) { watcher, recorder in
        #expect(watcher.status.polledFolders == [root.path + "/slow"])
        #expect(watcher.status.watchedFolderCount == 2, "the root and src")
        #expect(recorder.warnings.isEmpty, "\(recorder)")

        try Disk.write(file, "bbbb")
        #expect(await recorder.waitUntil { $0.contains(.modified, file) }, "\(recorder)")
        try Disk.write(root.path + "/slow/deep/new.txt", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/slow/deep/new.txt") }, "\(recorder)")
        try Disk.write(root.path + "/src/main.swift", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/src/main.swift") }, "\(recorder)")
      }
    }
  }

  /// A root on a mount without events is polled as a whole, its own removal reported.
  @Test func pollsARootItIsGiven() async throws {
    try await withTemporaryFolder { root in
      try await watching(root, polledSubtrees: [root.path]) { watcher, recorder in
        #expect(watcher.status.polledFolders == [root.path])
        #expect(watcher.status.watchedFolderCount == 0)
        try Disk.makeFolder(root.path + "/sub")
        try Disk.write(root.path + "/sub/file.txt", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/sub/file.txt") }, "\(recorder)")
      }
    }
  }

  /// The git dir's entries, outside the tree: reported in the queue's order, nothing below them.
  @Test(arguments: readings) func reportsTheEntriesOfAShallowFolderInOrder(reading: InotifyReading) async throws {
    try await withTemporaryFolder { root in
      try await withTemporaryFolder { git in
        try Disk.makeFolder(git.path + "/objects")
        try await watching(root, shallowFolders: [git.path], reading: reading) { watcher, recorder in
          #expect(watcher.status.shallowFolders == [git.path])
          #expect(watcher.status.watchedFolderCount == 1, "the shallow folder is not counted")
          try Disk.write(root.path + "/before.txt", "x")
          try Disk.write(git.path + "/index.lock", "x")
          try Disk.write(git.path + "/objects/ab", "x")
          try Disk.write(root.path + "/during.txt", "x")
          try Disk.rename(git.path + "/index.lock", git.path + "/index")
          try Disk.write(root.path + "/after.txt", "x")
          #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/after.txt") }, "\(recorder)")
          let order = recorder.events.filter { $0.kind != .modified }.map { "\($0.kind) \($0.path)" }
          #expect(order == [
            "created \(root.path)/before.txt", "created \(git.path)/index.lock", "created \(root.path)/during.txt",
            "removed \(git.path)/index.lock", "created \(git.path)/index", "created \(root.path)/after.txt",
          ], "\(recorder)")
        }
      }
    }
  }

  /// With room for 2 watches in a tree of 5 folders, the rest is polled after one warning.
  @Test(arguments: readings) func pollsWhatItCannotWatchAfterOneWarning(reading: InotifyReading) async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/a/b/c/d")
      try await watching(root, maxWatches: 2, reading: reading) { watcher, recorder in
        #expect(await recorder.waitUntil { !$0.warnings.isEmpty }, "\(recorder)")
        #expect(recorder.warnings.first?.contains("sudo sysctl fs.inotify.max_user_watches=") == true, "\(recorder)")
        #expect(watcher.status.watchedFolderCount == 2)
        #expect(watcher.status.polledFolders == [root.path + "/a/b"])

        let deep = root.path + "/a/b/c/d/deep.txt"
        try Disk.write(deep, "x")
        #expect(await recorder.waitUntil { $0.contains(.created, deep) }, "\(recorder)")
        try Disk.write(deep, "edited")
        #expect(await recorder.waitUntil { $0.contains(.modified, deep) }, "\(recorder)")

        // Another folder over the limit, with a file made at once: polled too, no new warning.
        try Disk.makeFolder(root.path + "/a/later")
        try Disk.write(root.path + "/a/later/file.txt", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/a/later/file.txt") }, "\(recorder)")
        #expect(recorder.warnings.count == 1, "\(recorder)")
      }
    }
  }

  @Test(arguments: readings) func pollsEverythingWhenNotEvenTheRootCanBeWatched(reading: InotifyReading) async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/src")
      try await watching(root, maxWatches: 0, reading: reading) { _, recorder in
        try Disk.write(root.path + "/src/file.swift", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/src/file.swift") }, "\(recorder)")
        #expect(recorder.warnings.count == 1, "\(recorder)")
      }
    }
  }

  @Test func doesNotFollowSymlinkedFolders() async throws {
    try await withTemporaryFolder { root in
      try await withTemporaryFolder { outside in
        try Disk.symlink(outside.path, at: root.path + "/link")
        try await watching(root) { _, recorder in
          try Disk.write(outside.path + "/elsewhere.txt", "x")
          try Disk.write(root.path + "/sentinel", "x")
          #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/sentinel") }, "\(recorder)")
          #expect(!recorder.events.contains { $0.path.hasPrefix(root.path + "/link/") }, "\(recorder)")
        }
      }
    }
  }

  @Test(arguments: readings) func reportsAMissingRootWhenItAppears(reading: InotifyReading) async throws {
    try await withTemporaryFolder { parent in
      let root = TemporaryFolder(path: parent.path + "/later")
      try await watching(root, reading: reading) { _, recorder in
        #expect(await recorder.waitUntil { $0.warnings.contains(WatchMessage.rootMissing(root.path)) }, "\(recorder)")
        try Disk.makeFolders(root.path + "/sub")
        try Disk.write(root.path + "/sub/file.txt", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/sub/file.txt") }, "\(recorder)")
        #expect(recorder.rescans.contains { $0.root == root.path })
      }
    }
  }

  /// The sink may stop the watcher (its thread then cannot join itself) without a deadlock,
  /// and nothing is sent after that.
  @Test(arguments: readings) func canBeStoppedFromItsSink(reading: InotifyReading) async throws {
    try await withTemporaryFolder { root in
      let recorder = NoticeRecorder()
      let watcher = InotifyWatcher(roots: [root.path], exclusion: WatchExclusion(), reading: reading)
      try watcher.start { [sink = recorder.sink] notice in
        sink(notice)
        watcher.stop()
      }
      defer { watcher.stop() }
      try Disk.write(root.path + "/first.txt", "x")
      #expect(await recorder.waitUntil { !$0.all.isEmpty }, "\(recorder)")
      let sent = recorder.all.count
      try Disk.write(root.path + "/second.txt", "x")
      try Disk.write(root.path + "/first.txt", "y")
      // A stopped watcher sends nothing, so there is no event to wait for: check a few times.
      for _ in 0..<20 {
        try await Task.sleep(for: .milliseconds(10))
        #expect(recorder.all.count == sent, "\(recorder)")
      }
    }
  }

  @Test(arguments: readings) func stopIsIdempotentAndTheWatcherCanStartAgain(reading: InotifyReading) async throws {
    try await withTemporaryFolder { root in
      let recorder = NoticeRecorder()
      let watcher = InotifyWatcher(roots: [root.path], exclusion: WatchExclusion(), reading: reading)
      try watcher.start(recorder.sink)
      watcher.stop()
      watcher.stop()
      try watcher.start(recorder.sink)
      defer { watcher.stop() }
      try Disk.write(root.path + "/again.txt", "x")
      #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/again.txt") }, "\(recorder)")
    }
  }

  /// On the engine's thread, a change reaches the sink without a hand-off from another thread:
  /// the watch stage, which runs there, gets it in the same turn.
  @Test func callsItsSinkOnTheEnginesThread() async throws {
    try await withTemporaryFolder { root in
      let threads = Mutex<[Bool]>([])
      let recorder = NoticeRecorder()
      let watcher = InotifyWatcher(roots: [root.path], exclusion: WatchExclusion())
      try watcher.start { [sink = recorder.sink] notice in
        threads.withLock { $0.append(EngineExecutor.isCurrentThread) }
        sink(notice)
      }
      defer { watcher.stop() }
      try Disk.write(root.path + "/a.txt", "x")
      #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/a.txt") }, "\(recorder)")
      #expect(!threads.withLock { $0 }.isEmpty && threads.withLock { $0 }.allSatisfy { $0 })
    }
  }
}
