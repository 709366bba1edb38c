/// A command as a pipeline file gives it: a string runs under `/bin/sh -c`, a list is an argv.
public enum CommandSpec: Sendable, Hashable, CustomStringConvertible {
  /// A shell command line, run as `/bin/sh -c LINE`.
  case shell(String)
  /// A program and its arguments, run without a shell.
  case argv([String])

  /// The command as a person would type it, for messages.
  public var description: String {
    switch self {
    case .shell(let line): return line
    case .argv(let words): return words.map(ShellQuoting.quoteIfNeeded).joined(separator: " ")
    }
  }

  /// `true` when the command mentions the `{files}` placeholder.
  public var usesFilesPlaceholder: Bool {
    switch self {
    case .shell(let line): return Self.mentionsPlaceholder(line)
    case .argv(let words): return words.contains(where: Self.mentionsPlaceholder)
    }
  }

  /// The placeholder replaced by the batch's changed paths.
  public static let filesPlaceholder = "{files}"
  private static let placeholderBytes = Array(filesPlaceholder.utf8)

  /// A plain byte search, asked several times per command run: the standard library's
  /// generic `firstRange(of:)` took 3 % of `pipeline`'s CPU per save.
  private static func mentionsPlaceholder(_ text: String) -> Bool {
    var text = text
    return text.withUTF8 { bytes in
      let needle = placeholderBytes
      guard bytes.count >= needle.count else { return false }
      for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
        if bytes[start..<(start + needle.count)].elementsEqual(needle) { return true }
      }
      return false
    }
  }
}

/// POSIX shell quoting.
public enum ShellQuoting {
  /// `word` in single quotes, with embedded quotes escaped: `it's` → `'it'\''s'`.
  public static func quote(_ word: String) -> String {
    "'" + word.replacingAll("'", with: "'\\''") + "'"
  }

  /// `word` unchanged when the shell would read it as one plain word, quoted otherwise.
  public static func quoteIfNeeded(_ word: String) -> String {
    let plain = !word.isEmpty && word.utf8.allSatisfy { byte in
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
      default:
        return "-_./=:,+@%".utf8.contains(byte)
      }
    }
    return plain ? word : quote(word)
  }
}

extension String {
  /// Every occurrence of `target` replaced, without Foundation.
  package func replacingAll(_ target: String, with replacement: String) -> String {
    guard !target.isEmpty, contains(target) else { return self }
    var result = ""
    var rest = self[...]
    while let range = rest.firstRange(of: target) {
      result += rest[..<range.lowerBound]
      result += replacement
      rest = rest[range.upperBound...]
    }
    return result + rest
  }
}
