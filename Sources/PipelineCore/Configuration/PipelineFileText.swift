/// The text of a pipeline file, which must be UTF-8: a byte that is not is reported where it
/// is, instead of silently becoming U+FFFD in a command or a path.
enum PipelineFileText {
  /// Decodes `bytes`; throws a diagnostic at the line and column of the first byte that is
  /// not UTF-8 (the column counts characters, as the YAML parser's do).
  static func decode(_ bytes: [UInt8], file: String) throws(Diagnostic) -> String {
    var iterator = bytes.makeIterator()
    var parser = Unicode.UTF8.ForwardParser()
    var offset = 0
    var line = 1
    var column = 1
    while true {
      switch parser.parseScalar(from: &iterator) {
      case .valid(let encoded):
        offset += encoded.count
        if encoded.count == 1, encoded.first == UInt8(ascii: "\n") {
          line += 1
          column = 1
        } else {
          column += 1
        }
      case .emptyInput:
        return String(decoding: bytes, as: UTF8.self)
      case .error:
        let byte = String(bytes[offset], radix: 16, uppercase: true)
        throw Diagnostic(
          at: SourceLocation(file: file, line: line, column: column),
          "cannot read YAML: byte 0x\(byte) here is not UTF-8 (the file is in another encoding, such as Latin-1)",
          help: "save the file as UTF-8 (most editors offer it under Save As or the encoding in the status bar)")
      }
    }
  }
}
