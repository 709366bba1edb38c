import Glibc
import PipelineCore
import Testing

@testable import PipelineStages

/// The watch stage sends its startup batch before walking the tree; what changes before a
/// folder's watch exists must still be reported (or the first build may have missed it).
@Suite("Startup catch-up", .timeLimit(.minutes(1)))
struct StartupCatchUpTests {
  /// Starts a watcher that catches up since `launch`, runs `body`, and stops it.
  private func watching(
    _ root: TemporaryFolder, since launch: StartupCatchUp, exclusion: WatchExclusion = WatchExclusion(),
    maxWatches: Int? = nil, _ body: (NoticeRecorder) async throws -> Void
  ) async throws {
    let recorder = NoticeRecorder()
    let watcher = InotifyWatcher(
      roots: [root.path], exclusion: exclusion, maxWatches: maxWatches, fallbackInterval: .milliseconds(50),
      catchUp: launch)
    try watcher.start(recorder.sink)
    defer { watcher.stop() }
    try await body(recorder)
  }

  /// A moment later than any stamp the kernel's coarse clock gave so far, with the root listed
  /// as the watch stage lists it.
  private func launchAfterATick(_ root: TemporaryFolder) async throws -> StartupCatchUp {
    try await Task.sleep(for: .milliseconds(30))
    return StartupCatchUp.now(roots: [root.path])
  }

