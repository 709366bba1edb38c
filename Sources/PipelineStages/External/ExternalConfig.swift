import PipelineCore

/// The value of `config:`: a mapping whose values may be anything, handed to the program as a
/// JSON object. Anything else is an error of its own, reported with the stage's other errors.
struct ExternalConfig: OptionValue {
  var values: [String: JSONValue] = [:]

  static var optionTypeName: String { "mapping" }
  static var optionPlaceholder: ExternalConfig { ExternalConfig() }

  init() {}

  init(option node: ConfigNode) throws(Diagnostic) {
    guard case .mapping = node.value, case .object(let values) = try JSONValue(option: node) else {
      throw Diagnostic(
        at: node.location, "'config' must be a mapping, got \(node.kindDescription)",
        help: "write it like config: { url: \"http://127.0.0.1:8080/\" }")
    }
    self.values = values
  }

  var optionDescription: String { JSONValue.object(values).optionDescription }
}
