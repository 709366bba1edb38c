import PipelineCore

/// A Node project's `package.json`, parsed, or why it cannot be read.
enum PackageManifest {
  /// The top-level object of `package.json` in `folder`: `nil` when there is no such file,
  /// a diagnostic at the broken spot (`package.json:LINE:COL`)
  /// when it is not a JSON object.
  static func read(in folder: ProjectFolder) -> Result<[String: JSONValue], Diagnostic>? {
    let file = "package.json"
    guard let text = folder.text(of: file) else { return nil }
    // No "then run pipeline again": while `pipeline run` runs, it reads the file again when saved.
    let help = "fix \(file): npm cannot read it either"
    do throws(JSONText.SyntaxError) {
      guard case .object(let object) = try JSONText.parse(text) else {
        return .failure(Diagnostic(
          at: SourceLocation(file: file, line: 1, column: 1), "\(file) is not a JSON object, so the node pipeline cannot read its start script or main",
          help: help))
      }
      return .success(object)
    } catch {
      return .failure(Diagnostic(
        at: position(ofUTF8Offset: error.offset, in: text, file: file),
        "\(file) is not valid JSON (\(error.problem)), so the node pipeline cannot read its start script or main", help: help))
    }
  }

  /// The 1-based line and column of a UTF-8 offset.
  static func position(ofUTF8Offset offset: Int, in text: String, file: String) -> SourceLocation {
    var line = 1
    var column = 1
    for byte in text.utf8.prefix(offset) {
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {
        column += 1
      }
    }
    return SourceLocation(file: file, line: line, column: column)
  }
}
