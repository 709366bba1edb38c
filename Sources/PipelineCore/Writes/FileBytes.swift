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

  /// The whole content of the file at `path`; `errno` when it cannot be opened or read.
  public static func read(contentsOf path: String) -> Result<[UInt8], FileError> {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return .failure(FileError(code: errno)) }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
      let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        return .failure(FileError(code: errno))
      }
      if count == 0 { return .success(bytes) }
      bytes += chunk[..<count]
    }
  }

  /// An `errno` from a file operation, as an `Error`.
  public struct FileError: Error, Sendable, Hashable {
    public var code: Int32
  }
}
