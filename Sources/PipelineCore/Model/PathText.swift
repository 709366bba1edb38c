/// Path arithmetic on `/`-separated text, without touching the file system.
///
/// The results are those of splitting the text into `Character`s at `/` and joining the parts
/// again; but a change goes through these several times, so they work on the UTF-8 bytes
/// instead, making no array and no string they do not return. A `/` byte separates when it is
/// a `Character` of its own: not when a combining accent follows it, say (then it is part of
/// the `Character` `/́`, as for `split`).
public enum PathText {
  /// `base/relative`, normalised; `relative` itself when it is absolute.
  public static func join(_ base: String, _ relative: String) -> String {
    if relative.hasPrefix("/") { return normalize(relative) }
    if relative.isEmpty || relative == "." { return normalize(base) }
    // One string with room for all (`base + "/" + relative` made two); most need no tidying.
    var joined = ""
    joined.reserveCapacity(base.utf8.count + 1 + relative.utf8.count)
    joined += base
    joined += "/"
    joined += relative
    return normalize(joined)
  }

  /// Removes `.` segments, empty segments and resolves `..` lexically.
  public static func normalize(_ path: String) -> String {
    if isNormalized(path) { return path }
    let absolute = path.hasPrefix("/")
    var parts: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == "..", let last = parts.last, last != ".." {
        parts.removeLast()
        continue
      }
      if part == "..", absolute { continue }
      parts.append(part)
    }
    let joined = parts.joined(separator: "/")
    if absolute { return "/" + joined }
    return joined.isEmpty ? "." : joined
  }

  /// Whether ``normalize(_:)`` gives `path` back as it is: `/`, or a path with no empty, `.`
  /// or `..` segment (no `//`, no trailing `/`). `false` for the empty path (`.`), and for the
  /// rare text the bytes cannot decide about.
  public static func isNormalized(_ path: String) -> Bool {
    path.utf8.withContiguousStorageIfAvailable { bytes in
      if bytes.isEmpty { return false }
      if bytes.count == 1 && bytes[0] == slash { return true }
      var start = 0
      for index in 0...bytes.count where index == bytes.count || bytes[index] == slash {
        // A `/` inside a `Character`: the segment goes on past it, so may still be `.` or empty.
        if index < bytes.count && !isSeparator(at: index, in: bytes, of: path) { return false }
        defer { start = index + 1 }
        if index == 0 { continue }  // The leading `/` of an absolute path.
        switch index - start {
        case 0: return false
        case 1 where bytes[start] == dot: return false
        case 2 where bytes[start] == dot && bytes[start + 1] == dot: return false
        default: break
        }
      }
      return true
    } ?? false
  }

  /// Whether the `/` at `index` of `bytes` (the UTF-8 of `path`) is a `Character` of its own,
  /// as `split(separator: "/")` needs: surely when the bytes next to it are ASCII, else when
  /// `path` has `Character` boundaries on both sides of it.
  private static func isSeparator(at index: Int, in bytes: UnsafeBufferPointer<UInt8>, of path: String) -> Bool {
    if (index == 0 || bytes[index - 1] < 0x80) && (index + 1 == bytes.count || bytes[index + 1] < 0x80) { return true }
    let utf8 = path.utf8
    let before = utf8.index(utf8.startIndex, offsetBy: index)
    return before.samePosition(in: path) != nil && utf8.index(after: before).samePosition(in: path) != nil
  }

  /// Whether one of the segments of `path` (its parts between `/`s) is `name`: as
  /// `path.split(separator: "/").contains(name)`, without the array.
  public static func containsSegment(_ path: String, _ name: String) -> Bool {
    let found = path.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
      var start = 0
      for index in 0...bytes.count where index == bytes.count || bytes[index] == slash {
        guard index == bytes.count || isSeparator(at: index, in: bytes, of: path) else { continue }
        defer { start = index + 1 }
        guard index > start else { continue }
        let utf8 = path.utf8
        let segment = path[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: index)]
        if segment == name { return true }
      }
      return false
    }
    return found ?? path.split(separator: "/").contains(Substring(name))
  }

  /// `path` relative to the folder `root` (both absolute and normalised): `src/a.go`, or
  /// `../other/x` for a path outside `root`, or `.` for `root` itself.
  public static func relative(_ path: String, to root: String) -> String {
    if path == root { return "." }
    if let start = offsetInside(path, root) {
      return String(path[path.utf8.index(path.utf8.startIndex, offsetBy: start)...])
    }
    if root == "/" { return String(path.dropFirst()) }
    if path.hasPrefix(root), path.dropFirst(root.count).first == "/" {
      return String(path.dropFirst(root.count + 1))
    }
    let pathParts = path.split(separator: "/")
    let rootParts = root.split(separator: "/")
    var common = 0
    while common < pathParts.count, common < rootParts.count, pathParts[common] == rootParts[common] {
      common += 1
    }
    let ups = Array(repeating: "..", count: rootParts.count - common)
    return (ups + pathParts[common...].map(String.init)).joined(separator: "/")
  }

  /// Where the part of `path` below the folder `root` starts (a UTF-8 offset), when the bytes
  /// tell: `path` is `root`'s bytes, then a `/` that is a `Character` of its own, then more.
  private static func offsetInside(_ path: String, _ root: String) -> Int? {
    let found = path.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
      root.utf8.withContiguousStorageIfAvailable { prefix -> Int? in
        // `/` as the root: the path's own leading `/` is the separator.
        let slashAt = prefix.count == 1 && prefix[0] == slash ? 0 : prefix.count
        guard !prefix.isEmpty, bytes.count > slashAt + 1, bytes[slashAt] == slash,
          prefix.elementsEqual(bytes[..<prefix.count]), isSeparator(at: slashAt, in: bytes, of: path)
        else { return nil }
        return slashAt + 1
      } ?? nil
    }
    return found ?? nil
  }

  /// `path` for a line of the console: a control character (a newline, a tab, an escape in
  /// a file name) is written as `\n`, `\t` or `\x1B`, so that a name cannot split the
  /// line or recolour the terminal. Most paths have none and are returned as they are.
  ///
  /// - Parameter keepingNewlines: Whether a newline stays one: for a message whose lines are
  ///   meant (an error and its `help:`), where only the other control characters are escaped.
  public static func displayed(_ path: String, keepingNewlines: Bool = false) -> String {
    let newline = UInt8(ascii: "\n")
    guard path.utf8.contains(where: { ($0 < 0x20 || $0 == 0x7F) && !(keepingNewlines && $0 == newline) }) else {
      return path
    }
    var text = ""
    for scalar in path.unicodeScalars {
      switch scalar {
      case "\n" where keepingNewlines: text += "\n"
      case "\n": text += "\\n"
      case "\t": text += "\\t"
      case "\r": text += "\\r"
      case _ where scalar.value < 0x20 || scalar.value == 0x7F:
        let hex = String(scalar.value, radix: 16, uppercase: true)
        text += "\\x" + (hex.count == 1 ? "0" + hex : hex)
      default: text.unicodeScalars.append(scalar)
      }
    }
    return text
  }

  /// The folder part: `src` for `src/main.go`, `.` for `main.go`, `/` for `/main.go`.
  public static func parent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
  }

  /// The last segment: `main.go` for `src/main.go`.
  public static func lastComponent(_ path: String) -> Substring {
    let start = path.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
      // Empty, or ending in `/`: the last segment is not the bytes after the last `/`.
      guard let last = bytes.last, last != slash else { return nil }
      var index = bytes.count - 1
      while index >= 0 && !(bytes[index] == slash && isSeparator(at: index, in: bytes, of: path)) { index -= 1 }
      return index + 1
    }
    if let start, let start {
      return path[path.utf8.index(path.utf8.startIndex, offsetBy: start)...]
    }
    return path.split(separator: "/").last ?? Substring(path)
  }

  private static let slash = UInt8(ascii: "/")
  private static let dot = UInt8(ascii: ".")
}
