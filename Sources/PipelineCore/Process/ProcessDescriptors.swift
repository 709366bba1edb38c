@preconcurrency import Glibc

/// What `/proc` says about the processes of this machine and their open descriptors: which
/// process holds a socket or a pipe (`socket:[INODE]`, `pipe:[INODE]`), and which files another
/// process writes. Processes of another user cannot be read and are not found.
package enum ProcessDescriptors {
  /// One open descriptor of a process and what it links to: a path, `pipe:[…]`, `socket:[…]`.
  package struct Link: Sendable, Equatable {
    package var descriptor: Int32
    package var target: String
  }

  /// The pids of the running processes, of process group `group` only when given.
  package static func processes(inGroup group: pid_t? = nil) -> [pid_t] {
    guard let folder = opendir("/proc") else { return [] }
    defer { closedir(folder) }
    var pids: [pid_t] = []
    while let entry = readdir(folder) {
      guard let pid = pid_t(entryName(entry)), pid > 0 else { continue }
      if let group, getpgid(pid) != group { continue }
      pids.append(pid)
    }
    return pids
  }

  /// The open descriptors of `pid` (`/proc/PID/fd`); empty when they cannot be read.
  package static func links(of pid: pid_t) -> [Link] {
    guard let folder = opendir("/proc/\(pid)/fd") else { return [] }
    defer { closedir(folder) }
    var links: [Link] = []
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    while let entry = readdir(folder) {
      guard let descriptor = Int32(entryName(entry)) else { continue }
      let count = readlink("/proc/\(pid)/fd/\(descriptor)", &buffer, buffer.count - 1)
      guard count > 0 else { continue }
      let target = buffer[..<count].withUnsafeBufferPointer {
        String(decoding: UnsafeRawBufferPointer($0), as: UTF8.self)
      }
      links.append(Link(descriptor: descriptor, target: target))
    }
    return links
  }

  /// Whether descriptor `descriptor` of `pid` was opened to write (`/proc/PID/fdinfo`'s flags).
  package static func isOpenForWriting(pid: pid_t, descriptor: Int32) -> Bool {
    guard case .success(let bytes) = FileBytes.read(contentsOf: "/proc/\(pid)/fdinfo/\(descriptor)") else { return false }
    let text = String(decoding: bytes, as: UTF8.self)
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }),
      let octal = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).last, let flags = Int32(octal, radix: 8)
    else { return false }
    return flags & O_ACCMODE != O_RDONLY
  }

  /// The name of a folder entry `readdir` returned.
  private static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
    withUnsafePointer(to: entry.pointee.d_name) {
      $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
    }
  }
}
