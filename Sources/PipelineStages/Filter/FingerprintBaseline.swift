import Glibc
import PipelineCore

/// Fingerprints the files under the pipeline's folder that pass the filter's path rules, so
/// that the first `touch` after startup is already recognised as no change.
///
/// It runs in a background task at low priority when the startup batch (or a rescan batch)
/// passes, and is bounded: it stops after ``fileLimit`` files or ``timeBudget``, whichever
/// comes first; a file it did not reach simply has no fingerprint, so its first change
/// passes. It skips the folders the watch stage never watches by default
/// (`WatchStage.defaultExcludedDirectories`: `.git`, `node_modules`, `.build`…), the
/// folders of `exclude_dirs` and folders git ignores, and never follows a symlinked folder.
///
/// A file modified after the baseline started is left out: its content may be newer than
/// what the startup build saw, and its change event may still be on its way.
struct FingerprintBaseline: Sendable {
  /// At most this many files are fingerprinted.
  static let fileLimit = 20_000
  /// The baseline stops after this long.
  static let timeBudget = Duration.seconds(10)

  /// How a baseline ended.
  enum Ending: String, Sendable {
    case complete
    case fileLimit = "file-limit"
    case timeBudget = "time-budget"
    /// The filter stopped, or a newer baseline took over.
    case cancelled
  }

  /// The pipeline's folder (absolute).
  var root: String
  var rules: FilterRules
  var store: FingerprintStore
  /// From ``FingerprintStore/startBaseline()``.
  var generation: Int
  var fileLimit = FingerprintBaseline.fileLimit
  var timeBudget = FingerprintBaseline.timeBudget

  /// Walks the tree and records fingerprints; returns how many files it recorded and why it
  /// stopped.
  mutating func run() async -> (files: Int, ending: Ending) {
    let started = Self.now()
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeBudget)
    let skipped = Set(WatchStage.defaultExcludedDirectories)
    var recorded = 0
    var visited = 0
    var folders = [""]
    defer { store.finishBaseline(generation: generation) }
    while let folder = folders.popLast() {
      let absolute = folder.isEmpty ? root : DirectoryWalker.slashJoined(root, folder)
      guard let entries = DirectoryWalker.entries(of: absolute, followingSymlink: folder.isEmpty) else { continue }
      for entry in entries {
        let path = folder.isEmpty ? entry.name : DirectoryWalker.join(folder, entry.name)
        if entry.isDirectory {
          if skipped.contains(entry.name) || rules.excludedFolders.excludes(folder: path) { continue }
          if rules.gitignore?.ignoreSource(for: path, isDirectory: true) != nil { continue }
          folders.append(path)
          continue
        }
        visited += 1
        if visited % 64 == 0 {
          await Task.yield()
          if Task.isCancelled { return (recorded, .cancelled) }
          if clock.now >= deadline { return (recorded, .timeBudget) }
        }
        guard rules.dropReason(for: path, isDirectory: false) == nil,
          let reading = FileFingerprint.read(DirectoryWalker.slashJoined(absolute, entry.name)),
          reading.modificationTime < started
        else { continue }
        guard store.recordBaseline(reading.fingerprint, for: path, generation: generation) else {
          return (recorded, .cancelled)
        }
        recorded += 1
        if recorded >= fileLimit { return (recorded, .fileLimit) }
      }
    }
    return (recorded, .complete)
  }

  /// The time as file systems stamp files (the coarse real-time clock), in nanoseconds
  /// since 1970: a file written after this has a modification time at or after it.
  private static func now() -> Int {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME_COARSE, &time)
    return time.tv_sec * 1_000_000_000 + time.tv_nsec
  }
}
