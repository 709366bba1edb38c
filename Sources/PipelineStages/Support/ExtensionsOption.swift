import PipelineCore

/// The `extensions` key of `filter` and `format`: file extensions with or without their dot
/// (`go`, `.tmpl`), returned without it.
enum ExtensionsOption {
  /// Reads and checks `extensions`: each entry that is empty, `.` alone, holds a `/`, or looks
  /// like a glob (`*.go`, which would match no extension) is refused at its place in the file.
  static func read(_ options: StageOptions, help: String) throws -> [String] {
    let extensions = try options.value("extensions", default: [String](), help: help)
    for (index, bad) in extensions.enumerated()
    where bad.isEmpty || bad == "." || bad.utf8.contains(UInt8(ascii: "/")) || bad.isMeantAsAGlob {
      try options.reject(
        "extensions", "'\(bad)' is not a file extension", at: options.item(index, of: "extensions"),
        help: bad.isMeantAsAGlob
          ? "write extensions like go or .go; for a glob, use include: [\"**/*.go\"]"
          : "write extensions like go or .go")
    }
    return extensions.map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }
  }
}
