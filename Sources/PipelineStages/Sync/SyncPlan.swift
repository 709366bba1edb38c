import Glibc
import PipelineCore

/// One thing the sync stage does in the target, by path relative to `from` and `target`.
enum SyncOperation: Equatable {
  case copy(String)
  case remove(String)

  var relative: String {
    switch self {
    case .copy(let path), .remove(let path): return path
    }
  }
}

/// Turns batches into ``SyncOperation``s: which changed paths lie in `from`, where they go
/// in the target, and what the startup batch copies.
struct SyncPlan: Sendable {
  /// The pipeline's folder.
  let root: String
  /// The mirrored folder, absolute.
  let from: String
  /// The target folder, absolute.
  let target: String
  let excludedFolders: ExcludedFolders

  /// Why `from` and `target` cannot work together, if they cannot: a target inside the
  /// folder it mirrors would copy itself into itself.
  var overlapProblem: String? {
    if target == from { return "'target' is the folder it mirrors" }
    if target.hasPrefix(from == "/" ? "/" : from + "/") {
      return "'target' (\(target)) is inside the folder it mirrors (\(from))"
    }
    return nil
  }

  /// The operations for the changes of `batch` that lie in `from` and outside excluded
  /// folders. A rename is a removal of the old path and a copy of the new one; a change to
  /// a path that no longer exists is a removal.
  func operations(for batch: Batch, mirroringRemovals: Bool) -> [SyncOperation] {
    var result: [SyncOperation] = []
    for change in batch.changes {
      if let previous = change.previousPath, mirroringRemovals, let relative = relativeToFrom(previous) {
        result.append(.remove(relative))
      }
      guard let relative = relativeToFrom(change.path) else { continue }
      var info = stat()
      let exists = lstat(from + "/" + relative, &info) == 0
      if change.kind != .removed, exists {
        result.append(.copy(relative))
      } else if mirroringRemovals, !exists {
        result.append(.remove(relative))
      }
    }
    return result
  }

  /// Copies of every file under `from` whose size, modification time or mode differs in the
  /// target (or that the target lacks), skipping excluded folders.
  func startupCopies() -> [SyncOperation] {
    var result: [SyncOperation] = []
    var folders = [""]
    while let folder = folders.popLast() {
      guard let entries = DirectoryWalker.entries(of: folder.isEmpty ? from : from + "/" + folder) else { continue }
      for entry in entries {
        let relative = folder.isEmpty ? entry.name : folder + "/" + entry.name
        if entry.isDirectory {
          let inTree = PathText.relative(from + "/" + relative, to: root)
          if !excludedFolders.excludes(folder: inTree) { folders.append(relative) }
        } else if differs(relative) {
          result.append(.copy(relative))
        }
      }
    }
    return result
  }

  /// The path of a target entry relative to the pipeline's folder, when the target lies
  /// inside it (its writes are then seen by the watcher); otherwise `nil`.
  func pathInTree(of relative: String) -> String? {
    let path = PathText.relative(target + "/" + relative, to: root)
    return path.hasPrefix("../") ? nil : path
  }

  /// `path` (relative to the pipeline's folder) relative to `from`, when it lies inside
  /// `from` and outside the excluded folders.
  private func relativeToFrom(_ path: String) -> String? {
    guard !excludedFolders.contains(path) else { return nil }
    let relative = PathText.relative(PathText.join(root, path), to: from)
    if relative == "." || relative == ".." || relative.hasPrefix("../") { return nil }
    return relative
  }

  private func differs(_ relative: String) -> Bool {
    var source = stat()
    var copy = stat()
    guard lstat(from + "/" + relative, &source) == 0 else { return false }
    guard lstat(target + "/" + relative, &copy) == 0 else { return true }
    return source.st_size != copy.st_size || source.st_mtim.tv_sec != copy.st_mtim.tv_sec
      || source.st_mtim.tv_nsec != copy.st_mtim.tv_nsec || source.st_mode != copy.st_mode
  }
}
