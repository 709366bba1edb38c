/// The text of a pipeline file, which must be UTF-8: a byte that is not is reported where it
/// is, instead of silently becoming U+FFFD in a command or a path.
enum PipelineFileText {
  /// Decodes `bytes`; throws a diagnostic at the line and column of the first byte that is
  /// not UTF-8, counted as the YAML reader counts them (``YAMLCursor``): characters, a leading
  /// byte-order mark as none, and CRLF or a lone CR as one line break.
  static func decode(_ bytes: [UInt8], file: String) throws(Diagnostic) -> String {
    var iterator = bytes.makeIterator()
    var parser = Unicode.UTF8.ForwardParser()
    var offset = 0
    var line = 1
    var column = 1
    var previousWasCR = false
    while true {
      switch parser.parseScalar(from: &iterator) {
      case .valid(let encoded):
        let isFirst = offset == 0
        offset += encoded.count
        let byte = encoded.count == 1 ? encoded.first : nil
        if byte == UInt8(ascii: "\r") || (byte == UInt8(ascii: "\n") && !previousWasCR) {
          line += 1
          column = 1
        } else if !(isFirst && encoded.elementsEqual([0xEF, 0xBB, 0xBF])) && byte != UInt8(ascii: "\n") {
          column += 1
        }
        previousWasCR = byte == UInt8(ascii: "\r")
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
