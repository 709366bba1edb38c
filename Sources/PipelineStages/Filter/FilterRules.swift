import PipelineCore

/// The filter's rules about paths — everything but content: `exclude_dirs`, `include` and
/// `extensions`, `exclude`, editor files and `.gitignore`, asked in that order (the first
/// that drops a path gives the reason).
///
/// A path is *included* when `include` and `extensions` are both empty, or when it matches
/// an `include` glob **or** ends with one of the `extensions`.
///
/// A value type: the filter's loop and its background baseline each own a copy, with its
/// own cache of `.gitignore` files.
struct FilterRules: Sendable {
  var include: [GlobPattern]
  /// Extensions without their leading `.`: `go`, `tar.gz`.
  var extensions: [String]
  var exclude: [GlobPattern]
  var excludedFolders: ExcludedFolders
  var ignoresEditorNoise: Bool
  /// `nil` when `gitignore: false`.
  var gitignore: GitignoreMatcher?

  /// Why `path` is dropped, or `nil` when it passes.
  ///
  /// A `.gitignore` file passes even when a pattern matches it (so that an edit of one is
  /// seen), unless it lies in an ignored folder.
  ///
  /// - Parameters:
  ///   - path: A path relative to the pipeline's folder.
  ///   - isDirectory: Whether it names a folder, or `nil` when that is unknown (the path is
  ///     gone): it is then dropped if git would ignore either a file or a folder there.
  mutating func dropReason(for path: String, isDirectory: Bool?) -> FilterDropReason? {
    if excludedFolders.contains(path) { return .inExcludedFolder }
    if !includes(path) { return .notIncluded }
    if exclude.contains(where: { $0.covers(path) }) { return .excluded }
    if ignoresEditorNoise, EditorNoise.matches(PathText.lastComponent(path)) { return .editorNoise }
    guard gitignore != nil else { return nil }
    let source: GitignoreMatcher.Source?
    if GitignoreMatcher.isIgnoreFile(path) {
      let folder = path.lastIndex(of: "/").map { String(path[..<$0]) }
      source = folder.flatMap { gitignore?.ignoreSource(for: $0, isDirectory: true) }
    } else if let isDirectory {
      source = gitignore?.ignoreSource(for: path, isDirectory: isDirectory)
    } else {
      source =
        gitignore?.ignoreSource(for: path, isDirectory: false)
        ?? gitignore?.ignoreSource(for: path, isDirectory: true)
    }
    return source.map(FilterDropReason.gitignored)
  }

  /// Why everything inside the folder at `path` is dropped, or `nil` when something could pass:
  /// asked of a folder's own change (`rm -rf out` reports `out` removed), which would otherwise
  /// pass although `exclude_dirs: [out]`, `exclude: ["out/**"]` or a `.gitignore` line `out/*`
  /// drops all it held. Only the exclusions count; `include` and `extensions` do not (a folder
  /// has no extension, yet what it held may have).
  mutating func contentsDropReason(ofFolder path: String) -> FilterDropReason? {
    // A name no pattern of files names: only rules that take the whole folder match it.
    let inside = path + "/\u{1}"
    if excludedFolders.contains(inside) { return .inExcludedFolder }
    if exclude.contains(where: { $0.covers(inside) }) { return .excluded }
    return gitignore?.ignoreSource(for: inside, isDirectory: false).map(FilterDropReason.gitignored)
  }

  /// Whether `include` or `extensions` let `path` in.
  func includes(_ path: String) -> Bool {
    if include.isEmpty && extensions.isEmpty { return true }
    if include.contains(where: { $0.covers(path) }) { return true }
    let name = PathText.lastComponent(path)
    return extensions.contains { ext in
      name.utf8.count > ext.utf8.count + 1 && name.hasSuffix(ext)
        && name.utf8.dropLast(ext.utf8.count).last == UInt8(ascii: ".")
    }
  }
}
