import Glibc

/// What a path holds, as far as telling "the same bytes" from "something else" goes: the
/// size and a hash of the content of a regular file, or that nothing is there.
///
/// Used to recognise a file that still holds what a stage wrote into it. The hash comes
/// from `Hasher`, whose seed is fixed for the life of the process, so readings compare
/// within one run only.
public enum FileContent: Sendable, Hashable {
  /// A regular file: its size and the hash of its bytes.
  case file(size: Int, hash: Int)
  /// Nothing at the path.
  case absent
  /// Something that is not a regular file (a folder, a socket), or a file that could not
  /// be read. It never equals another reading.
  case unreadable

  /// How much is read at a time.
  public static let chunkSize = 64 << 10

  /// Reads what `path` holds now (a symlink is followed).
  public static func read(_ path: String) -> FileContent {
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard descriptor >= 0 else { return errno == ENOENT || errno == ENOTDIR ? .absent : .unreadable }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return .unreadable }
    guard let (size, hash) = hashContents(of: descriptor, size: Int(info.st_size)) else { return .unreadable }
    return .file(size: size, hash: hash)
  }

  /// Reads an open file to its end in chunks (never whole) into a `Hasher`: how many bytes
  /// were read and their hash, or `nil` when a read fails.
  ///
  /// - Parameter expectedSize: The size `fstat` gave, if known. A read that returns less than
  ///   asked and brings the total to exactly that size is taken as the end, without the read
  ///   that would return 0 (one system call fewer for the small file a save hashes). A file
  ///   that grew in between fills the read or passes the size, and is read on to its end.
  public static func hashContents(of descriptor: Int32, size expectedSize: Int? = nil) -> (size: Int, hash: Int)? {
    var hasher = Hasher()
    var size = 0
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
      if count < 0 {
        if errno == EINTR { continue }
        return nil
      }
      if count == 0 { return (size, hasher.finalize()) }
      hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
      size += count
      if count < buffer.count, size == expectedSize { return (size, hasher.finalize()) }
    }
  }

  /// `true` when both readings say the same bytes, or both say nothing is there.
  public func isSame(as other: FileContent) -> Bool {
    self != .unreadable && self == other
  }
}
