import FoundationEssentials
import PipelineCore

/// The main package the go template builds, found the way air users set it by hand:
///
/// 1. this folder, when one of its `.go` files (tests aside) is `package main`;
/// 2. else the one folder among `cmd/` and `cmd/NAME/` that holds a `package main`;
/// 3. else none: several under `cmd/` are listed for the user to pick, and no guess is made.
struct GoMainPackage: Equatable {
  /// The package for `go build`: `.` or `./cmd/NAME`.
  let path: String
  /// How it was chosen, or why not.
  let entryPoint: EntryPoint
  /// Every main package found under `cmd/`, when several are (``path`` is then only the
  /// first, a placeholder in the template).
  var choices: [String] = []

  static func find(in folder: ProjectFolder) -> GoMainPackage {
    if isMainPackage("", in: folder) {
      return GoMainPackage(path: ".", entryPoint: .found(". (package main in this folder)"))
    }
    let candidates = (["cmd"] + folder.entries(of: "cmd").filter { !isIgnored($0) }.map { "cmd/" + $0 })
      .filter { folder.isFolder($0) && isMainPackage($0, in: folder) }
    let rootHasGo = !goFiles(in: "", of: folder).isEmpty
    switch candidates.count {
    case 1:
      let path = "./" + candidates[0]
      let why = rootHasGo ? "this folder's package is not main" : "this folder has no .go file"
      return GoMainPackage(path: path, entryPoint: .found("\(path), the only main package under cmd/ (\(why))"))
    case 0:
      return GoMainPackage(
        path: ".",
        entryPoint: .missing(Diagnostic(
          at: nil,
          "the go pipeline found no main package to build: no .go file of package main in this folder, nor in cmd/ or a folder under it",
          help: "write main.go (package main) here or in cmd/NAME/, then `pipeline run` again; or `pipeline init`, and put your package on its build line (`go build … ./path/to/main`)")))
    default:
      let listed = candidates.map { "./" + $0 }
      return GoMainPackage(
        path: listed[0],
        entryPoint: .missing(Diagnostic(
          at: nil,
          "the go pipeline builds one main package, and cmd/ holds \(listed.count): \(listed.joined(separator: ", ")); it picks none",
          help: "`pipeline init` writes the pipeline to pipeline.yaml: put the one to run at the end of its build line (`go build … \(listed[0])`), then `pipeline run`")),
        choices: listed)
    }
  }

  /// Folders the go tool ignores: `_x`, `.x`, `testdata`.
  private static func isIgnored(_ name: String) -> Bool {
    name.hasPrefix("_") || name.hasPrefix(".") || name == "testdata"
  }

  /// The `.go` files of `subfolder` (`""`: the folder itself), tests left out.
  private static func goFiles(in subfolder: String, of folder: ProjectFolder) -> [String] {
    folder.entries(of: subfolder).filter { $0.hasSuffix(".go") && !$0.hasSuffix("_test.go") && !isIgnored($0) }
      .map { subfolder.isEmpty ? $0 : subfolder + "/" + $0 }
  }

  /// Whether a `.go` file of `subfolder` declares `package main`.
  private static func isMainPackage(_ subfolder: String, in folder: ProjectFolder) -> Bool {
    goFiles(in: subfolder, of: folder).contains { file in
      folder.text(of: file).map { packageName(of: $0) == "main" } ?? false
    }
  }

  /// The name in the package clause of Go source: the first word after `package` once the
  /// leading comments and blank lines are skipped.
  static func packageName(of source: String) -> String? {
    var inBlockComment = false
    for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
      var rest = Substring(line.trimmingSpacesAndTabs)
      while !rest.isEmpty {
        if inBlockComment {
          guard let end = rest.firstRange(of: "*/") else { rest = ""; break }
          rest = rest[end.upperBound...].drop(while: \.isWhitespace)
          inBlockComment = false
        } else if rest.hasPrefix("//") {
          rest = ""
        } else if rest.hasPrefix("/*") {
          rest = rest.dropFirst(2)
          inBlockComment = true
        } else {
          guard rest.hasPrefix("package"), rest.dropFirst(7).first?.isWhitespace == true else { return nil }
          let name = rest.dropFirst(7).drop(while: \.isWhitespace).prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
          return name.isEmpty ? nil : String(name)
        }
      }
    }
    return nil
  }
}
