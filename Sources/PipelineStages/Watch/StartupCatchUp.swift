import Glibc

/// Finds the changes made between the launch and the moment a folder's watch was added, so the
/// watch stage can send its startup batch *before* walking the tree instead of after.
///
/// On a big tree the walk takes a tenth of a second or more (5,000 folders: about 80 ms), and
/// the first build used to wait for it. Now the build starts at once and the walk runs beside
/// it; but the build may read a file before the walk reaches that file's folder, so a change
/// made in between would be in neither the build nor an event. Once each folder's watch is in
/// place, the walk therefore asks which of its entries changed since the launch:
///
/// - an entry whose status-change time (`ctime`) is at or after the launch is reported
///   `.modified`. `ctime` moves on every write, rename and `chmod`, and unlike `mtime` no tool
///   can set it back (`touch -d`, `tar`, `git checkout` can set `mtime` to anything);
/// - a folder whose own `ctime` moved (an entry was added, removed or renamed in it) but none
///   of whose entries did lost an entry: a deletion, or a rename away. Which one cannot be
///   known any more, so the folder is rescanned (every stage treats it as all changed).
///
/// A change made shortly *before* the launch may be reported too (same clock tick), which costs
/// at most one redundant build, never a lost change. Both times come from the kernel's coarse
/// clock, the one it stamps files with, so nothing changed after the launch carries an earlier
/// stamp. On file systems that keep whole seconds (a `ctime` with no nanoseconds), seconds are
/// compared.
struct StartupCatchUp: Sendable, Hashable {
  /// The launch, in seconds and nanoseconds of `CLOCK_REALTIME_COARSE`.
  let seconds: Int
  let nanoseconds: Int

  init(seconds: Int, nanoseconds: Int) {
    self.seconds = seconds
    self.nanoseconds = nanoseconds
  }

  /// The catch-up for a launch now.
  static func now() -> StartupCatchUp {
    var time = timespec()
    clock_gettime(CLOCK_REALTIME_COARSE, &time)
    return StartupCatchUp(seconds: time.tv_sec, nanoseconds: time.tv_nsec)
  }

  /// Whether a file stamped `time` changed at or after the launch.
  func isSinceLaunch(_ time: timespec) -> Bool {
    if time.tv_sec != seconds || time.tv_nsec == 0 { return time.tv_sec >= seconds }
    return time.tv_nsec >= nanoseconds
  }

  /// What changed since the launch in the folder at `path`, whose watch was just added and
  /// whose entries were just listed.
  ///
  /// - Returns: `.modified` events for the entries that changed (folders excepted: their own
  ///   entries are checked when the walk reaches them), and whether the folder must be
  ///   rescanned because it lost an entry.
  func changes(in path: String, entries: [DirectoryWalker.Entry]) -> (events: [FileEvent], needsRescan: Bool) {
    var info = stat()
    // Unchanged, the folder holds the launch's entries: only their contents can have changed.
    let folderChanged = stat(path, &info) == 0 && isSinceLaunch(info.st_ctim)
    var events: [FileEvent] = []
    var anyEntryChanged = false
    for entry in entries where folderChanged || !entry.isDirectory {
      let child = DirectoryWalker.join(path, entry.name)
      guard lstat(child, &info) == 0, isSinceLaunch(info.st_ctim) else { continue }
      anyEntryChanged = true
      if !entry.isDirectory { events.append(FileEvent(path: child, kind: .modified, isDirectory: false)) }
    }
    return (events, folderChanged && !anyEntryChanged)
  }
}
