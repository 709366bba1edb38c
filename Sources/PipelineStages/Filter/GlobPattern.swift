/// A glob compiled once, then matched against relative `/`-separated paths such as
/// `src/api/main.go`, with the rules of git's wildmatch (and of the `globset` crate with a
/// literal separator).
///
/// ```swift
/// let tests = try GlobPattern("{src,lib}/**/*_test.{go,swift}")
/// tests.matches("src/api/handler_test.go")  // true
/// tests.matches("src/api/handler.go")       // false
/// ```
///
/// Syntax:
/// - `*` matches any run of characters except `/`, `?` one character except `/`.
/// - `**` as a whole segment matches zero or more segments: `**/*.go` matches `main.go` and
///   `a/b/main.go`, `a/**/b` matches `a/b` and `a/x/y/b`. A trailing `/**` matches everything
///   *inside* a directory: `tmp/**` matches `tmp/x` but not `tmp`. Anywhere else (`a**b`) it
///   is a plain `*`.
/// - `[abc]`, `[a-z]`, `[!abc]` and `[^abc]` match one character; `]` first is literal. A
///   class never matches `/`.
/// - `{a,b,c}` matches any alternative; alternatives nest and may be empty (`file{,.bak}`).
/// - `\` makes the next character literal.
/// - A leading `./` or `/` is ignored, since paths are already relative to the root. A
///   trailing `/` limits the pattern to directories (see ``matchesDirectoriesOnly``).
///
/// Characters are Unicode scalars compared exactly: no case folding, no normalisation.
///
/// Matching allocates nothing and takes time polynomial in the sizes of pattern and path:
/// braces are expanded when the pattern is compiled (at most ``maximumAlternatives``), and
/// `*` and `**` each backtrack only to their latest position.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
  /// The most alternatives braces may expand to; a pattern that needs more is rejected, so
  /// that compiling and matching stay cheap whatever a configuration file says.
  public static let maximumAlternatives = 1_024

  /// `true` when the pattern ended with `/`: it then matches directories only.
  public let matchesDirectoriesOnly: Bool

  /// The pattern as written.
  public let description: String

  /// One entry per brace alternative; a path matches when any of them does.
  private let alternatives: [[Segment]]
  /// The instructions of every `.glob` and `.literal` segment, stored back to back.
  private let instructions: [Instruction]
  /// The character classes that `.scalar(inClass:)` instructions refer to.
  private let classes: [ScalarClass]

  /// Compiles `pattern`.
  ///
  /// - Parameters:
  ///   - pattern: A glob such as `src/**/*.{go,tmpl}`.
  /// - Throws: ``SyntaxError`` for an unclosed `[` or `{`, a trailing lone `\`, a range
  ///   written high to low, or braces that expand to more than ``maximumAlternatives``.
  public init(_ pattern: String) throws(GlobPattern.SyntaxError) {
    var parser = Parser(pattern)
    let flattened = try parser.parse()
    var compiler = Compiler()
    var seen = Set<[Token]>()
    for tokens in flattened where seen.insert(tokens).inserted {
      compiler.compile(tokens)
    }
    self.description = pattern
    self.matchesDirectoriesOnly = parser.matchesDirectoriesOnly
    self.alternatives = compiler.alternatives
    self.instructions = compiler.instructions
    self.classes = parser.classes
  }

  /// Whether the file at `path` matches; the same as `matches(path, isDirectory: false)`.
  public func matches(_ path: String) -> Bool {
    matches(path, isDirectory: false)
  }

  /// Whether `path` matches.
  ///
  /// - Parameters:
  ///   - path: A relative path with `/` separators and no leading `./`.
  ///   - isDirectory: Whether `path` names a directory. A pattern ending in `/` matches
  ///     directories only.
  public func matches(_ path: String, isDirectory: Bool) -> Bool {
    if matchesDirectoriesOnly && !isDirectory { return false }
    if let result = path.utf8.withContiguousStorageIfAvailable(matches(utf8:)) {
      return result
    }
    // Only strings bridged from Objective-C lack contiguous UTF-8; copying is fine there.
    return Array(path.utf8).withUnsafeBufferPointer(matches(utf8:))
  }

  /// Two patterns are equal when written the same; the compiled program follows from the text.
  public static func == (lhs: GlobPattern, rhs: GlobPattern) -> Bool {
    lhs.description == rhs.description
  }

  /// Hashes the text, consistently with `==`.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(description)
  }
}

