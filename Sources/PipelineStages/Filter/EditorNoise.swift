/// Recognises the files editors write beside the files being edited, by name: swap files,
/// backups, lock files and the temporary files of atomic saves. None of them is worth a
/// rebuild.
///
/// | name | written by |
/// |---|---|
/// | `*.swp`, `*.swo`, `*.swx` | vim's swap files |
/// | `4913` | vim's probe, written to test whether a folder is writable |
/// | `*~` | backups (vim, emacs, gedit, nano) |
/// | `.#*`, `#*#` | emacs: lock files and auto-saves |
/// | `.*.kate-swp` | Kate's swap files |
/// | `*___jb_tmp___`, `*___jb_old___` | JetBrains IDEs' safe-write files |
/// | `.goutputstream-*` | GTK (gedit) atomic saves |
/// | `*.tmp.<digits>` | atomic saves that number their temporary file |
enum EditorNoise {
  /// The patterns above, as the reference shows them.
  static let patterns = [
    "*.swp", "*.swo", "*.swx", "*~", ".#*", "#*#", "4913", ".*.kate-swp", "*___jb_tmp___",
    "*___jb_old___", ".goutputstream-*", "*.tmp.<digits>",
  ]

  /// Whether the file named `name` (the last component of a path) is an editor's file.
  static func matches(_ name: Substring) -> Bool {
    if name == "4913" { return true }
    if name.hasSuffix(".swp") || name.hasSuffix(".swo") || name.hasSuffix(".swx") { return true }
    if name.hasSuffix("~") || name.hasPrefix(".#") { return true }
    if name.count >= 2, name.hasPrefix("#"), name.hasSuffix("#") { return true }
    if name.hasPrefix("."), name.hasSuffix(".kate-swp") { return true }
    if name.hasSuffix("___jb_tmp___") || name.hasSuffix("___jb_old___") { return true }
    if name.hasPrefix(".goutputstream-") { return true }
    return isNumberedTemporary(name)
  }

  /// `name.tmp.12345`: `.tmp.` followed by digits only.
  private static func isNumberedTemporary(_ name: Substring) -> Bool {
    // Without the bytes `.tmp.` there is no `tmp` part between two dots: most names end here,
    // before an array of parts is made (`tmp` and `.` have no other spelling a `String`
    // comparison would take for them).
    guard containsTmpPart(name.utf8) else { return false }
    let parts = name.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count >= 3, let digits = parts.last, parts[parts.count - 2] == "tmp" else { return false }
    let hasStem = parts.dropLast(2).contains { !$0.isEmpty }
    return hasStem && !digits.isEmpty && digits.allSatisfy(\.isASCIIDigit)
  }

  private static let tmpPart = Array(".tmp.".utf8)

  /// Whether `bytes` hold `.tmp.` somewhere.
  private static func containsTmpPart(_ bytes: Substring.UTF8View) -> Bool {
    let pattern = tmpPart
    var matched = 0
    for byte in bytes {
      if byte == pattern[matched] {
        matched += 1
        if matched == pattern.count { return true }
      } else {
        // Only a `.` can start the pattern again (`..tmp.`, `.tmp.tmp.`).
        matched = byte == pattern[0] ? 1 : 0
      }
    }
    return false
  }
}

extension Character {
  /// `0` to `9`, and nothing else (`isNumber` accepts other scripts' digits and fractions).
  fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
