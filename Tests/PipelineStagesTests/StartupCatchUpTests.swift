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
    _ root: TemporaryFolder, since launch: StartupCatchUp, _ body: (NoticeRecorder) async throws -> Void
  ) async throws {
    let recorder = NoticeRecorder()
    let watcher = InotifyWatcher(roots: [root.path], exclusion: WatchExclusion(), catchUp: launch)
    try watcher.start(recorder.sink)
    defer { watcher.stop() }
    try await body(recorder)
  }

  /// A moment later than any stamp the kernel's coarse clock gave so far.
  private func launchAfterATick() async throws -> StartupCatchUp {
    try await Task.sleep(for: .milliseconds(30))
    return StartupCatchUp.now()
  }

  @Test func reportsAFileEditedAfterTheLaunchInAFolderNotYetWatched() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/deep/er")
      try Disk.write(root.path + "/deep/er/edited.txt", "before")
      try Disk.write(root.path + "/deep/er/untouched.txt", "same")
      let launch = try await launchAfterATick()
      try Disk.write(root.path + "/deep/er/edited.txt", "after")
      try await watching(root, since: launch) { recorder in
        #expect(await recorder.waitUntil { $0.contains(.modified, root.path + "/deep/er/edited.txt") }, "\(recorder)")
        #expect(!recorder.contains(.modified, root.path + "/deep/er/untouched.txt"), "\(recorder)")
        #expect(recorder.rescans.isEmpty, "\(recorder)")
      }
    }
  }

  @Test func reportsFilesCreatedAfterTheLaunchAndTheAtomicSaves() async throws {
    try await withTemporaryFolder { root in
      try Disk.write(root.path + "/saved.txt", "before")
      let launch = try await launchAfterATick()
      try Disk.makeFolder(root.path + "/new")
      try Disk.write(root.path + "/new/file.txt", "new")
      try Disk.write(root.path + "/saved.txt.tmp", "after")
      try #require(rename(root.path + "/saved.txt.tmp", root.path + "/saved.txt") == 0)
      try await watching(root, since: launch) { recorder in
        #expect(await recorder.waitUntil {
          $0.contains(.modified, root.path + "/new/file.txt") && $0.contains(.modified, root.path + "/saved.txt")
        }, "\(recorder)")
        #expect(recorder.rescans.isEmpty, "the new entries explain the folder's change: \(recorder)")
      }
    }
  }

  /// Which file went is unknown once it is gone: its folder is rescanned.
  @Test func rescansAFolderThatLostAnEntryAfterTheLaunch() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolder(root.path + "/sub")
      try Disk.write(root.path + "/sub/gone.txt", "x")
      try Disk.write(root.path + "/sub/kept.txt", "x")
      let launch = try await launchAfterATick()
      try Disk.remove(root.path + "/sub/gone.txt")
      try await watching(root, since: launch) { recorder in
        #expect(await recorder.waitUntil { !$0.rescans.isEmpty }, "\(recorder)")
        #expect(recorder.rescans.map(\.root) == [root.path + "/sub"], "\(recorder)")
        #expect(recorder.rescans.first?.reason == WatchMessage.changedWhileStarting)
        #expect(!recorder.contains(.modified, root.path + "/sub/kept.txt"), "\(recorder)")
      }
    }
  }

  @Test func reportsNothingWhenNothingChangedSinceTheLaunch() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/a/b")
      try Disk.write(root.path + "/a/b/file.txt", "x")
      try Disk.write(root.path + "/top.txt", "x")
      let launch = try await launchAfterATick()
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

  /// Whole-second file systems (no nanoseconds in their stamps) compare seconds.
  @Test func comparesSecondsForStampsWithoutNanoseconds() {
    let launch = StartupCatchUp(seconds: 100, nanoseconds: 500)
    #expect(launch.isSinceLaunch(timespec(tv_sec: 100, tv_nsec: 0)))
    #expect(launch.isSinceLaunch(timespec(tv_sec: 100, tv_nsec: 500)))
    #expect(!launch.isSinceLaunch(timespec(tv_sec: 100, tv_nsec: 499)))
    #expect(!launch.isSinceLaunch(timespec(tv_sec: 99, tv_nsec: 999_999_999)))
    #expect(launch.isSinceLaunch(timespec(tv_sec: 101, tv_nsec: 0)))
  }
}
