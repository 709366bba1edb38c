/// The first console script a `pyproject.toml` declares: `serve = "shop.cli:main"` in its
/// `[project.scripts]` table (the `name = "module:function"` lines pip turns into commands).
///
/// The file is read line by line, not parsed as TOML: a table written inline
/// (`scripts = { … }` under `[project]`) is not found, and the python template then looks for
/// a `__main__.py` or a lone script instead.
struct PythonProjectScript: Equatable {
  /// The command's name: `serve`.
  let name: String
  /// The module to import: `shop.cli`.
  let module: String
  /// The object to call, maybe dotted: `main`, `App.run`.
  let function: String

  static func find(in folder: ProjectFolder) -> PythonProjectScript? {
    guard let manifest = folder.text(of: "pyproject.toml") else { return nil }
    var inScripts = false
    for rawLine in manifest.split(whereSeparator: \.isNewline) {
      let line = rawLine.trimmingSpaces
      if line.hasPrefix("[") {
        inScripts = line.filter { $0 != " " } == "[project.scripts]"
        continue
      }
      guard inScripts, !line.isEmpty, !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
      let name = line[..<equals].trimmingSpaces.trimmingQuotes
      let value = line[line.index(after: equals)...].trimmingSpaces
      guard let quote = value.first, quote == "\"" || quote == "'" else { continue }
      let reference = value.dropFirst().prefix { $0 != quote }
      // An extras suffix (`module:function [extra]`) does not change what runs.
      let target = reference.split(separator: "[").first?.trimmingSpaces ?? ""
      let parts = target.split(separator: ":", omittingEmptySubsequences: false)
      guard parts.count == 2, isDottedName(parts[0]), isDottedName(parts[1]) else { continue }
      return PythonProjectScript(name: String(name), module: String(parts[0]), function: String(parts[1]))
    }
    return nil
  }

  /// The top-level package of ``module``: `shop` for `shop.cli`.
  var topLevelModule: String { String(module.prefix { $0 != "." }) }

  /// The Python that does what the installed command would: import the module, call the
  /// object, exit with what it returns.
  var code: String {
    let first = function.prefix { $0 != "." }
    return "import sys; from \(module) import \(first); sys.exit(\(function)())"
  }

  /// Names joined by dots, each a Python identifier (ASCII only): nothing that could change
  /// the meaning of the code it is put into.
  private static func isDottedName(_ text: Substring) -> Bool {
    let names = text.trimmingSpaces.split(separator: ".", omittingEmptySubsequences: false)
    return !names.isEmpty && names.allSatisfy { name in
      guard let head = name.first, head.isASCII, head.isLetter || head == "_" else { return false }
      return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
  }
}

extension StringProtocol {
  /// Without the spaces and tabs at either end.
  fileprivate var trimmingSpaces: String {
    String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
  }

  /// Without the quotes around a TOML key (`"serve"`).
  fileprivate var trimmingQuotes: String {
    String(drop { $0 == "\"" || $0 == "'" }.reversed().drop { $0 == "\"" || $0 == "'" }.reversed())
  }
}
