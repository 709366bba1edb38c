import Glibc
import PipelineCore

/// The git dir of the work tree a pipeline lives in, and what `stat` says about the git
/// operation in progress there.
///
/// Found by walking up from the pipeline's folder to the first `.git`: a folder (an ordinary
/// clone), or a file reading `gitdir: PATH` (a linked worktree, whose git dir is
/// `…/.git/worktrees/NAME`, or a submodule, whose git dir is `…/.git/modules/NAME`). The markers
/// below are per-worktree, so they are looked for in that git dir.
struct GitDirectory: Sendable, Hashable {
  /// Absolute, without a trailing `/`.
  let path: String

  /// The lock git holds while it writes the index, and so the work tree (checkout, reset, merge,
  /// stash, pull…).
  static let lockName = "index.lock"

  /// Entries of the git dir that exist while an operation that may stop half-way is in progress,
  /// with the operation's name, in the order they are reported.
  static let operationMarkers: [(name: String, operation: String)] = [
    ("rebase-merge", "rebase"), ("rebase-apply", "rebase"), ("MERGE_HEAD", "merge"),
    ("CHERRY_PICK_HEAD", "cherry-pick"), ("REVERT_HEAD", "revert"), ("BISECT_LOG", "bisect"),
  ]

  static func isMarker(_ name: String) -> Bool { operationMarkers.contains { $0.name == name } }

  static func operation(of marker: String) -> String? {
    operationMarkers.first { $0.name == marker }?.operation
  }

  init(path: String) { self.path = path }

  /// Whether the interactive rebase under way last ran an `exec` step (`git rebase --exec CMD`,
  /// `x CMD` in the todo): then git is quiet because it runs that command, or because the
  /// command failed and git stopped. Reads the last line of `rebase-merge/done`.
  func lastRebaseStepIsExec() -> Bool {
    guard case .success(let bytes) = FileBytes.read(contentsOf: DirectoryWalker.join(path, "rebase-merge/done")) else {
      return false
    }
    let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
    guard let last = lines.last?.drop(while: { $0 == " " }) else { return false }
    return last.hasPrefix("exec ") || last.hasPrefix("x ")
  }

  /// The git dir for the folder `folder` (absolute): that of the first `.git` found in it or one
  /// of its ancestors; `nil` outside a repository, or when that `.git` is unusable.
  static func find(above folder: String) -> GitDirectory? {
    // Asked at every batch outside a repository: the folders are slices and the `.git` paths
    // are made on the stack until one is there.
    let absolute = DirectoryWalker.absolutePath(folder)
    var current = absolute[...]
    while true {
      var info = stat()
      if DirectoryWalker.status(of: ".git", in: current, followingSymlink: true, &info) == 0 {
        let holder = String(current)
        let candidate = DirectoryWalker.join(holder, ".git")
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
          return GitDirectory(path: candidate)
        case S_IFREG:
          guard let text = DirectoryWalker.contents(of: candidate),
            let target = gitDirectory(fromDotGitFile: text, in: holder),
            DirectoryWalker.isDirectory(target)
          else { return nil }
          return GitDirectory(path: target)
        default:
          return nil
        }
      }
      if current == "/" { return nil }
      current = current[..<(current.lastIndex(of: "/") ?? current.startIndex)]
      if current.isEmpty { current = "/" }
    }
  }

  /// The git dir named by the text of a `.git` file (`gitdir: ../.git/modules/lib`), made absolute
  /// against the folder holding the file; `nil` when the text does not start with `gitdir:`.
  static func gitDirectory(fromDotGitFile text: String, in folder: String) -> String? {
    // Split on any line end: "\r\n" is one Character, not a "\n".
    guard let line = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).first,
      line.hasPrefix("gitdir:")
    else { return nil }
    var target = line.dropFirst("gitdir:".count)
    while target.first == " " || target.first == "\t" { target = target.dropFirst() }
    while target.last == " " || target.last == "\t" { target = target.dropLast() }
    guard !target.isEmpty else { return nil }
    let joined = target.hasPrefix("/") ? String(target) : DirectoryWalker.join(folder, String(target))
    return DirectoryWalker.absolutePath(joined)
  }

  /// What git is doing now, read with a few `stat` calls (about ten, a few microseconds).
  func snapshot() -> GitSnapshot {
    var info = stat()
    var snapshot = GitSnapshot()
    if DirectoryWalker.status(of: Self.lockName, in: path, followingSymlink: true, &info) == 0 {
      snapshot.lock = GitSnapshot.FileIdentity(
        inode: UInt64(info.st_ino), modificationTime: Self.nanoseconds(info.st_mtim))
    }
    // A folder's time changes when an entry is created, removed or renamed, and git updates its
    // files by renaming a lock over them: the git dir's time is when git last did something.
    var newest: Int64?
    func consider(_ info: stat) {
      let time = Self.nanoseconds(info.st_mtim)
      newest = max(newest ?? time, time)
    }
    if path.withCString({ stat($0, &info) }) == 0 { consider(info) }
    for (name, _) in Self.operationMarkers
    where DirectoryWalker.status(of: name, in: path, followingSymlink: true, &info) == 0 {
      snapshot.markers.append(name)
      if info.st_mode & S_IFMT == S_IFDIR { consider(info) }  // rebase-merge/ changes at each step
    }
    if let newest {
      var now = timespec()
      clock_gettime(CLOCK_REALTIME, &now)
      let age = Self.nanoseconds(now) - newest
      // A time from the future (a file server's clock ahead of ours) says nothing.
      if age > -2_000_000_000 { snapshot.quietFor = .nanoseconds(max(0, age)) }
    }
    return snapshot
  }

  private static func nanoseconds(_ time: timespec) -> Int64 {
    Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
  }
}

/// What ``GitDirectory/snapshot()`` saw.
struct GitSnapshot: Sendable, Hashable {
  /// Which file a lock is, so that a lock that stays is told from a new one.
  struct FileIdentity: Sendable, Hashable {
    var inode: UInt64
    var modificationTime: Int64
  }

  /// `index.lock`, when it exists.
  var lock: FileIdentity?
  /// The operation markers that exist, in ``GitDirectory/operationMarkers`` order.
  var markers: [String] = []
  /// How long ago the git dir last changed; `nil` when unknown.
  var quietFor: Duration?
}
