import Foundation
import Glibc
import PipelineCore
import Synchronization
import Testing

@testable import PipelineStages

@Suite("PollingWatcher", .timeLimit(.minutes(1)))
struct PollingWatcherTests {
  private let interval = Duration.milliseconds(50)

  @Test func reportsCreationModificationAndRemoval() async throws {
    try await withTemporaryFolder { root in
      let recorder = NoticeRecorder()
      let watcher = PollingWatcher(roots: [root.path], exclusion: WatchExclusion(), interval: interval)
      try watcher.start(recorder.sink)
      defer { watcher.stop() }

      let file = root.path + "/a.txt"
      try Disk.write(file, "one")
      #expect(await recorder.waitUntil { $0.contains(.created, file) }, "\(recorder)")
      try Disk.write(file, "two, longer")
      #expect(await recorder.waitUntil { $0.contains(.modified, file) }, "\(recorder)")
      try Disk.remove(file)
      #expect(await recorder.waitUntil { $0.contains(.removed, file) }, "\(recorder)")
    }
  }

  /// Comparing sizes alone would miss this edit: the content changes, the size does not.
  @Test func seesAnEditThatKeepsTheSize() async throws {
    try await withTemporaryFolder { root in
      let file = root.path + "/same-size.txt"
      try Disk.write(file, "aaaa")
      // Date it an hour back, so that the edit's time differs even on a file system whose
      // clock ticks coarsely (the edit could otherwise land in the same tick).
      try Disk.setModificationTime(file, secondsAgo: 3600)
      let recorder = NoticeRecorder()
      let watcher = PollingWatcher(roots: [root.path], exclusion: WatchExclusion(), interval: interval)
      try watcher.start(recorder.sink)
      defer { watcher.stop() }

      try Disk.write(file, "bbbb")
      #expect(await recorder.waitUntil { $0.contains(.modified, file) }, "\(recorder)")
    }
  }

  /// An editor's atomic save with the same size and the same time: only the inode differs.
  @Test func seesAFileReplacedByAnotherOfTheSameSizeAndTime() async throws {
    try await withTemporaryFolder { root in
      let file = root.path + "/saved.txt"
      try Disk.write(file, "aaaa")
      try Disk.setModificationTime(file, secondsAgo: 3600)
      let recorder = NoticeRecorder()
      let watcher = PollingWatcher(roots: [root.path], exclusion: WatchExclusion(), interval: interval)
      try watcher.start(recorder.sink)
      defer { watcher.stop() }

      let temporary = root.path + "/.saved.txt.tmp"
      try Disk.write(temporary, "bbbb")
      try Disk.copyModificationTime(from: file, to: temporary)
      try Disk.rename(temporary, file)
      #expect(await recorder.waitUntil { $0.contains(.modified, file) }, "\(recorder)")
    }
  }

  @Test func reportsNestedFoldersAndTheirFiles() async throws {
    try await withTemporaryFolder { root in
      let recorder = NoticeRecorder()
      let watcher = PollingWatcher(roots: [root.path], exclusion: WatchExclusion(), interval: interval)
      try watcher.start(recorder.sink)
      defer { watcher.stop() }

      try Disk.makeFolders(root.path + "/a/b/c")
      try Disk.write(root.path + "/a/b/c/deep.swift", "x")
      #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/a/b/c/deep.swift") }, "\(recorder)")
      #expect(recorder.contains(.created, root.path + "/a", isDirectory: true))
      #expect(recorder.contains(.created, root.path + "/a/b/c", isDirectory: true))
    }
  }

  @Test func reportsAMissingRootWhenItAppearsAndWhenItGoes() async throws {
    try await withTemporaryFolder { parent in
      let root = parent.path + "/later"
      let recorder = NoticeRecorder()
      let watcher = PollingWatcher(roots: [root], exclusion: WatchExclusion(), interval: interval)
      try watcher.start(recorder.sink)
      defer { watcher.stop() }

      try Disk.makeFolders(root + "/sub")
      try Disk.write(root + "/sub/file.txt", "x")
      #expect(await recorder.waitUntil { $0.contains(.created, root + "/sub/file.txt") }, "\(recorder)")
      #expect(recorder.contains(.created, root, isDirectory: true))

      try Disk.remove(root)
      #expect(await recorder.waitUntil { $0.contains(.removed, root) }, "\(recorder)")
      #expect(recorder.contains(.removed, root + "/sub/file.txt"))
      let events = recorder.events
      let fileRemoval = events.lastIndex { $0.path == root + "/sub/file.txt" && $0.kind == .removed }
      let rootRemoval = events.lastIndex { $0.path == root && $0.kind == .removed }
      #expect(fileRemoval! < rootRemoval!, "contents are reported removed before their folder")
    }
  }