// MARK: - Errors

extension GlobPattern {
  /// Why a pattern could not be compiled, and where.
  public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Hashable {
      /// A `[` without its `]`.
      case unclosedBracket
      /// A `{` without its `}`.
      case unclosedBrace
      /// A `\` at the very end, with nothing to escape.
      case trailingBackslash
      /// A class range whose ends are the wrong way round, such as `z-a`.
      case invalidRange(String)
      /// Braces that expand to more than ``GlobPattern/maximumAlternatives`` alternatives.
      case tooManyAlternatives
    }

    /// What is wrong.
    public let reason: Reason
    /// The offset, in characters from 0, of the character at fault in ``pattern``.
    public let offset: Int
    /// The pattern as written.
    public let pattern: String

    /// The error on one line, such as `unclosed '{' at offset 4 in 'src/{a,b'`.
    public var description: String { message }

    /// The error on one line, such as `unclosed '{' at offset 4 in 'src/{a,b'`, for a
    /// diagnostic to put after its location; ``help`` says what to do about it.
    public var message: String {
      let place = "at offset \(offset) in '\(pattern)'"
      switch reason {
      case .unclosedBracket: return "unclosed '[' \(place)"
      case .unclosedBrace: return "unclosed '{' \(place)"
      case .trailingBackslash: return "trailing '\\' \(place)"
      case .invalidRange(let range): return "invalid range '\(range)' \(place)"
      case .tooManyAlternatives:
        return "'{' \(place) expands to more than \(GlobPattern.maximumAlternatives) alternatives"
      }
    }

    /// What to do about it, such as `close it with '}' or write '\{' for a literal '{'`.
    public var help: String {
      switch reason {
      case .unclosedBracket: return "close it with ']' or write '\\[' for a literal '['"
      case .unclosedBrace: return "close it with '}' or write '\\{' for a literal '{'"
      case .trailingBackslash: return "write '\\\\' for a literal '\\'"
      case .invalidRange: return "write the range from low to high, like 'a-z'"
      case .tooManyAlternatives: return "split the pattern into several patterns"
      }
    }
  }
}

// MARK: - Compiled program

extension GlobPattern {
  /// One path segment of a compiled alternative.
  fileprivate enum Segment: Sendable, Hashable {
    /// `**`: zero or more whole segments.
    case globstar
    /// Exactly these bytes (the instructions are all `.byte`).
    case literal(Range<Int>)
    /// The instructions in this range of ``GlobPattern/instructions``.
    case glob(Range<Int>)
  }

  /// One step of a segment program; all but `.star` consume exactly one scalar (or byte).
  fileprivate enum Instruction: Sendable, Hashable {
    /// One byte of a literal's UTF-8; a literal scalar is several of these in a row.
    case byte(UInt8)
    /// `?`
    case anyScalar
    /// A `[…]` class: an index into ``GlobPattern/classes``.
    case scalar(inClass: Int)
    /// `*`
    case star
  }

  /// A `[…]` class, with a bitmap for ASCII because almost every class is ASCII.
  fileprivate struct ScalarClass: Sendable, Hashable {
    var isNegated: Bool
    var asciiLow: UInt64 = 0
    var asciiHigh: UInt64 = 0
    var nonASCII: [ClosedRange<UInt32>] = []

    init(isNegated: Bool) { self.isNegated = isNegated }

    mutating func insert(_ range: ClosedRange<UInt32>) {
      if range.lowerBound < 128 {
        for value in range.lowerBound...min(range.upperBound, 127) {
          if value < 64 { asciiLow |= 1 << value } else { asciiHigh |= 1 << (value - 64) }
        }
      }
      if range.upperBound > 127 { nonASCII.append(max(range.lowerBound, 128)...range.upperBound) }
    }

    func contains(_ value: UInt32) -> Bool {
      let isMember: Bool
      if value < 64 {
        isMember = asciiLow & (1 << value) != 0
      } else if value < 128 {
        isMember = asciiHigh & (1 << (value - 64)) != 0
      } else {
        isMember = nonASCII.contains { $0.contains(value) }
      }
      return isMember != isNegated
    }
  }
}

// MARK: - Matching