  @Test func reportsAFileEditedAfterTheLaunchInAFolderNotYetWatched() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/deep/er")
      try Disk.write(root.path + "/deep/er/edited.txt", "before")
      try Disk.write(root.path + "/deep/er/untouched.txt", "same")
      let launch = try await launchAfterATick(root)
      try Disk.write(root.path + "/deep/er/edited.txt", "after")
      try await watching(root, since: launch) { recorder in
        #expect(await recorder.waitUntil { $0.contains(.modified, root.path + "/deep/er/edited.txt") }, "\(recorder)")
        #expect(!recorder.contains(.modified, root.path + "/deep/er/untouched.txt"), "\(recorder)")
        #expect(recorder.rescans.isEmpty, "\(recorder)")
      }
    }
  }

  /// New entries may hide a removal in the same folder: a folder below the root is rescanned as
  /// well (the root's entries were listed at the launch, so nothing is unknown there).
  @Test func reportsFilesCreatedAfterTheLaunchAndTheAtomicSavesAndRescansTheirFolders() async throws {
    try await withTemporaryFolder { root in
      try Disk.write(root.path + "/saved.txt", "before")
      let launch = try await launchAfterATick(root)
      try Disk.makeFolder(root.path + "/new")
      try Disk.write(root.path + "/new/file.txt", "new")
      try Disk.write(root.path + "/saved.txt.tmp", "after")
      try #require(rename(root.path + "/saved.txt.tmp", root.path + "/saved.txt") == 0)
      try await watching(root, since: launch) { recorder in
        #expect(await recorder.waitUntil {
          $0.contains(.modified, root.path + "/new/file.txt") && $0.contains(.modified, root.path + "/saved.txt")
        }, "\(recorder)")
        #expect(await recorder.waitUntil { $0.rescans.map(\.root) == [root.path + "/new"] }, "\(recorder)")
      }
    }
  }

  /// Which file went is unknown once it is gone: its folder is rescanned, even when another
  /// entry of it changed too (a rename away, a removal beside an editor's swap file).
  @Test(arguments: [false, true])
  func rescansAFolderThatLostAnEntryAfterTheLaunch(alsoAddingOne: Bool) async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolder(root.path + "/sub")
      try Disk.write(root.path + "/sub/gone.txt", "x")
      try Disk.write(root.path + "/sub/kept.txt", "x")
      let launch = try await launchAfterATick(root)
      try Disk.remove(root.path + "/sub/gone.txt")
      if alsoAddingOne { try Disk.write(root.path + "/sub/.kept.txt.swp", "x") }
      try await watching(root, since: launch) { recorder in
        #expect(await recorder.waitUntil { !$0.rescans.isEmpty }, "\(recorder)")
        #expect(recorder.rescans.map(\.root) == [root.path + "/sub"], "\(recorder)")
        #expect(recorder.rescans.first?.reason == WatchMessage.changedWhileStarting)
        #expect(!recorder.contains(.modified, root.path + "/sub/kept.txt"), "\(recorder)")
      }
    }
  }

  /// A root was listed at the launch: what left it is reported by name, and a build output
  /// created there (an excluded folder) changes nothing.
  @Test func reportsWhatLeftARootByNameWithoutARescan() async throws {
    try await withTemporaryFolder { root in
      try Disk.write(root.path + "/gone.swift", "x")
      try Disk.write(root.path + "/old.swift", "x")
      try Disk.makeFolders(root.path + "/src")
      let launch = try await launchAfterATick(root)
      try Disk.remove(root.path + "/gone.swift")
      try #require(rename(root.path + "/old.swift", root.path + "/new.swift") == 0)
      try Disk.makeFolders(root.path + "/.build/debug")
      try await watching(root, since: launch, exclusion: WatchExclusion(directoryNames: [".build"])) { recorder in
        #expect(await recorder.waitUntil {
          $0.contains(.removed, root.path + "/gone.swift") && $0.contains(.removed, root.path + "/old.swift")
            && $0.contains(.modified, root.path + "/new.swift")
        }, "\(recorder)")
        #expect(recorder.rescans.isEmpty, "\(recorder)")
        #expect(!recorder.contains(.removed, root.path + "/src"), "\(recorder)")
      }
    }
  }

  /// Folders past the watch limit are polled, and the poller's first snapshot comes after the
  /// startup batch: one rescan of the root, not one per folder, and no removal claimed.
  @Test func foldersHandedToPollingGiveOneRescanOfTheRoot() async throws {
    try await withTemporaryFolder { root in
      for name in ["a", "b", "c", "d"] { try Disk.makeFolders(root.path + "/\(name)/inner") }
      let launch = try await launchAfterATick(root)
      try await watching(root, since: launch, maxWatches: 2) { recorder in
        #expect(await recorder.waitUntil { !$0.rescans.isEmpty }, "\(recorder)")
        try await Task.sleep(for: .milliseconds(200))
        #expect(recorder.rescans.map(\.root) == [root.path], "\(recorder)")
        #expect(recorder.rescans.first?.reason == WatchMessage.polledWhileStarting)
      }
    }
  }

  @Test func reportsNothingWhenNothingChangedSinceTheLaunch() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/a/b")
      try Disk.write(root.path + "/a/b/file.txt", "x")
      try Disk.write(root.path + "/top.txt", "x")
      let launch = try await launchAfterATick(root)
      try await watching(root, since: launch) { recorder in
        try Disk.write(root.path + "/sentinel", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/sentinel") }, "\(recorder)")
        let paths = recorder.all.flatMap { notice -> [String] in
          if case .changed(let events) = notice { return events.map(\.path) }
          return []
        }
        // The sentinel's creation and its write may come as two notices.
        #expect(Set(paths) == [root.path + "/sentinel"], "\(recorder)")
        #expect(recorder.rescans.isEmpty, "\(recorder)")
      }
    }
  }

  /// File systems round stamps down to their granularity: a change after the launch may carry
  /// a stamp below it, so the launch is rounded down the same way.
  @Test func roundsTheLaunchDownToTheStampsGranularity() {
    let launch = StartupCatchUp(seconds: 100, nanoseconds: 15_000_500)
    // Nanoseconds (ext4, xfs, tmpfs).
    #expect(launch.isSinceLaunch(timespec(tv_sec: 100, tv_nsec: 15_000_501)))
    #expect(!launch.isSinceLaunch(timespec(tv_sec: 100, tv_nsec: 15_000_499)))
    #expect(!launch.isSinceLaunch(timespec(tv_sec: 99, tv_nsec: 999_999_999)))
    #expect(launch.isSinceLaunch(timespec(tv_sec: 101, tv_nsec: 1)))
    // 10 ms (exFAT): a write 2 ms after the launch is stamped 100.010.
    #expect(launch.isSinceLaunch(timespec(tv_sec: 100, tv_nsec: 10_000_000)))
    #expect(!StartupCatchUp(seconds: 100, nanoseconds: 25_000_000).isSinceLaunch(timespec(tv_sec: 100, tv_nsec: 10_000_000)))
    // Whole seconds, maybe two (FAT): from the second before the launch on.
    #expect(launch.isSinceLaunch(timespec(tv_sec: 100, tv_nsec: 0)))
    #expect(launch.isSinceLaunch(timespec(tv_sec: 99, tv_nsec: 0)))
    #expect(!launch.isSinceLaunch(timespec(tv_sec: 98, tv_nsec: 0)))
  }
}
