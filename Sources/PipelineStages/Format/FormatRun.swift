import PipelineCore

/// One run of the format stage for a batch: the formatter on the selected files, then
/// what it changed recorded as the pipeline's own writes, or, with `check`, put back.
struct FormatRun: Sendable {
  let execution: CommandExecution
  let selection: FormatSelection
  let check: Bool
  let context: StageContext

  func run(for batch: Batch) async -> CommandOutcome {
    let files = selection.files(in: batch).filter { FileSnapshot.isRegularFile(context.absolutePath($0)) }
    guard !files.isEmpty else { return .skipped }
    let before = files.map { FileSnapshot(path: context.absolutePath($0), keepingBytes: check) }
    let ticket = context.ownWrites.begin(files)
    let outcome = await execution.run(for: Batch(files.map { Change(path: $0, kind: .modified) }))

    var changed: [String] = []
    for (path, snapshot) in zip(files, before) where snapshot.wasRewritten() {
      changed.append(path)
    }
    // Every file handed to the formatter and still there is the pipeline's own write, its
    // content changed or not: a formatter that writes a temporary file and renames it over the
    // original replaces a formatted file with the same text, and that rename is no edit.
    let handled = files.filter { FileSnapshot.isRegularFile(context.absolutePath($0)) }
    guard check else {
      context.ownWrites.finish(ticket, wrote: handled)
      if !changed.isEmpty {
        context.emit(
          .filesFormatted, "formatted \(Self.list(changed))", paths: changed,
          metadata: ["files": String(changed.count)])
      }
      return outcome
    }

    var unrestored: [String] = []
    for (path, snapshot) in zip(files, before) where changed.contains(path) {
      if let problem = snapshot.restore() { unrestored.append("\(path) (\(problem))") }
    }
    context.ownWrites.finish(ticket, wrote: handled)
    guard case .succeeded = outcome, !changed.isEmpty else { return outcome }
    var reason = "found \(changed.count == 1 ? "a file" : "\(changed.count) files") not formatted: \(Self.list(changed))"
    if !unrestored.isEmpty { reason += "; could not put back \(unrestored.joined(separator: ", "))" }
    return .rejected(reason + " (check: true; run the formatter, or set check: false to let the stage rewrite them)")
  }

  /// `a.go, b.go` — at most five names, then how many more.
  static func list(_ paths: [String]) -> String {
    let shown = paths.prefix(5).joined(separator: ", ")
    return paths.count > 5 ? shown + " and \(paths.count - 5) more" : shown
  }
}

extension Event.Kind {
  /// The format stage's formatter changed files. `paths`: which; metadata: `files` (how
  /// many). Their changes do not start another cycle.
  static let filesFormatted: Self = "files-formatted"
}
