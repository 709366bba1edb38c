import Glibc

/// Whole reads and writes on a file descriptor, retried on `EINTR` and short counts: the loop
/// every stage that copies or restores a file needs.
public enum FileBytes {
  /// Writes all of `bytes` to `descriptor`; returns `errno` when a write fails.
  public static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32? {
    var written = 0
    while written < bytes.count {
      let count = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
      if count < 0 {
        if errno == EINTR { continue }
        return errno
      }
      written += count
    }
    return nil
  }

  /// Writes `bytes` to a new or truncated file at `path` through an `O_CLOEXEC` descriptor
  /// (a command started meanwhile does not inherit it); returns `errno` on failure.
  public static func write(_ bytes: [UInt8], toFile path: String, mode: mode_t = 0o644, flags: Int32 = O_CREAT | O_TRUNC) -> Int32? {
    let descriptor = open(path, O_WRONLY | O_CLOEXEC | flags, mode)
    guard descriptor >= 0 else { return errno }
    defer { close(descriptor) }
    return bytes.withUnsafeBytes { writeAll($0, to: descriptor) }
  }
}
