/// An error a person must fix, in the compiler's format, with a hint that says what to do:
///
/// ```
/// pipelines/dev.yaml:14:11: error: unknown stage 'debounse'
///   help: did you mean 'debounce'? Known: build, debounce, filter, restart, test, watch
/// ```
///
/// Every loading error is a `Diagnostic`; `Documentation/Errors.md` lists their texts and
/// the loader tests pin them.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
  /// Where the problem is; `nil` when it concerns the file as a whole or no file at all.
  public var location: SourceLocation?
  /// What is wrong, in one line.
  public var message: String
  /// What to do about it, if there is something useful to say.
  public var help: String?
  /// An error stops the file from loading; a warning is advice on a file that loads.
  public var severity: Severity

  public enum Severity: String, Sendable, Hashable {
    case error, warning
  }

  public init(at location: SourceLocation?, _ message: String, help: String? = nil, severity: Severity = .error) {
    self.location = location
    self.message = message
    self.help = help
    self.severity = severity
  }

  public var description: String {
    let head = location.map { "\($0): \(severity.rawValue): \(message)" } ?? "\(severity.rawValue): \(message)"
    guard let help else { return head }
    return head + "\n  help: " + help
  }

  /// On one line, for a message that quotes it (`could not start: …`): the message, then the
  /// help after `; `, without the `error:` and the place.
  public var inlineText: String { help.map { "\(message); \($0)" } ?? message }

  /// `error`'s ``inlineText`` when it is a diagnostic, else its description.
  public static func inlineText(of error: any Error) -> String {
    (error as? Diagnostic)?.inlineText ?? "\(error)"
  }
}

/// One or more diagnostics found together (a loader reports every problem it can find,
/// not only the first).
public struct DiagnosticList: Error, Sendable, CustomStringConvertible {
  public var diagnostics: [Diagnostic]

  public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

  public var description: String { diagnostics.map(\.description).joined(separator: "\n") }

  /// `diagnostics` in the order a reader meets them in the file: by line, then column; those
  /// without a place first; equal places keep the order they were found in.
  public static func inSourceOrder(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
    diagnostics.enumerated().sorted { a, b in
      let left = (a.element.location?.line ?? 0, a.element.location?.column ?? 0, a.offset)
      let right = (b.element.location?.line ?? 0, b.element.location?.column ?? 0, b.offset)
      return left < right
    }.map(\.element)
  }
}
