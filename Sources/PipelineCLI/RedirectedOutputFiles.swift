@preconcurrency import Glibc

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
    let group = getpgrp()
    let own = getpid()
    guard let processes = opendir("/proc") else { return [] }
    defer { closedir(processes) }
    var found: [String] = []
    while let entry = readdir(processes) {
      let name = entryName(entry)
      guard let pid = pid_t(name), pid != own, getpgid(pid) == group else { continue }
      let links = descriptorLinks(of: pid)
      guard links.contains(where: { pipes.contains($0.target) }) else { continue }
      for link in links where link.target.hasPrefix("/") && isOpenForWriting(pid: pid, descriptor: link.descriptor) {
        if let path = writtenFile(link: "/proc/\(pid)/fd/\(link.descriptor)"), !found.contains(path) {
          found.append(path)
        }
      }
    }
    return found
  }

  /// Each open descriptor of `pid` with what it links to (a path, `pipe:[…]`, `socket:[…]`).
  private static func descriptorLinks(of pid: pid_t) -> [(descriptor: String, target: String)] {
    guard let folder = opendir("/proc/\(pid)/fd") else { return [] }
    defer { closedir(folder) }
    var links: [(String, String)] = []
    while let entry = readdir(folder) {
      let descriptor = entryName(entry)
      guard descriptor.first?.isNumber == true, let target = readLink("/proc/\(pid)/fd/\(descriptor)") else { continue }
      links.append((descriptor, target))
    }
    return links
  }

  /// Whether `/proc/PID/fdinfo/FD` says the descriptor was opened to write.
  private static func isOpenForWriting(pid: pid_t, descriptor: String) -> Bool {
    let file = open("/proc/\(pid)/fdinfo/\(descriptor)", O_RDONLY | O_CLOEXEC)
    guard file >= 0 else { return false }
    defer { close(file) }
    var bytes = [UInt8](repeating: 0, count: 256)
    let count = read(file, &bytes, bytes.count)
    guard count > 0 else { return false }
    let text = String(decoding: bytes[..<count], as: UTF8.self)
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }),
      let octal = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).last, let flags = Int32(octal, radix: 8)
    else { return false }
    return flags & O_ACCMODE != O_RDONLY
  }

  /// The path a descriptor link names when it is a regular file that still exists.
  private static func writtenFile(link: String) -> String? {
    var info = stat()
    guard stat(link, &info) == 0, info.st_mode & S_IFMT == S_IFREG, let path = readLink(link) else { return nil }
    // A deleted file reads `/path (deleted)`; it is no longer in any tree.
    return path.hasPrefix("/") && !path.hasSuffix(" (deleted)") ? path : nil
  }

  private static func readLink(_ path: String) -> String? {
    var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &target, target.count - 1)
    guard count > 0 else { return nil }
    return target[..<count].withUnsafeBufferPointer {
      String(decoding: UnsafeRawBufferPointer($0), as: UTF8.self)
    }
  }

  private static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
    withUnsafePointer(to: entry.pointee.d_name) {
      $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
    }
  }
}
