@preconcurrency import Glibc

/// Finds a program the way a shell does.
enum ExecutableLookup {
  static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

  /// `program` itself when it has a `/` (relative ones against `workingDirectory`), else the
  /// first executable regular file named `program` in a `PATH` folder. A relative program
  /// fails with the missing `workingDirectory` when that folder does not exist.
  ///
  /// A program found on `PATH` is remembered in `cache` until something changes in a `PATH`
  /// folder (``ExecutableCache``).
  static func find(
    _ program: String, path: String, workingDirectory: String, cache: ExecutableCache = .shared
  ) throws(LaunchError) -> String {
    let hasSlash = program.utf8.contains(UInt8(ascii: "/"))
    // A hit needs no look at the working directory: a spawn that fails for want of it says so
    // (Spawn.error).
    if !hasSlash, let file = cache.file(for: program, path: path) { return file }
    var folder = stat()
    if !program.hasPrefix("/"), stat(workingDirectory, &folder) != 0 {
      // Relative programs (and PATH's relative folders) are found from a folder that is not
      // there: say that, not "command not found".
      throw .failed(program: program, errno: ENOENT, reason: "working directory \(workingDirectory) does not exist")
    }
    // Bytes, not `contains("/")`: with Foundation imported that resolves to a locale-aware
    // search, a few microseconds on every command start.
    if hasSlash {
      let absolute = program.hasPrefix("/") ? program : workingDirectory + "/" + program
      guard access(absolute, F_OK) == 0 else { throw .notFound(program) }
      return program
    }
    for folder in path.split(separator: ":", omittingEmptySubsequences: false) {
      // A relative PATH folder (rare) is found from the working directory.
      let base =
        folder.isEmpty ? workingDirectory[...] : folder.hasPrefix("/") ? folder : (workingDirectory + "/" + folder)[...]
      if withJoinedCPath(base, program, isExecutableFile) {
        let file = base + "/" + program
        cache.remember(file, for: program, path: path)
        return file
      }
    }
    throw .notFound(program)
  }

  /// Whether `path` is a regular file this process may execute.
  static func isExecutableFile(_ path: UnsafePointer<CChar>) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
  }
}
