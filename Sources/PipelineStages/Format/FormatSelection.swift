import PipelineCore

/// Which changed files the format stage hands to its formatter: those matching an
/// `include` glob or ending with one of the `extensions`; every file when both are empty.
struct FormatSelection: Sendable {
  var include: [GlobPattern]
  /// Without the leading dot.
  var extensions: [String]

  init(include: [GlobPattern], extensions: [String]) {
    self.include = include
    self.extensions = extensions.map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }
  }

  /// The paths of `batch` to format: changed, not removed, and selected.
  func files(in batch: Batch) -> [String] {
    batch.changes.filter { $0.kind != .removed && selects($0.path) }.map(\.path)
  }

  func selects(_ path: String) -> Bool {
    if include.isEmpty && extensions.isEmpty { return true }
    if include.contains(where: { $0.matches(path) }) { return true }
    let name = PathText.lastComponent(path)
    return extensions.contains { name.hasSuffix("." + $0) }
  }
}