extension GlobPattern {
  private func matches(utf8 path: UnsafeBufferPointer<UInt8>) -> Bool {
    for segments in alternatives where matches(segments, path) { return true }
    return false
  }

  /// Matches path segments against pattern segments, where `**` backtracks like `*` does
  /// over characters. Every other pattern segment consumes exactly one path segment, so
  /// restarting from the latest `**` alone finds a match whenever one exists, in
  /// O(pattern segments × path segments) segment comparisons.
  private func matches(_ segments: [Segment], _ path: UnsafeBufferPointer<UInt8>) -> Bool {
    let count = path.count
    // `start` is where the current path segment begins; past `count`, none is left. The
    // empty path has no segments, so only `**` (or the empty pattern) matches it.
    var start = count == 0 ? 1 : 0
    var index = 0
    var globstarIndex = -1
    var globstarStart = 0
    while start <= count {
      let end = Self.endOfSegment(in: path, from: start)
      if index < segments.count {
        switch segments[index] {
        case .globstar:
          globstarIndex = index
          globstarStart = start
          index += 1
          continue
        case .literal(let range):
          if matchesLiteral(range, path, start, end) {
            index += 1
            start = end + 1
            continue
          }
        case .glob(let range):
          if matchesGlob(range, path, start, end) {
            index += 1
            start = end + 1
            continue
          }
        }
      }
      guard globstarIndex >= 0 else { return false }
      // Let the latest `**` swallow one more segment and retry what follows it.
      globstarStart = Self.endOfSegment(in: path, from: globstarStart) + 1
      start = globstarStart
      index = globstarIndex + 1
    }
    while index < segments.count, segments[index] == .globstar { index += 1 }
    return index == segments.count
  }

  private func matchesLiteral(
    _ range: Range<Int>, _ path: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int
  ) -> Bool {
    guard end - start == range.count else { return false }
    var position = start
    for index in range {
      guard case .byte(let byte) = instructions[index], path[position] == byte else { return false }
      position += 1
    }
    return true
  }

  /// Matches one path segment, `path[start..<end]`, with the classic wildcard algorithm:
  /// on a mismatch only the latest `*` takes one more character, which is enough because
  /// every other instruction consumes exactly one character. O(instructions × bytes).
  private func matchesGlob(
    _ range: Range<Int>, _ path: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int
  ) -> Bool {
    var index = range.lowerBound
    var position = start
    var starIndex = -1
    var starPosition = 0
    while position < end {
      if index < range.upperBound {
        switch instructions[index] {
        case .star:
          starIndex = index
          starPosition = position
          index += 1
          continue
        case .byte(let byte):
          if path[position] == byte {
            index += 1
            position += 1
            continue
          }
        case .anyScalar:
          index += 1
          position += Self.scalarLength(leadByte: path[position])
          continue
        case .scalar(let classIndex):
          let (value, length) = Self.decodeScalar(in: path, at: position)
          if classes[classIndex].contains(value) {
            index += 1
            position += length
            continue
          }
        }
      }
      guard starIndex >= 0 else { return false }
      // Positions stay on scalar boundaries, so `?` and classes always see a whole scalar.
      starPosition += Self.scalarLength(leadByte: path[starPosition])
      position = starPosition
      index = starIndex + 1
    }
    while index < range.upperBound, instructions[index] == .star { index += 1 }
    return index == range.upperBound
  }

  private static func endOfSegment(in path: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
    var end = start
    while end < path.count, path[end] != UInt8(ascii: "/") { end += 1 }
    return end
  }

  /// The length of the UTF-8 sequence starting with `leadByte`; Swift strings hold valid
  /// UTF-8 only, so the lead byte tells it all.
  private static func scalarLength(leadByte: UInt8) -> Int {
    leadByte < 0x80 ? 1 : leadByte < 0xE0 ? 2 : leadByte < 0xF0 ? 3 : 4
  }

  private static func decodeScalar(
    in path: UnsafeBufferPointer<UInt8>, at position: Int
  ) -> (value: UInt32, length: Int) {
    let lead = UInt32(path[position])
    let length = scalarLength(leadByte: path[position])
    var value: UInt32
    switch length {
    case 1: return (lead, 1)
    case 2: value = lead & 0x1F
    case 3: value = lead & 0x0F
    default: value = lead & 0x07
    }
    for offset in 1..<length { value = value << 6 | UInt32(path[position + offset] & 0x3F) }
    return (value, length)
  }
}

