import Foundation
import PipelineCore
import Testing

/// Broken YAML of every kind never crashes the reader: random edits and truncations of the
/// example pipelines and of the reader's test texts each give a node or a diagnostic placed
/// inside the text.
@Suite("YAML reader, fuzzed") struct YAMLReaderFuzzTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The texts the variants start from.
  static func seeds() throws -> [String] {
    let pipelines = repository.appendingPathComponent("pipelines")
    let folders = try FileManager.default.contentsOfDirectory(atPath: pipelines.path).sorted()
    let files = folders.compactMap { try? String(contentsOf: pipelines.appendingPathComponent("\($0)/pipeline.yaml"), encoding: .utf8) }
    return files + (YAMLReaderTests.values + YAMLReaderTests.errors).map(\.yaml)
  }

  /// Characters that mean something to YAML, and some that do not.
  static let alphabet: [Character] = [
    ":", "-", " ", " ", "\t", "\n", "\r", "[", "]", "{", "}", ",", "\"", "'", "|", ">", "&", "*", "!", "#", "?",
    "%", "@", "\\", ".", "é", "😀", "\u{FEFF}", "a", "1",
  ]

  /// A small deterministic generator (SplitMix64), so a failure can be replayed.
  struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  static func variants(of text: String, using generator: inout Generator) -> [String] {
    let characters = Array(text)
    var variants: [String] = []
    guard !characters.isEmpty else { return [] }
    let step = max(1, characters.count / 20)
    for cut in stride(from: 0, to: characters.count, by: step) { variants.append(String(characters[..<cut])) }
    for _ in 0..<60 {
      var edited = characters
      for _ in 0..<Int.random(in: 1...3, using: &generator) {
        let place = Int.random(in: 0...edited.count, using: &generator)
        switch Int.random(in: 0..<4, using: &generator) {
        case 0 where place < edited.count: edited.remove(at: place)
        case 1 where place < edited.count: edited[place] = alphabet.randomElement(using: &generator)!
        case 2:
          // A line repeated, or indented by one more space.
          let lines = edited.split(separator: "\n", omittingEmptySubsequences: false)
          var copy = lines
          let line = Int.random(in: 0..<lines.count, using: &generator)
          if Bool.random(using: &generator) { copy.insert(lines[line], at: line) } else { copy[line] = " " + lines[line] }
          edited = Array(copy.joined(separator: "\n"))
        default: edited.insert(alphabet.randomElement(using: &generator)!, at: place)
        }
      }
      variants.append(String(edited))
    }
    return variants
  }

  @Test("thousands of broken variants give a node or a diagnostic inside the text")
  func noCrash() throws {
    var generator = Generator(state: 20_261_121)
    var count = 0
    var diagnostics = 0
    for seed in try Self.seeds() {
      for text in Self.variants(of: seed, using: &generator) {
        count += 1
        do throws(Diagnostic) {
          _ = try YAMLNodeConverter.parse(text, file: "fuzz.yaml")
        } catch {
          diagnostics += 1
          let lines = text.unicodeScalars.filter { $0 == "\n" || $0 == "\r" }.count + 1
          let location = try #require(error.location, "no place for: \(error) in \(text.debugDescription)")
          #expect(location.line >= 1 && location.line <= lines && location.column >= 1, "\(error) in \(text.debugDescription)")
          #expect(error.help != nil, "no help in \(error) for \(text.debugDescription)")
        }
      }
    }
    #expect(count > 3000)
    // Both outcomes are exercised: the edits break some texts and leave others readable.
    #expect(diagnostics > count / 10 && diagnostics < count)
  }
}
