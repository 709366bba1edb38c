import Glibc
import PipelineCore

/// Mirrors the changed files — and their removals — from the watched tree into a target
/// folder: a container's bind-mounted folder, a remote share, a deploy folder. Like
/// `docker compose watch`'s `sync`, followed by whatever stage restarts the service.
///
/// ```yaml
/// - stage: sync
///   from: src                 # the part of the tree to mirror (default: the pipeline's folder)
///   target: ./.container/src  # where it goes; created when missing
///   delete: true              # mirror removals too
/// - stage: run
///   run: docker compose restart app
/// ```
///
/// Each file is written to a temporary name and renamed into place, with its permission
/// bits and modification time; nothing is ever written outside `target` (see
/// ``SyncTarget``). The startup batch mirrors all of `from` (files whose size or time
/// differ), so the target starts in step. A batch that could not be synced completely
/// stops here, and is merged into the next one, so no change is lost.
struct SyncStage: Stage {
  struct Configuration: StageConfiguration {
    var target: String
    var from: String
    var mirrorsRemovals: Bool
    var copiesAtStartup: Bool
    var excludedFolders: ExcludedFolders
    /// Where `target` is written, for the error of a target inside `from`.
    var targetLocation: SourceLocation?
    /// Where `from` is written, for the warnings when it is not watched or not a folder.
    var fromLocation: SourceLocation?

    var folderInputs: [ConfiguredFolder] {
      [ConfiguredFolder(key: "from", path: from, location: fromLocation, whenMissing: "nothing is mirrored until it is made")]
    }

    init(options: StageOptions) throws {
      targetLocation = options.location(of: "target") ?? options.location
      fromLocation = options.location(of: "from") ?? options.location
      target = try options.required(
        "target", help: "The folder to mirror into, relative to the pipeline's folder or absolute; created when missing.")
      from = try options.value(
        "from", default: ".",
        help: "The folder of the tree whose changes are mirrored, relative to the pipeline's folder: a changed path `from/x` goes to `target/x`.")
      mirrorsRemovals = try options.value(
        "delete", default: true, help: "Remove from the target what was removed (or renamed away) in the tree.")
      copiesAtStartup = try options.value(
        "initial", default: true,
        help: "On the startup batch, copy every file of `from` whose size, modification time or mode differs in the target (nothing is removed).")
      excludedFolders = try ExcludedFolders.option(
        options, default: SyncStage.defaultExcludedFolders, example: "node_modules",
        help: "Folders never mirrored: a bare name at any depth, a name with a `/` relative to the pipeline's folder.")
      if options.contains("target"), target.isEmpty {
        try options.reject("target", "'target' is empty", help: "name the folder to mirror into")
      }
    }
  }

  static let defaultExcludedFolders = [".git", ".hg", ".svn", ".build", "node_modules", "tmp"]
  static let role = StageRole.action
  static let fileAccess = StageFileAccess.copies
  static let summary = "Mirrors changed files and removals into a target folder, atomically per file, never writing outside it."
  static let example = "- stage: sync\n  from: src\n  target: ./.container/src"

  let configuration: Configuration
  let context: StageContext
  let plan: SyncPlan

  init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
    plan = SyncPlan(
      root: context.root, from: context.absolutePath(configuration.from),
      target: context.absolutePath(configuration.target), excludedFolders: configuration.excludedFolders)
    if let problem = plan.overlapProblem {
      throw Diagnostic(
        at: configuration.targetLocation, "stage '\(context.name)': \(problem)",
        help: "put the target outside the folder it mirrors (`from`), or narrow `from`")
    }
  }

  func run(input: StageInput, output: StageOutput) async throws {
    var failedBatch: Batch?
    var warnedSpecialFiles = Set<String>()
    for await incoming in input {
      let batch = failedBatch.map { $0.merging(incoming) } ?? incoming
      failedBatch = nil
      let clock = ContinuousClock()
      let started = clock.now
      let report = sync(batch)
      let duration = started.duration(to: clock.now)
      warnAboutSpecialFiles(report.skipped.filter { warnedSpecialFiles.insert($0).inserted })
      if report.failures.isEmpty {
        context.emit(
          .stageSucceeded, "synced \(report.summary) into \(configuration.target) in \(duration.humanText)",
          metadata: ["duration": String(duration.seconds), "copied": String(report.copied), "removed": String(report.removed)])
        output.send(batch)
      } else {
        let shown = report.failures.prefix(5).map(\.description).joined(separator: "; ")
        let more = report.failures.count > 5 ? " and \(report.failures.count - 5) more" : ""
        context.emit(
          .stageFailed,
          "stage '\(context.name)' could not sync \(shown)\(more)",
          paths: report.failures.map(\.path), metadata: ["duration": String(duration.seconds), "status": "sync-failed"])
        failedBatch = batch
      }
    }
  }

  /// A FIFO, socket or device under `from` cannot be copied: it is left out, once said.
  private func warnAboutSpecialFiles(_ paths: [String]) {
    guard !paths.isEmpty else { return }
    let shown = paths.prefix(5).joined(separator: ", ") + (paths.count > 5 ? " and \(paths.count - 5) more" : "")
    context.emit(
      .warning,
      "stage '\(context.name)' skips \(shown) in \(configuration.from): not a file, folder or symlink (a FIFO, socket or device), so there is nothing to copy",
      paths: paths,
      metadata: ["help": "create it in the target itself if the app needs it there, or exclude its folder with `exclude_dirs`"])
  }

  /// Carries out the batch's operations, announcing the target's paths as the pipeline's
  /// own writes when the target is inside the watched tree.
  private func sync(_ batch: Batch) -> SyncReport {
    var operations = plan.operations(for: batch, mirroringRemovals: configuration.mirrorsRemovals)
    if configuration.copiesAtStartup, batch.isStartup || batch.isRescan {
      operations = plan.startupCopies() + operations
    }
    var report = SyncReport()
    guard !operations.isEmpty else { return report }
    let target: SyncTarget
    do {
      target = try SyncTarget(path: plan.target)
    } catch {
      report.failures.append(error)
      return report
    }
    let written = operations.compactMap { plan.pathInTree(of: $0.relative) }
    let ticket = written.isEmpty ? nil : context.ownWrites.begin(written)
    for operation in operations {
      do {
        switch operation {
        case .copy(let relative):
          try target.copy(from: plan.from + "/" + relative, to: relative, skipping: &report.skipped)
          if report.skipped.last != relative { report.copied += 1 }
        case .remove(let relative):
          try target.remove(relative)
          report.removed += 1
        }
      } catch {
        report.failures.append(error)
      }
    }
    if let ticket { context.ownWrites.finish(ticket, wrote: written) }
    return report
  }
}

/// What one sync did.
struct SyncReport {
  var copied = 0
  var removed = 0
  var failures: [SyncTarget.Failure] = []
  /// Paths neither a file, a folder nor a symlink, left out.
  var skipped: [String] = []

  var summary: String {
    var parts = ["\(copied) \(copied == 1 ? "path" : "paths")"]
    if removed > 0 { parts.append("removed \(removed)") }
    return parts.joined(separator: ", ")
  }
}
