/// Path arithmetic on `/`-separated text, without touching the file system.
public enum PathText {
  /// `base/relative`, normalised; `relative` itself when it is absolute.
  public static func join(_ base: String, _ relative: String) -> String {
    if relative.hasPrefix("/") { return normalize(relative) }
    if relative.isEmpty || relative == "." { return normalize(base) }
    return normalize(base + "/" + relative)
  }

  /// Removes `.` segments, empty segments and resolves `..` lexically.
  public static func normalize(_ path: String) -> String {
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

  /// `path` relative to the folder `root` (both absolute and normalised): `src/a.go`, or
  /// `../other/x` for a path outside `root`, or `.` for `root` itself.
  public static func relative(_ path: String, to root: String) -> String {
    if path == root { return "." }
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

  /// The folder part: `src` for `src/main.go`, `.` for `main.go`, `/` for `/main.go`.
  public static func parent(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    if slash == path.startIndex { return "/" }
    return String(path[..<slash])
  }

  /// The last segment: `main.go` for `src/main.go`.
  public static func lastComponent(_ path: String) -> Substring {
    path.split(separator: "/").last ?? Substring(path)
  }
}
