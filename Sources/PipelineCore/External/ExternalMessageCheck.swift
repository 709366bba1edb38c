import FoundationEssentials

/// Says what is wrong with a line that does not read as a protocol message: which field holds
/// a value of the wrong kind, and what was expected, so that a program's author learns that
/// `"pass": "true"` should be `"pass": true` rather than that the line is "not a message".
///
/// Reading a message goes straight to its typed shape; only a line that fails that way comes
/// here, to be read again as plain JSON and checked field by field.
enum ExternalMessageCheck {
  /// The reason `line` is not a message; `nil` when no field is at fault (then the typed
  /// reading failed for a reason this check does not know).
  static func problem(in line: String) -> String? {
    guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line.utf8)),
      case .object(let fields) = value
    else { return notAMessage }
    guard let type = fields["type"], type != .null else { return notAMessage }
    guard case .string = type else { return mismatch("type", expected: "a string", got: type) }
    for (field, expected) in shapes {
      guard let value = fields[field], value != .null else { continue }
      if let problem = expected.problem(value, field: field) { return problem }
    }
    return nil
  }

  /// The reason given for a line that is not a JSON object, or has no `type`.
  static let notAMessage = "not a JSON object with a \"type\""

  /// What each field of any message must hold, in the order they are checked.
  private static let shapes: [(String, Shape)] = [
    ("id", .wholeNumber), ("protocol", .wholeNumber), ("pass", .boolean), ("startup", .boolean),
    ("rescan", .boolean), ("message", .string), ("help", .string), ("event", .string),
    ("stage", .string), ("root", .string), ("config", .object), ("paths", .strings),
    ("metadata", .stringsByName), ("changes", .changes),
  ]

  private enum Shape {
    case wholeNumber, boolean, string, object, strings, stringsByName, changes

    func problem(_ value: JSONValue, field: String) -> String? {
      switch (self, value) {
      case (.wholeNumber, .number(let text)) where Int(text) != nil: return nil
      case (.wholeNumber, _): return mismatch(field, expected: "a whole number", got: value)
      case (.boolean, .bool): return nil
      case (.boolean, _): return mismatch(field, expected: "true or false (without quotes)", got: value)
      case (.string, .string): return nil
      case (.string, _): return mismatch(field, expected: "a string", got: value)
      case (.object, .object): return nil
      case (.object, _): return mismatch(field, expected: "an object", got: value)
      case (.strings, .array(let items)):
        for (index, item) in items.enumerated() {
          guard case .string = item else { return mismatch("\(field)[\(index)]", expected: "a string", got: item) }
        }
        return nil
      case (.strings, _): return mismatch(field, expected: "a list of strings", got: value)
      case (.stringsByName, .object(let entries)):
        for name in entries.keys.sorted() {
          guard case .string = entries[name] else {
            return mismatch("\(field).\(name)", expected: "a string", got: entries[name] ?? .null)
          }
        }
        return nil
      case (.stringsByName, _): return mismatch(field, expected: "an object of strings", got: value)
      case (.changes, .array(let items)):
        for (index, item) in items.enumerated() {
          if let problem = changeProblem(item, at: "\(field)[\(index)]") { return problem }
        }
        return nil
      case (.changes, _):
        return mismatch(field, expected: "a list of changes like {\"path\": \"a.txt\", \"kind\": \"modified\"}", got: value)
      }
    }
  }

  /// What is wrong with one change of `changes`, if anything.
  private static func changeProblem(_ item: JSONValue, at place: String) -> String? {
    guard case .object(let fields) = item else {
      return mismatch(place, expected: "a change like {\"path\": \"a.txt\", \"kind\": \"modified\"}", got: item)
    }
    guard let path = fields["path"], path != .null else { return "\"\(place)\" needs \"path\"" }
    guard case .string = path else { return mismatch("\(place).path", expected: "a string", got: path) }
    guard let kind = fields["kind"], kind != .null else { return "\"\(place)\" needs \"kind\"" }
    let kinds = ChangeKind.allCases.map(\.rawValue)
    guard case .string(let name) = kind, kinds.contains(name) else {
      return mismatch("\(place).kind", expected: "one of " + kinds.joined(separator: ", "), got: kind)
    }
    if let previous = fields["previous_path"], previous != .null {
      guard case .string = previous else { return mismatch("\(place).previous_path", expected: "a string", got: previous) }
    }
    return nil
  }

  /// `"pass" must be true or false (without quotes), got "true"`.
  private static func mismatch(_ field: String, expected: String, got value: JSONValue) -> String {
    var shown = value.optionDescription
    if shown.count > 40 { shown = String(shown.prefix(40)) + "…" }
    return "\"\(field)\" must be \(expected), got \(shown)"
  }
}
