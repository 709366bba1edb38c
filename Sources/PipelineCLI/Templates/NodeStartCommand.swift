import FoundationEssentials
import PipelineCore

/// How a Node project starts, read from its `package.json`: the `run:` of the node
/// template's restart stage.
///
/// In order:
/// 1. `scripts.start` when it is a plain `node FILE …` (words without shell syntax): run
///    as an argv, so the stop signal reaches node itself rather than npm and a shell;
/// 2. any other `scripts.start`: `npm start` (npm and its shell stay in between; the whole
///    process group is stopped, so nothing is left behind);
/// 3. `server.js` when it exists (what `npm start` runs without a start script);
/// 4. `main` of `package.json`, when that file exists (as `require` finds it: the path,
///    with `.js`, or its `index.js`);
/// 5. `index.js` when it exists;
/// 6. else nothing: `node index.js` is written as a placeholder, and `run` says what is
///    missing. A `package.json` that is not JSON is reported where it breaks, not guessed
///    around.
struct NodeStartCommand: Equatable {
  /// The argv.
  let arguments: [String]
  /// Where it comes from, for the template's comment.
  let origin: String
  /// How it was chosen, for run's notice, or what is missing.
  let entryPoint: EntryPoint

  init(arguments: [String], origin: String, entryPoint: EntryPoint? = nil) {
    self.arguments = arguments
    self.origin = origin
    self.entryPoint = entryPoint ?? .found("\(arguments.joined(separator: " ")): \(origin)")
  }

  static func read(in folder: ProjectFolder) -> NodeStartCommand {
    let manifest: [String: JSONValue]?
    switch PackageManifest.read(in: folder) {
    case .failure(let diagnostic):
      return NodeStartCommand(
        arguments: ["node", "index.js"], origin: "a placeholder: package.json cannot be read",
        entryPoint: .unreadable(diagnostic))
    case .success(let object): manifest = object
    case nil: manifest = nil
    }
    if case .object(let scripts)? = manifest?["scripts"], case .string(let start)? = scripts["start"] {
      if let (words, reloader) = withoutReloader(start) {
        return NodeStartCommand(
          arguments: words,
          origin: "package.json's start script without \(reloader) (`\(start)`): pipeline restarts the app itself, and two reloaders would restart it twice per save")
      }
      if let words = plainNodeCommand(start) {
        return NodeStartCommand(arguments: words, origin: "package.json's start script, run without npm's shell")
      }
      var origin = "package.json's start script (`\(start)`), through npm"
      if let reloader = reloaders.first(where: { start.contains($0) }) {
        origin += "; warning: it runs \(reloader), which restarts the app on its own as well as pipeline: "
          + "write a start script without it, or `pipeline init` and set the restart stage's run:"
      }
      return NodeStartCommand(arguments: ["npm", "start"], origin: origin)
    }
    if folder.exists("server.js") {
      return NodeStartCommand(arguments: ["node", "server.js"], origin: "server.js, what `npm start` runs by default")
    }
    let main: String? = if case .string(let main)? = manifest?["main"] { main } else { nil }
    if let main, !main.isEmpty {
      let resolved = [main, main + ".js", main + "/index.js"].map(PathText.normalize)
      if resolved.contains(where: { folder.exists($0) && !folder.isFolder($0) }) {
        return NodeStartCommand(arguments: ["node", main], origin: "package.json's main")
      }
    }
    if folder.exists("index.js") {
      return NodeStartCommand(arguments: ["node", "index.js"], origin: "index.js, Node's default entry point")
    }
    let mainNote = main.map { $0.isEmpty ? "" : "its main is '\($0)', which does not exist, " } ?? "it has no main, "
    let what = manifest == nil ? "there is no package.json, " : "package.json has no scripts.start, \(mainNote)"
    return NodeStartCommand(
      arguments: ["node", "index.js"], origin: "a placeholder: nothing to start was found; put yours here",
      entryPoint: .missing(Diagnostic(
        at: nil,
        "the node pipeline found nothing to start: \(what)and there is no server.js or index.js",
        help: "add a start script to package.json (\"start\": \"node app.js\") or set its main, then `pipeline run` again; or `pipeline init`, and set the restart stage's run:")))
  }

  /// The words of `script` when it is `node` followed by plain words (letters, digits and
  /// `._/@:=+,-`), else `nil`: anything else needs a shell.
  static func plainNodeCommand(_ script: String) -> [String]? {
    let words = script.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    guard words.count >= 2, words[0] == "node" else { return nil }
    func isPlain(_ scalar: Unicode.Scalar) -> Bool {
      scalar.properties.isAlphabetic || scalar.properties.numericType != nil || "._/@:=+,-".unicodeScalars.contains(scalar)
    }
    guard words.allSatisfy({ $0.unicodeScalars.allSatisfy(isPlain) }) else { return nil }
    return words
  }

  /// What restarts a Node app on changes by itself, as a start script names it.
  static let reloaders = ["nodemon", "node --watch", "node-dev", "ts-node-dev", "supervisor"]

  /// `nodemon app.js` as `node app.js`, and `node --watch app.js` (or `--watch-path=src`) as
  /// `node app.js`, with the reloader's name: the start script of a project made for another
  /// reloader. `nil` when `script` is not one of those with plain words (nodemon's options, such
  /// as `--exec` or `-e`, are left to it: `npm start` runs them).
  static func withoutReloader(_ script: String) -> (arguments: [String], reloader: String)? {
    let words = script.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    if words.first == "nodemon", words.count >= 2, !words[1...].contains(where: { $0.hasPrefix("-") }),
      let node = plainNodeCommand((["node"] + words[1...]).joined(separator: " "))
    {
      return (node, "nodemon")
    }
    let watching = words.filter { $0 == "--watch" || $0.hasPrefix("--watch-path=") || $0 == "--watch-preserve-output" }
    if words.first == "node", !watching.isEmpty,
      let node = plainNodeCommand(words.filter { !watching.contains($0) }.joined(separator: " "))
    {
      return (node, "node --watch")
    }
    return nil
  }

  /// The argv as a YAML flow list, each word quoted.
  var yaml: String { "[" + arguments.map { "\"\($0.replacing("\\", with: "\\\\").replacing("\"", with: "\\\""))\"" }.joined(separator: ", ") + "]" }
}
