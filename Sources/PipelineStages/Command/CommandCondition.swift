import PipelineCore

/// The `when:` key of the command stages: which batches the command runs for.
///
/// ```yaml
/// - stage: run
///   name: resolve
///   when: [Package.swift, Package.resolved]
///   run: swift package resolve
/// ```
///
/// A batch matches when one of its changed paths (whatever the change: created, modified,
/// removed) matches one of the globs. A rescan batch matches too, since anything may have
/// changed. The startup batch does not: nothing has changed yet, and what a `when:` stage
/// does (resolve, install) is what a manifest *change* calls for — the build that follows
/// resolves a fresh checkout by itself.
struct CommandCondition: Sendable, Hashable {
  /// The globs; empty means "every batch".
  let globs: [GlobPattern]

  init(_ globs: [GlobPattern]) { self.globs = globs }

  /// `true` when the stage has no `when:`.
  var isAlways: Bool { globs.isEmpty }

  /// Whether the command runs for `batch`.
  func matches(_ batch: Batch) -> Bool {
    if globs.isEmpty || batch.isRescan { return true }
    return batch.paths.contains { path in globs.contains { $0.matches(path) } }
  }

  /// The globs as written, for messages: `Package.swift, Package.resolved`.
  var description: String { globs.map(\.description).joined(separator: ", ") }
}
