import Foundation
import PipelineCore

/// A Node project's `package.json`, parsed, or why it cannot be read.
enum PackageManifest {
  /// The top-level object of `package.json` in `folder`: `nil` when there is no such file,
  /// a diagnostic at the broken spot (`package.json:LINE:COL` when the parser says where)
  /// when it is not a JSON object.
  static func read(in folder: ProjectFolder) -> Result<[String: Any], Diagnostic>? {
    let file = "package.json"
    guard let text = folder.text(of: file) else { return nil }
    let help = "fix \(file) (npm cannot read it either), then run pipeline again"
    do {
      guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        return .failure(Diagnostic(
          at: SourceLocation(file: file, line: 1, column: 1), "\(file) is not a JSON object, so the node pipeline cannot read its start script or main",
          help: help))
      }
      return .success(object)
    } catch {
      let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
      let location = reason.flatMap { offset(in: $0) }.map { position(ofUTF8Offset: $0, in: text, file: file) }
        ?? (reason?.contains("end of file") == true ? position(ofUTF8Offset: text.utf8.count, in: text, file: file) : nil)
      // The offset is in the location already: keep the parser's words only.
      let words = reason.map { $0.components(separatedBy: " around character").first ?? $0 }
        .map { $0.hasSuffix(".") ? String($0.dropLast()) : $0 }
      let detail = words.map { " (\($0))" } ?? ""
      return .failure(Diagnostic(
        at: location ?? SourceLocation(file: file, line: 1, column: 1),
        "\(file) is not valid JSON\(detail), so the node pipeline cannot read its start script or main", help: help))
    }
  }

  /// The N of Foundation's "… around character N." (a 0-based offset in the UTF-8 text).
  private static func offset(in reason: String) -> Int? {
    guard let range = reason.range(of: "character ") else { return nil }
    return Int(reason[range.upperBound...].prefix(while: \.isNumber))
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