// MARK: - Parsing

extension GlobPattern {
  /// A pattern element before braces are expanded and segments are split.
  fileprivate enum Token: Sendable, Hashable {
    case literal(Unicode.Scalar)
    case anyScalar
    case scalar(inClass: Int)
    case star
    /// Two or more `*` in a row: `**` if only stars make up its segment, `*` otherwise.
    case doubleStar
    case separator
  }

  fileprivate enum Node {
    case token(Token)
    /// `{…}`: the alternatives, and the offset of the `{` for error messages.
    case alternation([[Node]], openedAt: Int)
  }

  /// Turns the text into tokens, with each brace alternative expanded.
  fileprivate struct Parser {
    let pattern: String
    let scalars: [Unicode.Scalar]
    var index: Int
    /// Where the pattern ends once a trailing `/` is dropped.
    var end: Int
    var matchesDirectoriesOnly = false
    var classes: [ScalarClass] = []

    init(_ pattern: String) {
      self.pattern = pattern
      self.scalars = Array(pattern.unicodeScalars)
      self.index = 0
      self.end = scalars.count
      // Paths are relative to the root already, so `./src` and `/src` mean `src`.
      while true {
        if scalars[index..<end].starts(with: ["." as Unicode.Scalar, "/"]) {
          index += 2
        } else if scalars[index..<end].first == "/" {
          index += 1
        } else {
          break
        }
      }
      while end > index, scalars[end - 1] == "/", !isEscaped(end - 1) {
        end -= 1
        matchesDirectoriesOnly = true
      }
    }

    /// Whether an odd number of `\` precede position `at`.
    private func isEscaped(_ at: Int) -> Bool {
      var backslashes = 0
      while at - backslashes - 1 >= index, scalars[at - backslashes - 1] == "\\" { backslashes += 1 }
      return backslashes % 2 == 1
    }

    mutating func parse() throws(SyntaxError) -> [[Token]] {
      let nodes = try parseSequence(inBraces: false)
      return try expand(nodes)
    }

    private mutating func parseSequence(inBraces: Bool) throws(SyntaxError) -> [Node] {
      var nodes: [Node] = []
      while index < end {
        let scalar = scalars[index]
        switch scalar {
        case ",", "}":
          if inBraces { return nodes }
          nodes.append(.token(.literal(scalar)))
          index += 1
        case "\\":
          guard index + 1 < end else { throw error(.trailingBackslash, at: index) }
          let escaped = scalars[index + 1]
          // A `/` stays a separator even escaped: no path segment can contain one.
          nodes.append(.token(escaped == "/" ? .separator : .literal(escaped)))
          index += 2
        case "*":
          let runStart = index
          while index < end, scalars[index] == "*" { index += 1 }
          nodes.append(.token(index - runStart == 1 ? .star : .doubleStar))
        case "?":
          nodes.append(.token(.anyScalar))
          index += 1
        case "/":
          nodes.append(.token(.separator))
          index += 1
        case "[":
          nodes.append(.token(try parseClass()))
        case "{":
          nodes.append(try parseBraces())
        default:
          nodes.append(.token(.literal(scalar)))
          index += 1
        }
      }
      return nodes
    }

    private mutating func parseBraces() throws(SyntaxError) -> Node {
      let openedAt = index
      index += 1
      var alternatives: [[Node]] = []
      while true {
        alternatives.append(try parseSequence(inBraces: true))
        guard index < end else { throw error(.unclosedBrace, at: openedAt) }
        index += 1
        if scalars[index - 1] == "}" { return .alternation(alternatives, openedAt: openedAt) }
      }
    }

    private mutating func parseClass() throws(SyntaxError) -> Token {
      let openedAt = index
      index += 1
      var scalarClass = ScalarClass(isNegated: index < end && (scalars[index] == "!" || scalars[index] == "^"))
      if scalarClass.isNegated { index += 1 }
      var isFirst = true
      while true {
        guard index < end else { throw error(.unclosedBracket, at: openedAt) }
        if scalars[index] == "]" && !isFirst { break }
        isFirst = false
        let lowerAt = index
        let lower = try classMember()
        var upper = lower
        if index + 1 < end, scalars[index] == "-", scalars[index + 1] != "]" {
          index += 1
          upper = try classMember()
          guard lower <= upper else {
            let text = String(String.UnicodeScalarView(scalars[lowerAt..<index]))
            throw error(.invalidRange(text), at: lowerAt)
          }
        }
        scalarClass.insert(lower.value...upper.value)
      }
      index += 1
      classes.append(scalarClass)
      return .scalar(inClass: classes.count - 1)
    }

    /// One scalar of a class, after `\` if escaped.
    private mutating func classMember() throws(SyntaxError) -> Unicode.Scalar {
      if scalars[index] == "\\" {
        guard index + 1 < end else { throw error(.trailingBackslash, at: index) }
        index += 1
      }
      index += 1
      return scalars[index - 1]
    }

    /// Every token sequence the nodes stand for, braces multiplied out.
    private func expand(_ nodes: [Node]) throws(SyntaxError) -> [[Token]] {
      var results: [[Token]] = [[]]
      for node in nodes {
        switch node {
        case .token(let token):
          for resultIndex in results.indices { results[resultIndex].append(token) }
        case .alternation(let alternatives, let openedAt):
          var options: [[Token]] = []
          for alternative in alternatives {
            options += try expand(alternative)
            guard options.count <= GlobPattern.maximumAlternatives else {
              throw error(.tooManyAlternatives, at: openedAt)
            }
          }
          guard results.count * options.count <= GlobPattern.maximumAlternatives else {
            throw error(.tooManyAlternatives, at: openedAt)
          }
          var product: [[Token]] = []
          product.reserveCapacity(results.count * options.count)
          for prefix in results {
            for option in options { product.append(prefix + option) }
          }
          results = product
        }
      }
      return results
    }

    private func error(_ reason: SyntaxError.Reason, at scalarOffset: Int) -> SyntaxError {
      // Offsets are counted in characters, which is what a reader of the pattern sees.
      let prefix = String(String.UnicodeScalarView(scalars[..<scalarOffset]))
      return SyntaxError(reason: reason, offset: prefix.count, pattern: pattern)
    }
  }

