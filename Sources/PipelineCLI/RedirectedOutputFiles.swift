@preconcurrency import Glibc
import PipelineCore

/// The regular files that `pipeline`'s standard output and error end up in, as absolute paths:
/// a redirection (`pipeline run > run.log 2>&1`), or a program that reads them through a pipe
/// and writes a file (`pipeline run | tee run.log`).
///
/// Such a file may lie in the watched tree: each line written to it would be a change, whose
/// cycle writes more lines, forever. `pipeline run` screens them out of every batch, as it does
/// the `--events` file.
enum RedirectedOutputFiles {
  static func paths() -> [String] {
    var found: [String] = []
    var pipes: Set<String> = []
    for descriptor in [STDOUT_FILENO, STDERR_FILENO] {
      var info = stat()
      guard fstat(descriptor, &info) == 0 else { continue }
      switch info.st_mode & S_IFMT {
      case S_IFREG:
        if let path = writtenFile(link: "/proc/self/fd/\(descriptor)"), !found.contains(path) { found.append(path) }
      case S_IFIFO:
        pipes.insert("pipe:[\(info.st_ino)]")
      default:
        continue
      }
    }
    if !pipes.isEmpty {
      for path in filesWritten(byReadersOf: pipes) where !found.contains(path) { found.append(path) }
    }
    return found
  }

  /// The regular files open for writing in the other processes of `pipeline`'s process group
  /// that hold one of `pipes` (`pipe:[INODE]`): the other end of a shell pipeline such as
  /// `pipeline run | tee run.log`, which the shell starts in the same group.
  private static func filesWritten(byReadersOf pipes: Set<String>) -> [String] {
    var found: [String] = []
    for pid in ProcessDescriptors.processes(inGroup: getpgrp()) where pid != getpid() {
      let links = ProcessDescriptors.links(of: pid)
      guard links.contains(where: { pipes.contains($0.target) }) else { continue }
      for link in links where link.target.hasPrefix("/") {
        guard ProcessDescriptors.isOpenForWriting(pid: pid, descriptor: link.descriptor),
          let path = writtenFile(link: "/proc/\(pid)/fd/\(link.descriptor)"), !found.contains(path)
        else { continue }
        found.append(path)
      }
    }
    return found
  }

  /// The path a descriptor link names when it is a regular file that still exists.
  private static func writtenFile(link: String) -> String? {
    var info = stat()
    guard stat(link, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(link, &target, target.count - 1)
    guard count > 0 else { return nil }
    let path = target[..<count].withUnsafeBufferPointer { String(decoding: UnsafeRawBufferPointer($0), as: UTF8.self) }
    // A deleted file reads `/path (deleted)`; it is no longer in any tree.
    return path.hasPrefix("/") && !path.hasSuffix(" (deleted)") ? path : nil
  }
}
