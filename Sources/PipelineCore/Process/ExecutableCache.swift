@preconcurrency import Glibc
import Synchronization

/// Where ``ExecutableLookup`` found each program on `PATH`, kept the way a shell's hash table
/// keeps it (`hash` in bash), but forgotten as soon as anything changes in a `PATH` folder.
///
/// A search tries each folder of `PATH` in turn: with the long `PATH` of a developer's shell
/// (toolchains, version managers, `~/go/bin`, `~/.cargo/bin`…) a `go` or `cp` found late costs
/// a dozen or more failed `stat`s, at every build, on the way from a save to the restart. The
/// cache answers with the path found last time, checked to still be an executable file.
///
/// Unlike bash, it never runs a stale choice: an inotify instance watches every `PATH` folder
/// (and, for a folder that does not exist yet, the nearest folder above it that does), and
/// any entry created, removed, renamed or changed in mode there forgets that `PATH`'s programs. A `go`
/// installed into `/usr/local/bin` while `pipeline` runs, ahead of `/usr/bin/go`, is the one
/// the next build runs. When the watches cannot all be set (the inotify limits), or `PATH`
/// has a relative folder (found from each command's working directory), nothing is cached
/// and every lookup searches.
final class ExecutableCache: Sendable {
  /// The cache `ExecutableLookup` uses.
  static let shared = ExecutableCache()

  /// How many different `PATH`s are remembered at once: one per stage with an `env: PATH` of
  /// its own is plenty; a further one replaces the oldest.
  static let pathLimit = 8

  init() {}

  deinit {
    entries.withLock { entries in
      for entry in entries { entry.stopWatching() }
    }
  }

  /// One `PATH`'s programs and the inotify instance watching its folders, most recently used
  /// last. Kept per `PATH`, so that stages that run with different ones (an `env: PATH`)
  /// do not empty each other's.
  private let entries = Mutex<[Entry]>([])

  private struct Entry {
    let path: String
    let watcher: Int32
    /// Program name → the file found for it.
    var found: [String: String] = [:]

    func stopWatching() { close(watcher) }

    /// Whether a watched folder reported a change since the last look; drains the events.
    func folderChanged() -> Bool {
      var changed = false
      withUnsafeTemporaryAllocation(byteCount: 4096, alignment: MemoryLayout<inotify_event>.alignment) { buffer in
        while read(watcher, buffer.baseAddress, buffer.count) > 0 { changed = true }
      }
      return changed
    }
  }

  /// The file remembered for `program` under `path`, if it is still an executable regular file
  /// and nothing changed in `path`'s folders since it was found.
  func file(for program: String, path: String) -> String? {
    entries.withLock { entries -> String? in
      guard let index = entries.firstIndex(where: { $0.path == path }) else { return nil }
      if entries[index].folderChanged() {
        entries.remove(at: index).stopWatching()
        return nil
      }
      guard let file = entries[index].found[program] else { return nil }
      guard ExecutableLookup.isExecutableFile(file) else {
        entries[index].found[program] = nil
        return nil
      }
      return file
    }
  }

  /// Remembers that a search of `path` found `program` as `file`, once `path`'s folders are
  /// watched; remembers nothing when they cannot be.
  func remember(_ file: String, for program: String, path: String) {
    entries.withLock { entries in
      var entry: Entry
      if let index = entries.firstIndex(where: { $0.path == path }) {
        entry = entries.remove(at: index)
      } else {
        guard let watcher = Self.watchFolders(of: path) else { return }
        entry = Entry(path: path, watcher: watcher)
        if entries.count == Self.pathLimit { entries.removeFirst().stopWatching() }
      }
      entry.found[program] = file
      entries.append(entry)
    }
  }

  /// An inotify instance watching every folder of `path`, or `nil` when one cannot be watched
  /// (or `path` has a relative folder).
  private static func watchFolders(of path: String) -> Int32? {
    let folders = path.split(separator: ":", omittingEmptySubsequences: false)
    guard folders.allSatisfy({ $0.hasPrefix("/") }) else { return nil }
    let watcher = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    guard watcher >= 0 else { return nil }
    let entryChanges = UInt32(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB)
    let folderGone = UInt32(IN_DELETE_SELF | IN_MOVE_SELF)
    for folder in folders {
      // A folder that is not there yet: watch the nearest one above it for its creation.
      var watched = String(folder)
      var mask = entryChanges | folderGone | UInt32(IN_ONLYDIR)
      while inotify_add_watch(watcher, watched, mask) < 0 {
        guard errno == ENOENT || errno == ENOTDIR, watched != "/", let slash = watched.utf8.lastIndex(of: UInt8(ascii: "/"))
        else {
          close(watcher)
          return nil
        }
        watched = slash == watched.startIndex ? "/" : String(watched[..<slash])
        mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) | folderGone
      }
    }
    return watcher
  }
}
