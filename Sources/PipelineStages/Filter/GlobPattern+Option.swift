import PipelineCore

extension GlobPattern: OptionValue {
  public static var optionTypeName: String { "glob" }
  public static var optionPlaceholder: GlobPattern { try! GlobPattern("**") }

  public init(option node: ConfigNode) throws(Diagnostic) {
    let text = try String(option: node)
    do {
      try self.init(text)
    } catch {
      throw Diagnostic(
        at: node.location, "invalid glob: \(error)",
        help: "globs use **, *, ?, [abc] and {a,b}; quote a pattern that starts with * or {")
    }
  }

  public var optionDescription: String { "\"\(description)\"" }

  /// `**` inside a name (`**.go`, `src/**.ts`) is a `*`, which stops at a `/`: the author
  /// most likely meant any depth, `**/*.go`, as some other tools read it.
  public static func optionWarnings(for node: ConfigNode) -> [Diagnostic] {
    guard case .scalar(let text, _) = node.value else { return [] }
    let segments = text.split(separator: "/", omittingEmptySubsequences: false)
    guard segments.contains(where: { $0.contains("**") && $0 != "**" }) else { return [] }
    let meant = segments.map { segment -> String in
      guard segment.hasPrefix("**"), segment != "**" else { return String(segment) }
      return "**/*" + segment.drop { $0 == "*" }
    }.joined(separator: "/")
    // What it does mean: each run of stars inside a name written as one.
    let oneFolder = segments.map { segment -> String in
      guard segment != "**" else { return String(segment) }
      var collapsed = ""
      for character in segment where !(character == "*" && collapsed.last == "*") { collapsed.append(character) }
      return collapsed
    }.joined(separator: "/")
    let help =
      meant.contains("**/*")
      ? "write \"\(meant)\" to match at any depth, or \"\(oneFolder)\" if one folder is meant"
      : "use `**` as a whole segment (`a/**/b`) to cross folders, or write \"\(oneFolder)\" if one folder is meant"
    return [
      Diagnostic(
        at: node.location,
        "glob '\(text)': `**` inside a name is `*`, which does not cross a `/`, so it matches in one folder only",
        help: help, severity: .warning)
    ]
  }
}
