import PipelineCore

/// The folders of the filter's `exclude_dirs`: a path inside one of them is dropped.
///
/// - A bare name (`tmp`, `node_modules`) is a folder of that name at any depth: `tmp/x`,
///   `api/tmp/x`.
/// - A name with a `/` (`build/out`, `./tmp`) is a path relative to the pipeline's folder:
///   only that one folder.
///
/// A trailing `/` is ignored, and names are taken literally (no globs). Only what is
/// *inside* a folder is matched, not the folder's own path, as for `dir/` patterns: a file
/// may have the folder's name. (The filter drops the folder's own change all the same when it
/// does not know the path as a file: ``FilterRules/contentsDropReason(ofFolder:)``.)
struct ExcludedFolders: Sendable, Hashable {
  /// Folder names excluded at any depth.
  let names: Set<String>
  /// Folder paths relative to the pipeline's folder, normalised.
  let paths: [String]

  /// Reads `exclude_dirs` entries, each of which must pass ``problem(with:)``.
  init(_ entries: [String]) {
    var names = Set<String>()
    var paths: [String] = []
    for entry in entries {
      let trimmed = Self.trimmingTrailingSlashes(entry)
      if trimmed.contains("/") { paths.append(PathText.normalize(trimmed)) } else { names.insert(trimmed) }
    }
    self.names = names
    self.paths = paths
  }

  /// Reads an `exclude_dirs` key: folder names or paths below the pipeline's folder, each
  /// checked by ``problem(with:)`` with the error located at the key's value.
  static func option(
    _ options: StageOptions, default defaultEntries: [String], example: String, help: String
  ) throws -> ExcludedFolders {
    let entries = try options.value("exclude_dirs", default: defaultEntries, help: help)
    for (index, entry) in entries.enumerated() {
      if let problem = problem(with: entry) {
        try options.reject(
          "exclude_dirs", "\(problem) in 'exclude_dirs'", at: options.item(index, of: "exclude_dirs"),
          help: entry.isMeantAsAGlob
            ? "write folder names (\(example)) or paths below the pipeline's folder (build/out); for a glob, use the filter's exclude: [\"**/gen/**\"]"
            : "write folder names (\(example)) or paths below the pipeline's folder (build/out)")
      }
    }
    return ExcludedFolders(entries)
  }

  /// What is wrong with an entry, or `nil` when it is fine: it must name a folder below the
  /// pipeline's folder.
  static func problem(with entry: String) -> String? {
    let trimmed = trimmingTrailingSlashes(entry)
    if trimmed.hasPrefix("/") { return "'\(entry)' is an absolute path" }
    let normalized = PathText.normalize(trimmed)
    if trimmed.isEmpty || normalized == "." { return "'\(entry)' would exclude every path" }
    if entry.isMeantAsAGlob { return "'\(entry)' is a glob, and folder names are taken as written" }
    return nil
  }

  /// Whether `path` (relative to the pipeline's folder) lies inside an excluded folder.
  func contains(_ path: String) -> Bool {
    guard let slash = path.lastIndex(of: "/") else { return false }
    return excludes(folder: path[..<slash])
  }

  /// Whether the folder `folder` (relative to the pipeline's folder) is excluded, or lies
  /// inside an excluded folder.
  func excludes<Path: StringProtocol>(folder: Path) -> Bool {
    if !names.isEmpty, folder.split(separator: "/").contains(where: { names.contains(String($0)) }) {
      return true
    }
    return paths.contains { excluded in
      folder == excluded
        || (folder.hasPrefix(excluded) && folder.utf8.dropFirst(excluded.utf8.count).first == UInt8(ascii: "/"))
    }
  }

  private static func trimmingTrailingSlashes(_ entry: String) -> String {
    var text = Substring(entry)
    while text.count > 1, text.hasSuffix("/") { text = text.dropLast() }
    return String(text)
  }
}
