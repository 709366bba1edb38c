import FoundationEssentials

/// The executable a Swift package builds, read from its `Package.swift`: the first
/// `.executable(name: "…")` product, else the first `.executableTarget(name: "…")`.
///
/// The manifest is Swift code, so this is a reading of its text, not an evaluation: a name
/// computed in code is not found, and the template then falls back to `swift run`.
struct SwiftProduct {
  /// The product's name.
  let name: String
  /// Where it was read: `the executable product NAME`, `the executable target NAME`.
  let origin: String

  static func name(in folder: ProjectFolder) -> String? { find(in: folder)?.name }

  static func find(in folder: ProjectFolder) -> SwiftProduct? {
    guard let manifest = folder.text(of: "Package.swift") else { return nil }
    for (call, kind) in [(".executable(", "executable product"), (".executableTarget(", "executable target")] {
      if let name = firstName(after: call, in: manifest) {
        return SwiftProduct(name: name, origin: "the \(kind) \(name), from Package.swift")
      }
    }
    return nil
  }

  /// What the swift template starts in `folder`, for run's notice.
  static func entryPoint(of product: SwiftProduct?) -> EntryPoint {
    guard let product else {
      return .found("swift run: no executable product named in Package.swift, so swift run picks it")
    }
    return .found("./.build-pipeline/debug/\(product.name): \(product.origin)")
  }

  /// The string literal of `name:` right after the first `call` in `text`.
  private static func firstName(after call: String, in text: String) -> String? {
    var searchRange = text.startIndex..<text.endIndex
    while let found = text[searchRange].firstRange(of: call) {
      searchRange = found.upperBound..<text.endIndex
      let rest = text[found.upperBound...].drop(while: \.isWhitespace)
      guard rest.hasPrefix("name:") else { continue }
      let value = rest.dropFirst(5).drop(while: \.isWhitespace)
      guard value.hasPrefix("\"") else { continue }
      let name = value.dropFirst().prefix(while: { $0 != "\"" && $0 != "\n" && $0 != "\\" })
      if !name.isEmpty, value.dropFirst(name.count + 1).hasPrefix("\"") { return String(name) }
    }
    return nil
  }
}
