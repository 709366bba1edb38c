import Glibc
import PipelineCore
import Synchronization

/// One raw observation of a watch backend, before debouncing.
struct FileEvent: Sendable, Hashable {
  /// Absolute path, without a trailing `/`.
  var path: String
  var kind: ChangeKind
  var isDirectory: Bool
  /// For `.created`: the backend saw the path come into being (inotify's `IN_CREATE`, an entry
  /// a scan found new), so it did not exist just before; `false` for a file renamed into place,
  /// which may have replaced one. See ``Change/appearedInBatch``. Not part of equality, as there.
  var isNew = false

  static func == (lhs: FileEvent, rhs: FileEvent) -> Bool {
    lhs.path == rhs.path && lhs.kind == rhs.kind && lhs.isDirectory == rhs.isDirectory
  }

  func hash(into hasher: inout Hasher) {
    hasher.combine(path)
    hasher.combine(kind)
    hasher.combine(isDirectory)
  }
}

/// What a backend reports to the watch stage.
enum WatchNotice: Sendable {
  /// Paths changed. Events are in the order they were observed.
  case changed([FileEvent])
  /// The backend lost track (queue overflow, a root came back): everything under `root`
  /// may have changed. The backend has already re-established its watches when it says so.
  case rescanNeeded(root: String, reason: String)
  /// Something a person must hear about (a watch limit reached, a root that vanished).
  case warning(String)
  /// A shallow folder (see ``InotifyWatcher/watchShallowFolder(_:)``) is now watched: the events
  /// of its entries follow this notice; or its watch ended or could not be added: they do not.
  case shallowFolder(String, isWatched: Bool)
}

/// Which directories a backend must not descend into (they are never watched at all).
struct WatchExclusion: Sendable {
  /// Folder names excluded wherever they appear, such as `.git` or `node_modules`.
  var directoryNames: Set<String>
  /// Absolute folder paths excluded, with no trailing `/`.
  var directoryPaths: Set<String>

  init(directoryNames: Set<String> = [], directoryPaths: Set<String> = []) {
    self.directoryNames = directoryNames
    self.directoryPaths = directoryPaths
  }

  func excludes(directory path: String, name: Substring) -> Bool {
    directoryNames.contains(String(name)) || directoryPaths.contains(path)
  }

  /// Whether the walk from `root` down the folders of `relative` (`a/b/c`) meets an excluded one.
  func excludes(anyFolderOf relative: Substring, under root: String) -> Bool {
    var path = root
    for name in relative.split(separator: "/") {
      path = DirectoryWalker.join(path, String(name))
      if excludes(directory: path, name: name) { return true }
    }
    return false
  }
}

/// A source of file-system observations for a set of root folders.
///
/// The Linux backend is ``InotifyWatcher``; ``PollingWatcher`` works everywhere. A macOS
/// (FSEvents or kqueue) backend would conform to this protocol too.
///
/// - Important: `start` returns once the watches are in place (so a change made after it
///   returns is seen); the backend then calls `sink` from one thread at a time (its own, or
///   the engine's) until `stop()`.
protocol FileWatcher: AnyObject, Sendable {
  func start(_ sink: @escaping @Sendable (WatchNotice) -> Void) throws
  func stop()
}
