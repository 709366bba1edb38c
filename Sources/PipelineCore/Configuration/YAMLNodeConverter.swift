/// Reads the YAML of a pipeline file into ``ConfigNode``s, its mistakes into ``Diagnostic``s
/// (the reader is `YAML/YAMLReader.swift`, the standard library only).
package enum YAMLNodeConverter {
  /// Parses `text`, naming it `file` in diagnostics; `nil` for an empty document (nothing,
  /// or only comments).
  package static func parse(_ text: String, file: String) throws(Diagnostic) -> ConfigNode? {
    try YAMLReader.read(text, file: file)
  }
}
