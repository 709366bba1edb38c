import Glibc
import PipelineCore

/// A file's content before a formatter runs, to tell what the formatter changed and, for
/// a check, to put the file back as it was.
struct FileSnapshot: Sendable {
  let path: String
  let content: FileContent
  /// The bytes, when the file may have to be put back.
  let bytes: [UInt8]?

  init(path: String, keepingBytes: Bool) {
    self.path = path
    content = FileContent.read(path)
    bytes = keepingBytes ? Self.readBytes(path) : nil
  }

  /// `true` when the file is still there and holds something else than at the snapshot: a
  /// formatter's rewrite. A file gone meanwhile (a `git checkout` removed it while the
  /// formatter ran) was not formatted, and is not put back.
  func wasRewritten() -> Bool {
    let now = FileContent.read(path)
    if case .absent = now { return false }
    return !now.isSame(as: content)
  }

  /// Writes the snapshot's bytes back into the file, in place, so that its inode, owner and
  /// mode stay as they are. Returns what went wrong, if anything.
  func restore() -> String? {
    guard let bytes else { return "its content was not kept" }
    // In place (no O_CREAT, no rename), so the file keeps its inode, owner and mode.
    return FileBytes.write(bytes, toFile: path, flags: O_TRUNC | O_NOFOLLOW).map { String(cString: strerror($0)) }
  }

  static func isRegularFile(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
  }

  private static func readBytes(_ path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 << 10)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if count == 0 { return result }
      result.append(contentsOf: buffer[..<count])
    }
  }
}
