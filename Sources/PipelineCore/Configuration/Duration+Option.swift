/// Durations as pipeline files write them: `50ms`, `2s`, `1.5s`, `1m`, `1m30s`; a bare
/// integer means milliseconds.
extension Duration: OptionValue {
  public static var optionTypeName: String { "duration" }
  public static var optionPlaceholder: Duration { .zero }

  public init(option node: ConfigNode) throws(Diagnostic) {
    guard case .scalar(let text, _) = node.value, let duration = Duration(pipelineText: text) else {
      throw Diagnostic(
        at: node.location, "expected a duration like 500ms, 2s or 1m, got \(node.kindDescription)",
        help: "units: ms, s, m, h; a whole number alone means milliseconds, a decimal needs its unit (1.5s)")
    }
    self = duration
  }

  public var optionDescription: String { pipelineText }

  /// Parses `50ms`, `2s`, `1.5s`, `1m`, `1m30s`, `250` (milliseconds); `nil` when malformed
  /// or negative.
  public init?(pipelineText text: String) {
    let text = text.trimmingWhitespace
    guard !text.isEmpty else { return nil }
    if let milliseconds = Int64(text) {
      guard milliseconds >= 0, milliseconds < 9_200_000_000_000_000 / 1_000_000 else { return nil }
      self = .milliseconds(milliseconds)
      return
    }
    var total = Duration.zero
    var rest = text[...]
    while !rest.isEmpty {
      let number = rest.prefix { $0.isNumber || $0 == "." }
      guard !number.isEmpty, let value = Double(number) else { return nil }
      rest = rest.dropFirst(number.count)
      let unit = rest.prefix { $0.isLetter || $0 == "µ" }
      rest = rest.dropFirst(unit.count)
      let scale: Double
      switch unit {
      case "ns": scale = 1e-9
      case "us", "µs": scale = 1e-6
      case "ms": scale = 1e-3
      case "s": scale = 1
      case "m": scale = 60
      case "h": scale = 3600
      default: return nil
      }
      let nanoseconds = (value * scale * 1e9).rounded()
      // Beyond about 292 years a duration no longer fits; nobody means that.
      guard nanoseconds.isFinite, nanoseconds < 9.2e18 else { return nil }
      total += .nanoseconds(Int64(nanoseconds))
    }
    self = total
  }

  /// The shortest text that `init?(pipelineText:)` reads back: `50ms`, `2s`, `1.5s`, `1m`.
  public var pipelineText: String {
    let (seconds, attoseconds) = components
    guard seconds < 9_000_000_000 else { return "\(seconds)s" }
    let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    if nanoseconds == 0 { return "0ms" }
    if nanoseconds % 60_000_000_000 == 0 { return "\(nanoseconds / 60_000_000_000)m" }
    if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
    if nanoseconds >= 1_000_000_000 && nanoseconds % 1_000_000 == 0 {
      return Self.trimmed(Double(nanoseconds) / 1e9) + "s"
    }
    if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
    return Self.trimmed(Double(nanoseconds) / 1e6) + "ms"
  }

  /// A duration for people: `12ms`, `1.42s`, `2m05s`.
  public var humanText: String {
    let (seconds, attoseconds) = components
    let milliseconds = Double(seconds) * 1000 + Double(attoseconds) / 1e15
    if milliseconds < 1 { return "\(Self.trimmed((milliseconds * 100).rounded() / 100))ms" }
    if milliseconds < 1000 { return "\(Int(milliseconds.rounded()))ms" }
    if milliseconds < 60_000 { return "\(Self.trimmed((milliseconds / 10).rounded() / 100))s" }
    let whole = Int(milliseconds / 1000)
    let remainder = whole % 60
    return "\(whole / 60)m" + (remainder < 10 ? "0" : "") + "\(remainder)s"
  }

  /// Seconds as a floating-point number.
  public var seconds: Double {
    let (seconds, attoseconds) = components
    return Double(seconds) + Double(attoseconds) / 1e18
  }

  private static func trimmed(_ value: Double) -> String {
    var text = String(value)
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text
  }
}
