import Testing

@testable import PipelineCore

/// `PathText` takes a shortcut over UTF-8 bytes for most paths; these check it against the
/// `Character` split-and-join it stands for (``Reference``), on chosen and on generated paths.
@Suite("PathText")
struct PathTextTests {
  /// The functions as they were before the byte shortcuts: the behaviour to keep.
  enum Reference {
    static func normalize(_ path: String) -> String {
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

    static func relative(_ path: String, to root: String) -> String {
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

    static func lastComponent(_ path: String) -> Substring {
      path.split(separator: "/").last ?? Substring(path)
    }
  }

  /// Pieces of paths: separators, dots, ASCII and other names, and scalars that join a `/`
  /// to the `Character` before or after it (a combining accent, a zero-width joiner, an Arabic
  /// sign that prefixes what follows, a spacing mark), and a sign equal to `K` as a `String`.
  static let pieces = [
    "/", "/", "/", ".", "..", ".", "a", "bc", "main.go", "é", "e", "\u{301}", "\u{200D}", "\u{600}", "\u{903}",
    "\u{212A}", "K", "日本", "😀", ".git", "tmp", "\r", "\n", " ",
  ]

  static func generatedPaths(count: Int, seed: UInt64) -> [String] {
    var generator = YAMLReaderFuzzTests.Generator(state: seed)
    return (0..<count).map { _ in
      let length = Int.random(in: 0...9, using: &generator)
      return (0..<length).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }
  }

  static let chosenPaths = [
    "", "/", "//", "a", "a/", "/a", "/a/", "a//b", "a/./b", "a/../b", "../a", "/../a", ".", "..", "./", "a/b/c.go",
    "/work/project/src/main.go", "src/naïve/ファイル.go", "a/.b/..c/...", "/a/é", "é/a", "a/\u{301}b", "a\u{600}/b",
    "a/b/", ".git", "x/.git/y", "a/b/.gitignore",
  ]

  @Test("normalize gives what splitting into parts and joining them gives")
  func normalize() {
    for path in Self.chosenPaths + Self.generatedPaths(count: 20_000, seed: 11) {
      #expect(PathText.normalize(path) == Reference.normalize(path), "\(path.unicodeScalars.map(\.value))")
    }
  }

  @Test(
    "normalize keeps a tidy path and tidies the rest",
    arguments: [
      ("a/b", "a/b"), ("/a/b", "/a/b"), ("/", "/"), ("", "."), ("a/", "a"), ("a//b", "a/b"), ("/a/./b/", "/a/b"),
      ("a/../../b", "../b"), ("/../a", "/a"), ("naïve/ファイル", "naïve/ファイル"), ("日本/./語/", "日本/語"),
    ])
  func normalizeExamples(path: String, expected: String) {
    #expect(PathText.normalize(path) == expected)
    #expect(PathText.isNormalized(path) == (path == expected && !path.isEmpty))
  }

  @Test("lastComponent is the last part, at the same place in the path")
  func lastComponent() {
    for path in Self.chosenPaths + Self.generatedPaths(count: 20_000, seed: 12) {
      let fast = PathText.lastComponent(path)
      let reference = Reference.lastComponent(path)
      #expect(fast == reference, "\(path.unicodeScalars.map(\.value))")
      #expect(
        path.utf8.distance(from: path.utf8.startIndex, to: fast.startIndex)
          == path.utf8.distance(from: path.utf8.startIndex, to: reference.startIndex))
    }
  }

  @Test(
    "lastComponent examples",
    arguments: [("a", "a"), ("a/", "a"), ("/", "/"), ("", ""), ("src/main.go", "main.go"), ("/x/naïve.go", "naïve.go"),
      ("a/b//", "b")])
  func lastComponentExamples(path: String, expected: String) {
    #expect(PathText.lastComponent(path) == expected)
  }

  @Test("relative gives what comparing parts gives")
  func relative() {
    let roots = ["/", "/work", "/work/project", "/é", "/a\u{600}", "/a/\u{301}b", "", "/work/"]
    let rests = Self.generatedPaths(count: 4_000, seed: 13)
    for root in roots {
      for rest in rests {
        for path in [root + "/" + rest, root + rest, "/" + rest, rest] {
          #expect(PathText.relative(path, to: root) == Reference.relative(path, to: root), "\(root) \(path.unicodeScalars.map(\.value))")
        }
      }
    }
  }

  @Test(
    "relative examples",
    arguments: [
      ("/work/p/src/a.go", "/work/p", "src/a.go"), ("/work/p", "/work/p", "."), ("/work/q/x", "/work/p", "../q/x"),
      ("/a.go", "/", "a.go"), ("/work/p/ü/a.go", "/work/p", "ü/a.go"), ("/work/pq/a", "/work/p", "../pq/a"),
    ])
  func relativeExamples(path: String, root: String, expected: String) {
    #expect(PathText.relative(path, to: root) == expected)
  }

  @Test("containsSegment finds what splitting finds")
  func containsSegment() {
    for path in Self.chosenPaths + Self.generatedPaths(count: 20_000, seed: 14) {
      for name in [".git", "a", ".", "é", "e\u{301}", "K"] {
        #expect(PathText.containsSegment(path, name) == path.split(separator: "/").contains(Substring(name)), "\(path.unicodeScalars.map(\.value)) \(name)")
      }
    }
  }

  @Test(
    "containsSegment examples",
    arguments: [
      (".git", true), ("a/.git", true), ("a/.git/b", true), ("a//.git//", true), ("naïve/.git/ü", true), ("a/.gitx", false),
      ("a/x.git", false), ("a/.git\u{301}/b", false), ("a/\u{301}.git", false), ("", false), ("/", false),
    ])
  func containsSegmentExamples(path: String, expected: Bool) {
    #expect(PathText.containsSegment(path, ".git") == expected)
  }
}
