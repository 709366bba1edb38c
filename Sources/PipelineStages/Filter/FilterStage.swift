import PipelineCore

/// Keeps the changed paths that match `include` (all, when it is empty) and no `exclude`
/// pattern; a batch left empty goes no further. The startup batch and a rescan batch
/// always pass.
///
/// ```yaml
/// - stage: filter
///   include: ["**/*.go", "**/*.tmpl"]
///   exclude: ["tmp/**", "vendor/**", "**/*_test.go"]
/// ```
///
/// Patterns match paths relative to the pipeline's folder.
struct FilterStage: Stage {
  struct Configuration: StageConfiguration {
    var include: [GlobPattern]
    var exclude: [GlobPattern]

    init(options: StageOptions) throws {
      include = try options.value(
        "include", default: [],
        help: "Globs of paths to keep; an empty list keeps every path.")
      exclude = try options.value(
        "exclude", default: [],
        help: "Globs of paths to drop, even when they match include.")
    }

    /// Whether `path` passes.
    func keeps(_ path: String) -> Bool {
      (include.isEmpty || include.contains { $0.covers(path) }) && !exclude.contains { $0.covers(path) }
    }
  }

  static let role = StageRole.transform
  static let summary = "Keeps the changes whose paths match include and no exclude glob."
  static let example = "- stage: filter\n  include: [\"**/*.go\"]\n  exclude: [\"tmp/**\"]"

  let configuration: Configuration
  let context: StageContext

  init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
  }

  func run(input: StageInput, output: StageOutput) async throws {
    for await batch in input {
      let kept = batch.filter { configuration.keeps($0.path) }
      if kept.isEmpty {
        context.emit(.batchDropped, "no change matched: \(batch)", paths: batch.paths)
      } else {
        output.send(kept)
      }
    }
  }
}

extension GlobPattern {
  /// Whether the pattern matches the file `path` — or, for a directory pattern such as
  /// `tmp/`, one of the folders `path` is in (as in `.gitignore`).
  func covers(_ path: String) -> Bool {
    guard matchesDirectoriesOnly else { return matches(path) }
    var folder = path[...]
    while let slash = folder.lastIndex(of: "/") {
      folder = folder[..<slash]
      if matches(String(folder), isDirectory: true) { return true }
    }
    return false
  }
}