  @Test func ignoresExcludedFolders() async throws {
    try await withTemporaryFolder { root in
      try Disk.makeFolders(root.path + "/node_modules/pkg")
      try Disk.makeFolders(root.path + "/build")
      let recorder = NoticeRecorder()
      let exclusion = WatchExclusion(directoryNames: ["node_modules"], directoryPaths: [root.path + "/build"])
      let watcher = PollingWatcher(roots: [root.path], exclusion: exclusion, interval: interval)
      try watcher.start(recorder.sink)
      defer { watcher.stop() }

      try Disk.write(root.path + "/node_modules/pkg/index.js", "x")
      try Disk.write(root.path + "/build/out.o", "x")
      try Disk.makeFolders(root.path + "/src/node_modules")
      try Disk.write(root.path + "/src/node_modules/late.js", "x")
      // Written last: once it is reported, a scan has covered the others.
      try Disk.write(root.path + "/src/sentinel", "x")
      #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/src/sentinel") }, "\(recorder)")
      #expect(!recorder.events.contains { $0.path.contains("/node_modules") || $0.path.contains("/build") }, "\(recorder)")
    }
  }

  @Test func doesNotFollowSymlinkedFolders() async throws {
    try await withTemporaryFolder { root in
      try await withTemporaryFolder { outside in
        try Disk.symlink(outside.path, at: root.path + "/link")
        let recorder = NoticeRecorder()
        let watcher = PollingWatcher(roots: [root.path], exclusion: WatchExclusion(), interval: interval)
        try watcher.start(recorder.sink)
        defer { watcher.stop() }

        try Disk.write(outside.path + "/elsewhere.txt", "x")
        try Disk.write(root.path + "/sentinel", "x")
        #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/sentinel") }, "\(recorder)")
        #expect(!recorder.events.contains { $0.path.hasPrefix(root.path + "/link/") }, "\(recorder)")
      }
    }
  }

  /// A budget so small that each round stats the files of one folder: the rotation still
  /// reaches an edit in place of a file nobody touched, and creations and atomic saves are
  /// seen through the folders' own timestamps.
  @Test func aTinyBudgetStillSeesEveryKindOfChange() async throws {
    try await withTemporaryFolder { root in
      for index in 0..<30 {
        let folder = root.path + "/d\(index)"
        try Disk.makeFolder(folder)
        for file in 0..<10 {
          try Disk.write(folder + "/f\(file).txt", "aaaa")
          try Disk.setModificationTime(folder + "/f\(file).txt", secondsAgo: 3600)
        }
        try Disk.setModificationTime(folder, secondsAgo: 3600)
      }
      let recorder = NoticeRecorder()
      let watcher = PollingWatcher(
        roots: [root.path], exclusion: WatchExclusion(), interval: .milliseconds(20), cpuBudget: 0.001)
      try watcher.start(recorder.sink)
      defer { watcher.stop() }

      let cold = root.path + "/d23/f7.txt"
      try Disk.write(cold, "bbbb")
      #expect(await recorder.waitUntil(timeout: .seconds(30)) { $0.contains(.modified, cold) }, "\(recorder)")

      let created = root.path + "/d11/new.txt"
      try Disk.write(created, "x")
      #expect(await recorder.waitUntil(timeout: .seconds(10)) { $0.contains(.created, created) }, "\(recorder)")

      let saved = root.path + "/d4/f1.txt"
      try Disk.write(root.path + "/d4/.f1.txt.tmp", "cccc")
      try Disk.rename(root.path + "/d4/.f1.txt.tmp", saved)
      #expect(await recorder.waitUntil(timeout: .seconds(10)) { $0.contains(.modified, saved) }, "\(recorder)")
    }
  }

  @Test func stopIsIdempotentAndTheWatcherCanStartAgain() async throws {
    try await withTemporaryFolder { root in
      let recorder = NoticeRecorder()
      let watcher = PollingWatcher(roots: [root.path], exclusion: WatchExclusion(), interval: interval)
      try watcher.start(recorder.sink)
      watcher.stop()
      watcher.stop()
      try watcher.start(recorder.sink)
      defer { watcher.stop() }
      try Disk.write(root.path + "/again.txt", "x")
      #expect(await recorder.waitUntil { $0.contains(.created, root.path + "/again.txt") }, "\(recorder)")
    }
  }
}

// MARK: - Support shared with InotifyWatcherTests

/// Collects what a watcher sends, so a test can wait for what it expects.
final class NoticeRecorder: Sendable, CustomStringConvertible {
  private let notices = Mutex<[WatchNotice]>([])

  var sink: @Sendable (WatchNotice) -> Void {
    { [self] notice in notices.withLock { $0.append(notice) } }
  }

  var all: [WatchNotice] { notices.withLock { $0 } }

  /// Every reported event, in order.
  var events: [FileEvent] {
    all.flatMap { notice -> [FileEvent] in
      if case .changed(let events) = notice { return events }
      return []
    }
  }

  var warnings: [String] {
    all.compactMap { notice in
      if case .warning(let text) = notice { return text }
      return nil
    }
  }