  /// Turns expanded token sequences into segment programs.
  fileprivate struct Compiler {
    var alternatives: [[Segment]] = []
    var instructions: [Instruction] = []

    mutating func compile(_ tokens: [Token]) {
      var segments: [Segment] = []
      // Empty segments (from `a//b` or `{src/,}main.go`) are dropped: paths have none.
      for segmentTokens in tokens.split(separator: .separator) {
        if Self.isGlobstar(segmentTokens) {
          if segments.last != .globstar { segments.append(.globstar) }
        } else {
          segments.append(compileSegment(segmentTokens))
        }
      }
      // `tmp/**` is about what is inside `tmp`, not `tmp` itself: it needs one more segment.
      if segments.count > 1, segments.last == .globstar {
        let start = instructions.count
        instructions.append(.star)
        segments.insert(.glob(start..<instructions.count), at: segments.count - 1)
      }
      alternatives.append(segments)
    }

    /// Whether a segment is `**`. Stars count wherever they came from, so `{**,x}` and
    /// `{*,x}*` behave like their text expanded by hand: `**` and `x`, `**` and `x*`.
    private static func isGlobstar(_ tokens: ArraySlice<Token>) -> Bool {
      var stars = 0
      for token in tokens {
        switch token {
        case .star: stars += 1
        case .doubleStar: stars += 2
        default: return false
        }
      }
      return stars >= 2
    }

    private mutating func compileSegment(_ tokens: ArraySlice<Token>) -> Segment {
      let start = instructions.count
      var isLiteral = true
      for token in tokens {
        switch token {
        case .literal(let scalar):
          Unicode.UTF8.encode(scalar) { instructions.append(.byte($0)) }
        case .anyScalar:
          instructions.append(.anyScalar)
          isLiteral = false
        case .scalar(let classIndex):
          instructions.append(.scalar(inClass: classIndex))
          isLiteral = false
        case .star, .doubleStar:
          // `**` inside a segment is a `*`; `**` would only backtrack more.
          if instructions.count == start || instructions.last != .star { instructions.append(.star) }
          isLiteral = false
        case .separator:
          preconditionFailure("segments are split at separators")
        }
      }
      let range = start..<instructions.count
      return isLiteral ? .literal(range) : .glob(range)
    }
  }
}
