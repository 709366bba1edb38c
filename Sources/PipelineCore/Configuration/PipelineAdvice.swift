import Glibc

/// Warnings about a pipeline that loads but may not do what its author means: checks of the
/// whole graph that no single stage can make. `pipeline validate` and `pipeline run` print
/// them; nothing stops.
struct PipelineAdvice {
  let stages: [StageDefinition]
  /// The pipeline's folder, which relative paths start from.
  let root: String
  /// Each stage's inputs, by name.
  private let inputs: [String: [String]]

  init(stages: [StageDefinition], root: String) {
    self.stages = stages
    self.root = root
    inputs = Dictionary(stages.map { ($0.name, $0.inputs) }, uniquingKeysWith: { first, _ in first })
  }

  /// Every warning: those about the stages' values, in the order of the stages; then the
  /// copies beside rewrites, the folders not watched, and the folders missing.
  var warnings: [Diagnostic] {
    stages.flatMap(\.warnings) + copiesBesideRewrites + unwatchedFolderInputs + missingFolders
  }

  /// A stage that copies the watched files (`sync`) beside one that rewrites them (`format`),
  /// neither after the other. The copy may be made before the rewrite, and the rewrite is the
  /// pipeline's own write, which starts no cycle: the copy would keep the unformatted text
  /// until the file's next edit.
  var copiesBesideRewrites: [Diagnostic] {
    let rewriters = stages.filter { $0.descriptor.fileAccess == .rewrites }
    guard !rewriters.isEmpty else { return [] }
    var advice: [Diagnostic] = []
    for copier in stages where copier.descriptor.fileAccess == .copies {
      let before = upstream(of: copier.name)
      for rewriter in rewriters where !before.contains(rewriter.name) {
        guard !upstream(of: rewriter.name).contains(copier.name) else { continue }
        advice.append(
          Diagnostic(
            at: copier.location,
            "stage '\(copier.name)' copies files beside '\(rewriter.name)', which rewrites them: it may copy a file before it is rewritten, and the rewrite starts no cycle, so the copy would stay as it was",
            help: "add `after: [\(rewriter.name)]` to '\(copier.name)', or put it after a stage that comes after '\(rewriter.name)'",
            severity: .warning))
      }
    }
    return advice
  }

  /// A folder a stage acts on (`sync`'s `from`) that no source before it watches, not even
  /// in part: no change there ever reaches the stage. Checked only when every source before
  /// the stage says what it watches.
  var unwatchedFolderInputs: [Diagnostic] {
    var advice: [Diagnostic] = []
    let byName = Dictionary(stages.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    stages: for stage in stages where !stage.configuration.folderInputs.isEmpty {
      let sources = upstream(of: stage.name).compactMap { byName[$0] }.filter { $0.descriptor.role == .source }
      guard !sources.isEmpty else { continue }
      var watched: [String] = []
      for source in sources.sorted(by: { $0.location.line < $1.location.line }) {
        guard let folders = source.configuration.watchedFolders else { continue stages }
        watched += folders.map { PathText.join(root, $0) }
      }
      for folder in stage.configuration.folderInputs {
        let absolute = PathText.join(root, folder.path)
        guard !watched.contains(where: { Self.overlap($0, absolute) }) else { continue }
        let shown = watched.map { "'\(PathText.relative($0, to: root))'" }.joined(separator: ", ")
        advice.append(
          Diagnostic(
            at: folder.location ?? stage.location,
            "stage '\(stage.name)': '\(folder.key)' (\(folder.path), \(absolute)) is outside the watched folders (\(shown)): no change there reaches the stage",
            help: "watch that folder too (add it to `paths` of the watch stage), or fix '\(folder.key)' (it is relative to the pipeline file's folder)",
            severity: .warning))
      }
    }
    return advice
  }

  /// A folder a stage needs (a command's `workdir`, `sync`'s `from`) that is not a folder
  /// now. Only a warning: a build earlier in the pipeline may make it.
  var missingFolders: [Diagnostic] {
    var advice: [Diagnostic] = []
    for stage in stages {
      for folder in stage.configuration.expectedFolders {
        let absolute = PathText.join(root, folder.path)
        var info = stat()
        guard stat(absolute, &info) != 0 || info.st_mode & S_IFMT != S_IFDIR else { continue }
        advice.append(
          Diagnostic(
            at: folder.location ?? stage.location,
            "stage '\(stage.name)': '\(folder.key)' (\(folder.path), \(absolute)) is not a folder: \(folder.whenMissing)",
            help: "fix '\(folder.key)' if it is a typo (it is relative to the pipeline file's folder), or create the folder; one a build makes is fine",
            severity: .warning))
      }
    }
    return advice
  }

  /// The names of every stage a batch passes before it reaches `name`.
  func upstream(of name: String) -> Set<String> {
    var found = Set<String>()
    var pending = inputs[name] ?? []
    while let next = pending.popLast() {
      if found.insert(next).inserted { pending += inputs[next] ?? [] }
    }
    return found
  }

  /// Whether one of the two folders (absolute, normalised) holds the other, or they are one.
  static func overlap(_ first: String, _ second: String) -> Bool {
    func holds(_ outer: String, _ inner: String) -> Bool {
      outer == inner || outer == "/" || inner.hasPrefix(outer + "/")
    }
    return holds(first, second) || holds(second, first)
  }
}
