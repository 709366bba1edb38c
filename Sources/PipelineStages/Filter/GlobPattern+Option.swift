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
}
