/// The rules of one `.gitignore` (or `.git/info/exclude`) file, which apply to the paths
/// below its folder. Within one file the last matching line decides.
struct GitignoreFile: Sendable, Hashable {
  /// The file's rules, in the order of their lines.
  let rules: [GitignoreRule]

  /// Reads the file's text: one pattern per line; a UTF-8 byte order mark is skipped.
  init(text: String) {
    var scalars = Substring(text).unicodeScalars
    if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
    // Split on scalars: as Characters, "\r\n" is one and would not split at "\n".
    rules = scalars.split(separator: "\n").compactMap { GitignoreRule(line: Substring($0)) }
  }

  /// The last rule that matches `path`, or `nil` when none does.
  ///
  /// - Parameters:
  ///   - path: The path relative to this file's folder.
  ///   - isDirectory: Whether `path` names a folder.
  func lastMatch(for path: Substring, isDirectory: Bool) -> GitignoreRule? {
    rules.last { $0.matches(path, isDirectory: isDirectory) }
  }
}
