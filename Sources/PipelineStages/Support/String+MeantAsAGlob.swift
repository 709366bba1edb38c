extension String {
  /// Whether a value that names things as written (an `exclude_dirs` folder, an `extensions`
  /// entry) has `*` or `?`: the user meant a glob, which would match nothing there. `[` is not
  /// counted: folders such as `pages/[id]` exist.
  var isMeantAsAGlob: Bool {
    utf8.contains(UInt8(ascii: "*")) || utf8.contains(UInt8(ascii: "?"))
  }
}
