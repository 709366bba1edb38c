import PipelineCore

/// What the python template runs, in order:
///
/// 1. `manage.py`: Django's development server, its own reloader off;
/// 2. `main.py`, `app.py`, `server.py`, the first that exists;
/// 3. the first console script of `pyproject.toml`'s `[project.scripts]`
///    (``PythonProjectScript``): its function, called with `python3 -c`;
/// 4. the one package folder here with a `__main__.py`: `python3 -m NAME`; else the one in
///    `src/` (the src layout);
/// 5. the one `.py` file here (setup, test and conftest files aside), or else the one of
///    them with an `if __name__ == "__main__":` block;
/// 6. else none: `main.py` is written as a placeholder, and `run` says what it looked for.
///
/// A module found in `src/` is run with `PYTHONPATH=src`, so that it is imported from the
/// sources without being installed.
struct PythonEntryPoint: Equatable {
  /// The argv of the restart stage.
  let arguments: [String]
  /// `src` for the src layout: the restart stage's `env: {PYTHONPATH: …}`.
  var pythonPath: String? = nil
  /// Why, for the template's comment.
  let origin: String
  /// The same, for run's notice, or what went wrong.
  let entryPoint: EntryPoint

  static let conventionalFiles = ["main.py", "app.py", "server.py"]

  static func find(in folder: ProjectFolder) -> PythonEntryPoint {
    if folder.exists("manage.py") {
      return found(
        ["python3", "manage.py", "runserver", "--noreload"],
        "Django's development server, with its own reloader off (pipeline is the reloader)")
    }
    if let script = conventionalFiles.first(where: folder.exists) {
      return found(["python3", script], script)
    }
    if let script = PythonProjectScript.find(in: folder) {
      let inSource = !folder.isFolder(script.topLevelModule) && folder.isFolder("src/" + script.topLevelModule)
      return found(
        ["python3", "-c", script.code],
        "\(script.module):\(script.function), the script \(script.name) of pyproject.toml's [project.scripts]"
          + (inSource ? ", imported from src/" : ""),
        sourceLayout: inSource)
    }
    let packages = folder.entries().filter { isModuleName($0) && folder.exists($0 + "/__main__.py") }
    if packages.count == 1 {
      return found(["python3", "-m", packages[0]], "package \(packages[0]), the only folder here with a __main__.py")
    }
    let sourcePackages = packages.isEmpty
      ? folder.entries(of: "src").filter { isModuleName($0) && folder.exists("src/\($0)/__main__.py") } : []
    if sourcePackages.count == 1 {
      return found(
        ["python3", "-m", sourcePackages[0]],
        "package \(sourcePackages[0]), the only folder in src/ with a __main__.py", sourceLayout: true)
    }
    let scripts = folder.entries().filter(isScript)
    if scripts.count == 1 {
      return found(["python3", scripts[0]], "\(scripts[0]), the only .py file here")
    }
    let guarded = scripts.filter { folder.text(of: $0).map(hasMainBlock) ?? false }
    if guarded.count == 1 {
      return found(["python3", guarded[0]], "\(guarded[0]), the only .py file here with an `if __name__ == \"__main__\":` block")
    }
    var seen: [String] = []
    if packages.count > 1 { seen.append("packages with __main__.py: \(packages.joined(separator: ", "))") }
    if sourcePackages.count > 1 {
      seen.append("packages with __main__.py in src/: \(sourcePackages.joined(separator: ", "))")
    }
    if !scripts.isEmpty { seen.append(".py files: \(scripts.joined(separator: ", "))") }
    let found = seen.isEmpty ? "" : " (found \(seen.joined(separator: "; ")))"
    return PythonEntryPoint(
      arguments: ["python3", "main.py"],
      origin: "main.py, a placeholder: no entry point was found; put yours here",
      entryPoint: .missing(Diagnostic(
        at: nil,
        "the python pipeline found no entry point to run: looked for manage.py, \(conventionalFiles.joined(separator: ", ")), a [project.scripts] entry in pyproject.toml, a single package folder with __main__.py (here, else in src/), a single .py file (or a single one with an `if __name__ == \"__main__\":` block)\(found)",
        help: "`pipeline init` writes the pipeline to pipeline.yaml: set its restart stage's run: to your app ([python3, FILE.py] or [python3, -m, PACKAGE]), then `pipeline run`")))
  }

  private static func found(_ arguments: [String], _ origin: String, sourceLayout: Bool = false) -> PythonEntryPoint {
    let pythonPath = sourceLayout ? "src" : nil
    let shown = (pythonPath.map { "PYTHONPATH=\($0) " } ?? "") + arguments.map(ShellQuoting.quoteIfNeeded).joined(separator: " ")
    return PythonEntryPoint(
      arguments: arguments, pythonPath: pythonPath, origin: origin, entryPoint: .found("\(shown): \(origin)"))
  }

  /// A name `python3 -m` accepts: letters, digits and `_`, not starting with a digit.
  private static func isModuleName(_ name: String) -> Bool {
    guard let first = name.first, first.isLetter || first == "_", !name.hasPrefix("__") else { return false }
    return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
  }

  /// A top-level `.py` file that could be the app: not packaging, tests or tool configuration.
  private static func isScript(_ name: String) -> Bool {
    guard name.hasSuffix(".py"), !name.hasPrefix(".") else { return false }
    let notApps: Set = ["setup.py", "conftest.py", "noxfile.py", "fabfile.py", "__init__.py"]
    return !notApps.contains(name) && !name.hasPrefix("test_") && !name.hasSuffix("_test.py")
  }

  /// Whether the source runs something when started as a script.
  private static func hasMainBlock(_ source: String) -> Bool {
    source.split(separator: "\n").contains { line in
      let compact = line.filter { !$0.isWhitespace }
      return compact.hasPrefix("if__name__==\"__main__\"") || compact.hasPrefix("if__name__=='__main__'")
    }
  }

  /// The argv as a YAML flow list; a word with anything but letters, digits and `._/-` is quoted.
  var yaml: String {
    "[" + arguments.map { word in
      word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._/-".contains($0)) }
        ? word : "\"" + word.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }.joined(separator: ", ") + "]"
  }
}
