import Foundation

/// How a Node project starts, read from its `package.json`: the `run:` of the node
/// template's restart stage.
///
/// In order:
/// 1. `scripts.start` when it is a plain `node FILE …` (words without shell syntax): run
///    as an argv, so the stop signal reaches node itself rather than npm and a shell;
/// 2. any other `scripts.start`: `npm start` (npm and its shell stay in between; the whole
///    process group is stopped, so nothing is left behind);
/// 3. `server.js` when it exists (what `npm start` runs without a start script);
/// 4. `main` of `package.json`;
/// 5. `index.js`.
struct NodeStartCommand: Equatable {
  /// The argv.
  let arguments: [String]
  /// Where it comes from, for the template's comment.
  let origin: String

  static func read(in folder: ProjectFolder) -> NodeStartCommand {
    let manifest = folder.text(of: "package.json")
      .flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    if let start = (manifest?["scripts"] as? [String: Any])?["start"] as? String {
      if let words = plainNodeCommand(start) {
        return NodeStartCommand(arguments: words, origin: "package.json's start script, run without npm's shell")
      }
      return NodeStartCommand(
        arguments: ["npm", "start"], origin: "package.json's start script (`\(start)`), through npm")
    }
    if folder.exists("server.js") {
      return NodeStartCommand(arguments: ["node", "server.js"], origin: "server.js, what `npm start` runs by default")
    }
    if let main = manifest?["main"] as? String, !main.isEmpty {
      return NodeStartCommand(arguments: ["node", main], origin: "package.json's main")
    }
    return NodeStartCommand(arguments: ["node", "index.js"], origin: "index.js, Node's default entry point")
  }

  /// The words of `script` when it is `node` followed by plain words (letters, digits and
  /// `._/@:=+,-`), else `nil`: anything else needs a shell.
  static func plainNodeCommand(_ script: String) -> [String]? {
    let words = script.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    guard words.count >= 2, words[0] == "node" else { return nil }
    let plain = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._/@:=+,-"))
    guard words.allSatisfy({ $0.unicodeScalars.allSatisfy(plain.contains) }) else { return nil }
    return words
  }

  /// The argv as a YAML flow list, each word quoted.
  var yaml: String { "[" + arguments.map { "\"\($0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"" }.joined(separator: ", ") + "]" }
}
