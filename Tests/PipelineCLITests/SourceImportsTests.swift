import FoundationEssentials
import Testing

/// The release build links Foundation statically without ICU: the sources may use
/// FoundationEssentials, never the whole of Foundation, whose FoundationInternationalization
/// then fails to link (`undefined reference to 'swift_udat_open'`), in the release build only.
@Suite struct SourceImportsTests {
  static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources").path

  @Test func noSourceImportsTheWholeOfFoundation() throws {
    let files = try FileManager.default.subpathsOfDirectory(atPath: Self.sources).filter { $0.hasSuffix(".swift") }
    #expect(files.count > 50, "the sources were not found under \(Self.sources)")
    for file in files {
      let text = try String(contentsOfFile: Self.sources + "/" + file, encoding: .utf8)
      // `import Foundation`, with or without an attribute before it.
      let imports = text.split(separator: "\n").filter { line in
        let words = line.split(separator: " ")
        return words.count >= 2 && words[words.count - 2] == "import"
          && ["Foundation", "FoundationInternationalization"].contains(words[words.count - 1])
      }
      #expect(imports.isEmpty, "Sources/\(file): \(imports.joined(separator: "; ")); use FoundationEssentials")
    }
  }
}
