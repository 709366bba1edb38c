@preconcurrency import Glibc

/// The regular files that `pipeline`'s standard output and error are redirected to
/// (`pipeline run > run.log 2>&1`), as absolute paths.
///
/// Such a file may lie in the watched tree: each line written to it would be a change, whose
/// cycle writes more lines, forever. `pipeline run` screens them out of every batch, as it does
/// the `--events` file.
enum RedirectedOutputFiles {
  static func paths() -> [String] {
    var found: [String] = []
    for descriptor in [STDOUT_FILENO, STDERR_FILENO] {
      var info = stat()
      guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
      var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
      let count = readlink("/proc/self/fd/\(descriptor)", &target, target.count - 1)
      guard count > 0 else { continue }
      let path = target[..<count].withUnsafeBufferPointer {
        String(decoding: UnsafeRawBufferPointer($0), as: UTF8.self)
      }
      // A deleted file reads `/path (deleted)`; it is no longer in any tree.
      if path.hasPrefix("/"), !path.hasSuffix(" (deleted)"), !found.contains(path) { found.append(path) }
    }
    return found
  }
}
