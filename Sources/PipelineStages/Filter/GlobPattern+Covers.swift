extension GlobPattern {
  /// Whether the pattern matches the file `path` — or, for a directory pattern such as
  /// `tmp/`, one of the folders `path` is in (as in `.gitignore`).
  func covers(_ path: String) -> Bool {
    guard matchesDirectoriesOnly else { return matches(path) }
    var folder = path[...]
    while let slash = folder.lastIndex(of: "/") {
      folder = folder[..<slash]
      if matches(String(folder), isDirectory: true) { return true }
    }
    return false
  }
}
