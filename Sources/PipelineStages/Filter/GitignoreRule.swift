/// One pattern line of a `.gitignore` (or `.git/info/exclude`) file, read with git's rules
/// (`gitignore(5)`, and `dir.c` in git's source):
///
/// - A blank line, or a line starting with `#`, holds no pattern. `\#` starts a pattern with
///   a literal `#`.
/// - A trailing `\r` (a CRLF file) is removed, then trailing spaces unless escaped (`foo\ `).
/// - `!` first negates the pattern: a path it matches is included again. `\!` starts a
///   pattern with a literal `!`.
/// - A trailing `/` limits the pattern to directories, and is then removed.
/// - A pattern with no other `/` matches the *name* of a file or folder at any depth below the
///   `.gitignore`'s folder (`*.log`, `build/`). A `/` at the start or in the middle anchors it
///   to that folder instead: `/build`, `doc/*.txt`.
/// - `*`, `?`, `[a-z]`, `[!a]` never match `/`; `**/x`, `x/**` and `a/**/b` match any number
///   of folders; `\` makes the next character literal. Braces have no meaning (unlike in
///   ``GlobPattern``): `{a,b}` is literal text.
///
/// A pattern git could not match either (an unclosed `[`) matches nothing, as in git.
/// POSIX classes such as `[[:alpha:]]` and `core.ignoreCase` are not supported.
struct GitignoreRule: Sendable, Hashable {
  /// The line as written, for messages and tests.
  let text: String
  /// `true` for a `!` pattern: a match includes the path again.
  let isNegated: Bool
  /// `true` when the pattern ended with `/`.
  let matchesDirectoriesOnly: Bool
  /// `true` when the pattern has no `/` (but a trailing one): it matches names at any depth.
  let matchesNameOnly: Bool
  /// The compiled pattern, or `nil` when it cannot match anything.
  private let pattern: GlobPattern?

  /// Reads one line; `nil` when it holds no pattern (blank, a comment, or nothing left).
  init?(line: Substring) {
    var scalars = Array(line.unicodeScalars)
    if scalars.last == "\r" { scalars.removeLast() }
    guard let first = scalars.first, first != "#" else { return nil }
    Self.trimTrailingSpaces(&scalars)
    var body = scalars[...]
    isNegated = body.first == "!"
    if isNegated { body = body.dropFirst() }
    var directoriesOnly = false
    if body.last == "/" {
      directoriesOnly = true
      body = body.dropLast()
    }
    guard !body.isEmpty else { return nil }
    matchesDirectoriesOnly = directoriesOnly
    matchesNameOnly = !body.contains("/")
    // Anchored patterns are matched against the path below the .gitignore's folder, which
    // has no leading `/`.
    if body.first == "/" { body = body.dropFirst() }
    text = String(String.UnicodeScalarView(scalars))
    pattern = try? GlobPattern(Self.globText(body))
  }

  /// Whether the rule matches `path`, relative to the folder of the file the rule is in.
  ///
  /// - Parameters:
  ///   - path: A relative path with `/` separators, such as `src/app.log`.
  ///   - isDirectory: Whether `path` names a folder; needed for patterns ending in `/`.
  func matches(_ path: Substring, isDirectory: Bool) -> Bool {
    guard let pattern, isDirectory || !matchesDirectoriesOnly else { return false }
    if matchesNameOnly {
      let name = path.lastIndex(of: "/").map { path[path.index(after: $0)...] } ?? path
      return pattern.matches(String(name), isDirectory: false)
    }
    return pattern.matches(String(path), isDirectory: false)
  }

  /// Git's `trim_trailing_spaces`: removes trailing spaces, but not one escaped with `\`
  /// (nor the spaces before it). Tabs are kept.
  private static func trimTrailingSpaces(_ scalars: inout [Unicode.Scalar]) {
    var lastSpace: Int?
    var index = 0
    while index < scalars.count {
      switch scalars[index] {
      case " ":
        if lastSpace == nil { lastSpace = index }
      case "\\":
        index += 1
        if index == scalars.count { return }
        lastSpace = nil
      default:
        lastSpace = nil
      }
      index += 1
    }
    if let lastSpace { scalars.removeSubrange(lastSpace...) }
  }

  /// The pattern in ``GlobPattern`` syntax: the same, but with braces made literal, since
  /// git gives them no meaning.
  private static func globText(_ body: ArraySlice<Unicode.Scalar>) -> String {
    var result = String.UnicodeScalarView()
    var iterator = body.makeIterator()
    while let scalar = iterator.next() {
      switch scalar {
      case "\\":
        result.append(scalar)
        if let escaped = iterator.next() { result.append(escaped) }
      case "{", "}":
        result.append("\\")
        result.append(scalar)
      default:
        result.append(scalar)
      }
    }
    return String(result)
  }
}
