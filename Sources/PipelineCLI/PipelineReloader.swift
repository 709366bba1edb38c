import PipelineCore
import Synchronization

/// Loads the pipeline again when a file it was read from changes while `pipeline run` runs
/// (its YAML file; for a built-in pipeline, the project file or a new `pipeline.yaml`), and
/// when the new one differs and is valid, stops the running engine so that the run starts the
/// new one (``replacement``). A new file that does not load is reported with where and what,
/// and the running pipeline goes on: a typo in `pipeline.yaml` never stops the app.
///
/// A sink of the running engine's event bus: it acts on `pipeline-file-changed` events, which
/// the watch stage and ``DefinitionFileWatch`` emit for the files the pipeline comes from;
/// reports of one save by both are folded into one check.
final class PipelineReloader: EventSink {
  /// How long after the last change the file is read: an editor that truncates the file and
  /// then writes it has finished by then.
  static let settleDelay = Duration.milliseconds(100)

  private let load: @Sendable () throws(DiagnosticList) -> PipelineChoice
  private let running: PipelineChoice
  private let report: any EventSink
  private let stop: @Sendable (String) -> Void
  private let isStopping: @Sendable () -> Bool

  private struct State {
    var timer: UInt64?
    /// The files whose change is being checked, relative to the pipeline's folder.
    var changed: [String] = []
    /// Whether the last file read was reported as not loading.
    var reportedProblem = false
    var replacement: PipelineChoice?
    var projectChanges: [Change] = []
  }
  private let state = Mutex(State())

  /// - Parameters:
  ///   - running: The pipeline that runs.
  ///   - load: Loads the pipeline as `pipeline run` did at start.
  ///   - report: Where the reload's own events go: the bus's other sinks.
  ///   - isStopping: Whether the run is ending (a stop signal came): nothing is reloaded then.
  ///   - stop: Stops the running engine, with the reason.
  init(
    running: PipelineChoice, load: @escaping @Sendable () throws(DiagnosticList) -> PipelineChoice,
    reportingTo report: any EventSink, isStopping: @escaping @Sendable () -> Bool,
    stop: @escaping @Sendable (String) -> Void
  ) {
    self.isStopping = isStopping
    self.running = running
    self.load = load
    self.report = report
    self.stop = stop
  }

  /// The pipeline to run once the running one has stopped; `nil` when no reload was asked.
  var replacement: PipelineChoice? { state.withLock { $0.replacement } }

  /// The changes that reloaded the pipeline and are the project's, for the new pipeline's
  /// startup batch: a built-in pipeline's project file (`package.json`), which its stages
  /// may act on (`npm install`); never a pipeline file.
  var projectChanges: [Change] { state.withLock { $0.projectChanges } }

  func emit(_ event: Event) {
    guard event.kind == .pipelineFileChanged else { return }
    state.withLock { state in
      guard state.replacement == nil else { return }
      for path in event.paths where !state.changed.contains(path) { state.changed.append(path) }
      if let timer = state.timer { _ = EngineExecutor.shared.cancelTimer(timer) }
      state.timer = EngineExecutor.shared.schedule(after: Self.settleDelay) { [weak self] in self?.check() }
    }
  }

  /// The pipeline `load` gives, once its stages are made as `pipeline validate` makes them (a
  /// watch folder that does not exist is an error too).
  static func loadChecked(_ load: () throws(DiagnosticList) -> PipelineChoice) throws(DiagnosticList) -> PipelineChoice {
    let choice = try load()
    let problems = choice.definition.stageProblems()
    if !problems.isEmpty { throw DiagnosticList(problems) }
    return choice
  }

  /// Reads the pipeline again and decides: nothing (the same source), a report (it does not
  /// load), or a reload.
  func check() {
    guard !isStopping() else { return }
    let name = running.definition.file
    let (changed, changedPaths) = state.withLock { state in
      defer { state.changed = [] }
      return (state.changed.isEmpty ? name : state.changed.joined(separator: ", "), state.changed)
    }
    let next: PipelineChoice
    do throws(DiagnosticList) {
      next = try Self.loadChecked(load)
    } catch {
      state.withLock { $0.reportedProblem = true }
      report.emit(
        Event(
          kind: .error, stage: "pipeline",
          message: "\(changed) changed, and the new pipeline cannot be used; the running pipeline goes on:\n\(error.description)",
          metadata: ["help": "fix the file and save it again (`pipeline validate` checks it without running anything)"]))
      return
    }
    let wasReported = state.withLock { state in
      defer { state.reportedProblem = false }
      return state.reportedProblem
    }
    guard next.source != running.source else {
      if wasReported {
        report.emit(
          Event(
            kind: .pipelineReloading, stage: "pipeline",
            message: "\(name) is the pipeline that runs again: nothing to reload", metadata: ["file": name]))
      }
      return
    }
    let isFirst = state.withLock { state -> Bool in
      guard state.replacement == nil else { return false }
      state.replacement = next
      if running.isBuiltIn {
        state.projectChanges = changedPaths.filter { $0 != PipelineChoice.defaultFile }.map {
          Change(path: $0, kind: .modified)
        }
      }
      return true
    }
    guard isFirst, !isStopping() else { return }
    let newName = next.definition.file
    let from = newName == name ? "" : " (\(newName))"
    report.emit(
      Event(
        kind: .pipelineReloading, stage: "pipeline",
        message: "\(changed) changed: stopping the running pipeline to start the new one\(from)", metadata: ["file": newName]))
    stop("\(changed) changed")
  }
}
