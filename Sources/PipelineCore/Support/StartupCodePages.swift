@preconcurrency import Glibc

/// Hands back the pages of `pipeline`'s own code that are mapped once it has started, so that
/// what it keeps resident while it watches is the code it runs while it watches.
///
/// Starting touches a lot of code that never runs again: the command line and YAML readers,
/// the registry, the templates, the first walk of the tree. And each page of code touched
/// brings its neighbours in with it (the kernel maps up to 64 KiB around a fault from the page
/// cache): on a tree of 50,000 files, 11.6 MB of the binary's 13 MB of code and constants were
/// resident while idle. `MADV_DONTNEED` takes them out of `pipeline`'s page tables; they stay
/// in the page cache, shared and reclaimable, and a page used again is mapped back at its next
/// use by a minor fault: a few hundred, a fraction of a millisecond, at the first change.
///
/// Only the executable's own read-only private mappings without a page of their own (no
/// relocation or other write ever copied one: `Anonymous: 0 kB` in `/proc/self/smaps`) are
/// released, so every page comes back exactly as the file holds it. The kernel refuses to
/// let a running executable be written (`ETXTBSY`), and a rebuild replaces the file with a new
/// one: the mapping keeps the old.
public enum StartupCodePages {
  /// Releases the executable's code pages; returns how many bytes of mappings were released.
  @discardableResult
  public static func release() -> Int {
    guard let executable = realExecutablePath(), case .success(let bytes) = FileBytes.read(contentsOf: "/proc/self/smaps")
    else { return 0 }
    let smaps = String(decoding: bytes, as: UTF8.self)
    var released = 0
    for mapping in releasableMappings(in: smaps, executable: executable) {
      guard let start = UnsafeMutableRawPointer(bitPattern: mapping.lowerBound) else { continue }
      if madvise(start, mapping.count, MADV_DONTNEED) == 0 { released += mapping.count }
    }
    return released
  }

  /// The address ranges of `executable`'s private, read-only mappings that hold no page of
  /// their own, from the text of `/proc/self/smaps`.
  static func releasableMappings(in smaps: String, executable: String) -> [Range<UInt>] {
    var ranges: [Range<UInt>] = []
    var candidate: Range<UInt>?
    for line in smaps.split(separator: "\n", omittingEmptySubsequences: true) {
      if let header = MappingHeader(line) {
        let isOurs = header.path == executable && header.permissions.count == 4
        let permissions = Array(header.permissions.utf8)
        let isReadOnlyPrivate = isOurs && permissions[1] == UInt8(ascii: "-") && permissions[3] == UInt8(ascii: "p")
        candidate = isReadOnlyPrivate ? header.range : nil
      } else if let range = candidate, line.hasPrefix("Anonymous:") {
        let kilobytes = line.dropFirst("Anonymous:".count).split(separator: " ").first.flatMap { Int($0) }
        if kilobytes == 0 { ranges.append(range) }
        candidate = nil
      }
    }
    return ranges
  }

  /// The first line of a mapping in `smaps`: `START-END PERMS OFFSET DEV INODE [PATH]`.
  private struct MappingHeader {
    let range: Range<UInt>
    let permissions: Substring
    let path: Substring

    init?(_ line: Substring) {
      let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
      guard fields.count >= 5, let dash = fields[0].firstIndex(of: "-"),
        let start = UInt(fields[0][..<dash], radix: 16), let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16),
        start < end
      else { return nil }
      range = start..<end
      permissions = fields[1]
      path = fields.count == 6 ? Substring(fields[5].drop { $0 == " " }) : ""
    }
  }

  private static func realExecutablePath() -> String? {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