  var rescans: [(root: String, reason: String)] {
    all.compactMap { notice in
      if case .rescanNeeded(let root, let reason) = notice { return (root, reason) }
      return nil
    }
  }

  func contains(_ kind: ChangeKind, _ path: String, isDirectory: Bool? = nil) -> Bool {
    events.contains { $0.kind == kind && $0.path == path && (isDirectory == nil || $0.isDirectory == isDirectory) }
  }

  /// Waits until `condition` holds, checking every 10 ms; `false` if it still does not after
  /// `timeout`.
  ///
  /// The wait also lasts at least `timeout` / 10 ms checks, so a jump of this VM's clock
  /// (PLATFORM-NOTES.md) cannot end it early.
  func waitUntil(timeout: Duration = .seconds(5), _ condition: (NoticeRecorder) -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    let minimumChecks = Int(timeout.components.seconds) * 100
    var checks = 0
    while true {
      if condition(self) { return true }
      checks += 1
      if clock.now >= deadline && checks >= minimumChecks { return false }
      try? await Task.sleep(for: .milliseconds(10))
    }
  }

  var description: String {
    all.map { notice in
      switch notice {
      case .changed(let events):
        "changed: " + events.map { "\($0.kind) \($0.path)\($0.isDirectory ? "/" : "")" }.joined(separator: ", ")
      case .rescanNeeded(let root, let reason): "rescanNeeded \(root): \(reason)"
      case .warning(let text): "warning: \(text)"
      case .shallowFolder(let folder, let isWatched): "shallowFolder \(folder) watched: \(isWatched)"
      }
    }.joined(separator: "\n")
  }
}

/// A fresh folder under the temporary directory.
struct TemporaryFolder {
  /// Absolute, without a trailing `/`, as the watchers report paths.
  let path: String
}

/// Runs `body` with a new, uniquely named folder, and removes it afterwards.
func withTemporaryFolder(_ body: (TemporaryFolder) async throws -> Void) async throws {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("pipeline-watch-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  let folder = TemporaryFolder(path: DirectoryWalker.absolutePath(url.path))
  let removal: @Sendable () -> Void = { try? FileManager.default.removeItem(atPath: folder.path) }
  do {
    try await body(folder)
  } catch {
    _ = try? await onOwnThread(removal)
    throw error
  }
  _ = try? await onOwnThread(removal)
}

/// File operations as an editor or a shell does them, with plain system calls: FileManager's
/// writes replace files atomically (a new inode), which is not what a test of "modified" wants.
enum Disk {
  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  private static func check(_ result: Int32, _ what: @autoclosure () -> String) throws {
    guard result == 0 else { throw Failure(description: "\(what()): \(String(cString: strerror(errno)))") }
  }

  /// Writes `text` over the file's content (creating it), keeping its inode.
  static func write(_ path: String, _ text: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    try check(descriptor >= 0 ? 0 : -1, "open \(path)")
    defer { close(descriptor) }
    var bytes = Array(text.utf8)
    try check(Glibc.write(descriptor, &bytes, bytes.count) == bytes.count ? 0 : -1, "write \(path)")
  }

  /// Creates an empty file (the cheapest way to make many inotify events).
  static func touch(_ path: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
    try check(descriptor >= 0 ? 0 : -1, "open \(path)")
    close(descriptor)
  }

  static func makeFolder(_ path: String) throws { try check(mkdir(path, 0o755), "mkdir \(path)") }

  /// `mkdir -p`.
  static func makeFolders(_ path: String) throws {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  static func rename(_ from: String, _ to: String) throws {
    try check(Glibc.rename(from, to), "rename \(from) to \(to)")
  }

  /// `rm -rf`.
  static func remove(_ path: String) throws { try FileManager.default.removeItem(atPath: path) }

  static func symlink(_ target: String, at path: String) throws {
    try check(Glibc.symlink(target, path), "symlink \(path)")
  }

  /// `UTIME_OMIT` (leave the access time alone), a macro Swift does not import.
  private static let omitTime = (1 << 30) - 2

  static func setModificationTime(_ path: String, secondsAgo: Int) throws {
    var times = [timespec(tv_sec: 0, tv_nsec: omitTime), timespec(tv_sec: time(nil) - secondsAgo, tv_nsec: 0)]
    try check(utimensat(AT_FDCWD, path, &times, 0), "utimensat \(path)")
  }

  static func setModificationTime(_ path: String, to time: timespec) throws {
    var times = [timespec(tv_sec: 0, tv_nsec: omitTime), time]
    try check(utimensat(AT_FDCWD, path, &times, 0), "utimensat \(path)")
  }

  static func copyModificationTime(from source: String, to path: String) throws {
    var info = stat()
    try check(stat(source, &info), "stat \(source)")
    var times = [timespec(tv_sec: 0, tv_nsec: omitTime), info.st_mtim]
    try check(utimensat(AT_FDCWD, path, &times, 0), "utimensat \(path)")
  }
}
