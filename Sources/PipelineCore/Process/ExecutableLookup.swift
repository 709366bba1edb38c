@preconcurrency import Glibc

/// Finds a program the way a shell does.
enum ExecutableLookup {
  static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

  /// `program` itself when it has a `/` (relative ones against `workingDirectory`), else the
  /// first executable regular file named `program` in a `PATH` folder. A relative program
  /// fails with the missing `workingDirectory` when that folder does not exist.
  static func find(_ program: String, path: String, workingDirectory: String) throws(LaunchError)
    -> String
  {
    var folder = stat()
    if !program.hasPrefix("/"), stat(workingDirectory, &folder) != 0 {
      // Relative programs (and PATH's relative folders) are found from a folder that is not
      // there: say that, not "command not found".
      throw .failed(program: program, errno: ENOENT, reason: "working directory \(workingDirectory) does not exist")
    }
    // Bytes, not `contains("/")`: with Foundation imported that resolves to a locale-aware
    // search, a few microseconds on every command start.
    if program.utf8.contains(UInt8(ascii: "/")) {
      let absolute = program.hasPrefix("/") ? program : workingDirectory + "/" + program
      guard access(absolute, F_OK) == 0 else { throw .notFound(program) }
      return program
    }
    for folder in path.split(separator: ":", omittingEmptySubsequences: false) {
      let base = folder.isEmpty ? workingDirectory[...] : folder
      let relativeTo = base.hasPrefix("/") ? nil : workingDirectory
      if isExecutableFile(relativeTo, base, program) {
        return relativeTo.map { $0 + "/" + base + "/" + program } ?? base + "/" + program
      }
    }
    throw .notFound(program)
  }

  /// Whether `[folder/]base/program` names an executable regular file. The path is written to
  /// a buffer on the stack: a string per `PATH` folder, copied again for each C call, made a
  /// dozen allocations per command start.
  private static func isExecutableFile(_ folder: String?, _ base: Substring, _ program: String) -> Bool {
    let count = (folder.map { $0.utf8.count + 1 } ?? 0) + base.utf8.count + 1 + program.utf8.count
    return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count + 1) { buffer in
      var end = 0
      func put<Text: Sequence<UInt8>>(_ bytes: Text) {
        end = UnsafeMutableBufferPointer(rebasing: buffer[end...]).initialize(from: bytes).1 + end
      }
      if let folder {
        put(folder.utf8)
        put(CollectionOfOne(UInt8(ascii: "/")))
      }
      put(base.utf8)
      put(CollectionOfOne(UInt8(ascii: "/")))
      put(program.utf8)
      buffer[end] = 0
      return buffer.withMemoryRebound(to: CChar.self) { path in
        var info = stat()
        return stat(path.baseAddress!, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
          && access(path.baseAddress!, X_OK) == 0
      }
    }
  }
}
