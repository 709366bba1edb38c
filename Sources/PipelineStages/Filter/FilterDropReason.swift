/// Why the filter dropped a change; the `batch-dropped` message of a batch left empty lists
/// the changes by reason: `unchanged content: main.go; ignored by .gitignore: x.log`.
enum FilterDropReason: Sendable, Hashable, CustomStringConvertible {
  /// The path is inside a folder of `exclude_dirs`.
  case inExcludedFolder
  /// Neither an `include` glob nor an `extensions` entry matches the path.
  case notIncluded
  /// An `exclude` glob matches the path.
  case excluded
  /// The file is an editor's swap, backup or temporary file.
  case editorNoise
  /// Git would ignore the path.
  case gitignored(GitignoreMatcher.Source)
  /// The file's content is the same as when the filter last let it through.
  case unchanged
  /// A FIFO, a socket or a device: writing to one, or its times, change no file.
  case notAFile
  /// Made and removed again within the batch (``Change/isTransient``): it existed neither
  /// before nor after.
  case transient
  /// A file recognised as a command's output, changed while a command ran
  /// (``OwnOutputSuspicion``).
  case writtenByCommand

  var description: String {
    switch self {
    case .inExcludedFolder: "in exclude_dirs"
    case .notIncluded: "not in include or extensions"
    case .excluded: "matched exclude"
    case .editorNoise: "editor file"
    case .gitignored(let source): source.description
    case .unchanged: "unchanged content"
    case .notAFile: "not a file or folder (a FIFO, a socket or a device)"
    case .transient: "made and removed again"
    case .writtenByCommand: "written by a command while it ran"
    }
  }

  /// The message for a batch whose changes were all dropped: the paths grouped by reason
  /// (as written: two `.gitignore` files are one reason), in the order the reasons first
  /// occur, at most three paths per reason.
  static func message(for drops: [(reason: FilterDropReason, path: String)]) -> String {
    var order: [String] = []
    var paths: [String: [String]] = [:]
    for drop in drops {
      let reason = drop.reason.description
      if paths[reason] == nil { order.append(reason) }
      paths[reason, default: []].append(drop.path)
    }
    return order.map { reason in
      let all = paths[reason] ?? []
      let more = all.count > 3 ? ", … (\(all.count - 3) more)" : ""
      return "\(reason): " + all.prefix(3).joined(separator: ", ") + more
    }.joined(separator: "; ")
  }
}
