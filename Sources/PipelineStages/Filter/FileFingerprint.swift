import Glibc
import PipelineCore

/// What the filter remembers of a file's content, to tell a real edit from a `touch` or a
/// save without changes.
///
/// A file up to ``contentLimit`` is hashed: its bytes are read in chunks of
/// ``chunkSize`` (never whole, by ``FileContent/hashContents(of:)``) into a `Hasher`, whose seed is fixed for the life of the
/// process, which is as long as fingerprints are kept. A larger file is fingerprinted by
/// its size and modification time instead, so a `touch` of it counts as a change.
///
/// The permission bits are part of it: a `chmod +x` is a change a build, a restart or a sync
/// must see, though the content stays.
struct FileFingerprint: Sendable, Hashable {
  /// Files larger than this (64 MiB) are fingerprinted by size and modification time.
  static let contentLimit = 64 << 20
  /// How much is read at a time.
  static let chunkSize = FileContent.chunkSize

  /// What identifies the content.
  enum Summary: Sendable, Hashable {
    /// The hash of every byte.
    case contentHash(Int)
    /// The modification time in nanoseconds since 1970, for a file above the limit.
    case modificationTime(Int)
  }

  /// The size, shifted left by 13; above the lowest bit, the 12 permission bits; the lowest
  /// bit set for a ``Summary/modificationTime(_:)``. Two words instead of four (an enum with a
  /// payload takes a byte more than its payload), for the fingerprint store of a big tree;
  /// 50 bits of size are a petabyte.
  private let sizeAndKind: Int
  /// The hash or the modification time.
  private let value: Int

  private static let permissionMask = 0o7777

  /// - Parameter permissions: `st_mode`'s permission bits (`0o755`); other bits are ignored.
  init(size: Int, summary: Summary, permissions: Int = 0) {
    let sizeAndPermissions = size << 13 | (permissions & Self.permissionMask) << 1
    switch summary {
    case .contentHash(let hash): (sizeAndKind, value) = (sizeAndPermissions, hash)
    case .modificationTime(let time): (sizeAndKind, value) = (sizeAndPermissions | 1, time)
    }
  }

  /// The file's size in bytes.
  var size: Int { sizeAndKind >> 13 }

  /// The permission bits, as `st_mode & 0o7777`.
  var permissions: Int { (sizeAndKind >> 1) & Self.permissionMask }

  var summary: Summary {
    sizeAndKind & 1 == 0 ? .contentHash(value) : .modificationTime(value)
  }

  /// A fingerprint and the file's modification time, as read together.
  struct Reading: Sendable {
    var fingerprint: FileFingerprint
    /// The modification time after the read, in nanoseconds since 1970.
    var modificationTime: Int
  }

  /// Reads the regular file at `path` (following a symlink); `nil` when it is missing,
  /// unreadable or not a regular file (a folder, a FIFO, a device).
  ///
  /// - Parameters:
  ///   - contentLimit: Above this size, the modification time stands in for the content.
  static func read(_ path: String, contentLimit: Int = FileFingerprint.contentLimit) -> Reading? {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
    // withCString: passing the String itself copies it into a new C array.
    let descriptor = path.withCString { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    guard info.st_size <= contentLimit else {
      let time = modificationTime(info)
      return Reading(
        fingerprint: FileFingerprint(size: Int(info.st_size), summary: .modificationTime(time), permissions: Int(info.st_mode)),
        modificationTime: time)
    }
    guard let (size, hash) = FileContent.hashContents(of: descriptor, size: Int(info.st_size)) else { return nil }
    // The time after reading: a write during the read shows as a later time.
    guard fstat(descriptor, &info) == 0 else { return nil }
    return Reading(
      fingerprint: FileFingerprint(size: size, summary: .contentHash(hash), permissions: Int(info.st_mode)),
      modificationTime: modificationTime(info))
  }

  private static func modificationTime(_ info: stat) -> Int {
    info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec
  }
}
