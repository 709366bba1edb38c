/// How ``FingerprintStore`` and ``OwnOutputSuspicion`` file a path: 128 bits of two hashes of
/// its text, instead of the text itself.
///
/// A path of more than 15 bytes is a heap string of 48 to 80 bytes in Swift; on a tree of
/// 50,000 files the keys alone would take more memory than the fingerprints. Two paths
/// share a key with a chance of about one in 10^29 for a tree of that size, and even then a
/// change would pass unless the second file's content hashed like the first's.
struct FingerprintKey: Hashable, Sendable {
  /// The first hash; ``FingerprintTable`` picks a slot with it.
  let first: UInt64
  /// The second hash; ``FingerprintTable`` picks a shard with it.
  let second: UInt64

  init(_ path: String) {
    // The bytes, as the file system compares names: `String`'s own hashing would file "é"
    // and "e" + U+0301, two different files, as one.
    var text = path
    let (first, second) = text.withUTF8 { bytes in
      (Self.hash(UnsafeRawBufferPointer(bytes), domain: 1), Self.hash(UnsafeRawBufferPointer(bytes), domain: 2))
    }
    // Both zero marks a free slot of ``FingerprintTable``: no path gets it.
    self.init(first: first == 0 && second == 0 ? 1 : first, second: second)
  }

  private init(first: UInt64, second: UInt64) {
    self.first = first
    self.second = second
  }

  /// The key of no path: what a free slot of ``FingerprintTable`` holds.
  static let vacant = FingerprintKey(first: 0, second: 0)

  /// One of two hashes of the same bytes, told apart by what is fed first; the seed is the
  /// process's own, as long-lived as the store.
  private static func hash(_ bytes: UnsafeRawBufferPointer, domain: UInt8) -> UInt64 {
    var hasher = Hasher()
    hasher.combine(domain)
    hasher.combine(bytes: bytes)
    return UInt64(bitPattern: Int64(hasher.finalize()))
  }

  func hash(into hasher: inout Hasher) {
    // Already a hash: one half is as good as both.
    hasher.combine(first)
  }
}
