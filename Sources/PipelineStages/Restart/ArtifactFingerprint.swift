@preconcurrency import Glibc

/// The content of a built file, summarised to tell whether a rebuild changed it: its size
/// and a hash of every byte. An edit of a Go comment that moves no line gives a byte-identical
/// binary when it is built with `-ldflags=-buildid=`, and `restart` keeps the running app then.
struct ArtifactFingerprint: Sendable, Hashable {
  let size: Int
  let hash: Int

  /// Reads the file at `path`; `nil` when it cannot be read.
  init?(path: String) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var hasher = Hasher()
    var size = 0
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if count == 0 { break }
      buffer.withUnsafeBytes { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
      size += count
    }
    self.size = size
    hash = hasher.finalize()
  }
}
