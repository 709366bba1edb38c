import FoundationEssentials
import Synchronization

/// Runs a pipeline: every stage as a concurrent task, connected by streams of batches.
///
/// ```
///             ┌──────────── StageInput (one stream per stage, fed by all its inputs)
///             ▼
///  [watch] ─▶ [debounce] ─▶ [filter] ─▶ [build] ─▶ [test] ─▶ [restart]
///                              └──────▶ [gofmt]     (fan-out: `after: [filter]`)
/// ```
///
/// A stage's input ends when all of its inputs have ended, or at once when the pipeline
/// stops: ``stop(reason:)`` ends every input together, so all stages stop their processes in
/// parallel, and ``run()`` returns when every stage has returned.
public final class Engine: Sendable {
  public let definition: PipelineDefinition
  private let events: any EventSink
  private let cycles: CycleReporter
  private let work: WorkTracker
  private let environment: [String: String]

  private struct State {
    var continuations: [String: AsyncStream<Batch>.Continuation] = [:]
    var stopReason: String?
    var failed = false
    /// Per stage, how many of its inputs have not returned yet.
    var upstreamLeft: [String: Int] = [:]
    /// The outputs of the source stages, once they run: ``runAgain()`` sends through them.
    var sourceOutputs: [StageOutput] = []
  }
  private let state = Mutex(State())
  private let pipelineFiles: [String]
  private let definitionFiles: [String]
  private let reloadChanges: [Change]?

  /// - Parameters:
  ///   - definition: the loaded pipeline.
  ///   - events: where events go (the console, the events file).
  ///   - environment: the environment commands inherit, before the pipeline's `env:`.
  ///   - pipelineFiles: absolute paths of files `pipeline` writes itself while it runs (the
  ///     `--events` log), or reads its pipeline from: their changes never start a cycle.
  ///   - definitionFiles: absolute paths of the files the pipeline was read from: a source
  ///     that sees one change emits a ``Event/Kind/pipelineFileChanged`` event.
  ///   - reloadChanges: `nil` at a first start; after a reload, the changes its startup
  ///     batch carries (see ``StageContext/reloadChanges``).
  public init(
    definition: PipelineDefinition, events: any EventSink,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    pipelineFiles: [String] = [], definitionFiles: [String] = [], reloadChanges: [Change]? = nil
  ) {
    self.definition = definition
    self.pipelineFiles = pipelineFiles
    self.definitionFiles = definitionFiles
    self.reloadChanges = reloadChanges
    let cycles = CycleReporter(forward: events)
    self.cycles = cycles
    self.events = EventBus([cycles, events])
    self.work = WorkTracker(onIdle: { cycles.pipelineIdle() })
    self.environment = environment.merging(definition.environment) { _, pipeline in pipeline }
  }

  /// Runs until ``stop(reason:)`` is called or a stage breaks.
  ///
  /// - Returns: `0` after a clean stop, `2` when a stage could not be created (a watch folder
  ///   that does not exist: what `pipeline validate` reports), `1` when a stage broke.
  public func run() async -> Int32 {
    let stages = definition.stages
    var streams: [String: AsyncStream<Batch>] = [:]
    var continuations: [String: AsyncStream<Batch>.Continuation] = [:]
    for stage in stages {
      let (stream, continuation) = AsyncStream<Batch>.makeStream()
      streams[stage.name] = stream
      continuations[stage.name] = continuation
    }
    let alreadyStopping = state.withLock { state -> Bool in
      state.continuations = continuations
      return state.stopReason != nil
    }
    if alreadyStopping { finishAll() }

    var runners: [(StageDefinition, StageRunner)] = []
    let ownWrites = OwnWrites(root: definition.root, pipelineFiles: pipelineFiles, definitionFiles: definitionFiles)
    for stage in stages {
      let context = StageContext(
        name: stage.name, typeName: stage.descriptor.typeName, root: definition.root,
        environment: environment, events: events, work: work, ownWrites: ownWrites, cycles: cycles.history,
        reloadChanges: reloadChanges)
      do {
        runners.append((stage, try stage.descriptor.instantiate(stage.configuration, context)))
      } catch {
        // What `pipeline validate` reports too (it makes the stages the same way): the status
        // of an invalid pipeline file, not of a stage that broke while running.
        events.emit(Self.errorEvent(error, stage: stage.name))
        return 2
      }
    }

    let flow = definition.flowDescription
    events.emit(
      Event(
        kind: .pipelineStarted, stage: "pipeline",
        message: (definition.name.map { "'\($0)' " } ?? "") + "from \(definition.file): \(flow)",
        metadata: ["file": definition.file, "stages": stages.map(\.name).joined(separator: ",")]))

    state.withLock { state in
      for stage in stages { state.upstreamLeft[stage.name] = stage.inputs.count }
    }
    let allContinuations = continuations
    await withTaskGroup(of: Void.self) { group in
      for (stage, runner) in runners {
        let consumers = definition.consumers(of: stage.name)
        let reachesActions = consumers.contains { $0.descriptor.role == .action }
        let isOutsideActions = stage.descriptor.role != .action
        let cycles = self.cycles
        let output = StageOutput(
          downstream: consumers.compactMap { allContinuations[$0.name] }, work: work,
          onSend: { batch in if reachesActions { cycles.batchReachesActions(batch, fromOutside: isOutsideActions) } },
          screeningWith: stage.descriptor.role == .source ? ownWrites : nil,
          onScreenedOut: { [events] paths in
            events.emit(
              Event(
                kind: .batchDropped, stage: stage.name,
                message: "written by a stage of the pipeline (a formatter's rewrite, a copy): \(paths.prefix(3).joined(separator: ", "))"
                  + (paths.count > 3 ? " (\(paths.count - 3) more)" : ""),
                paths: paths, metadata: ["reason": "own-write"]))
          })
        if stage.descriptor.role == .source { state.withLock { $0.sourceOutputs.append(output) } }
        let input = StageInput(stream: streams[stage.name]!, work: work)
        // Explicit either way: a child task would otherwise inherit the caller's preference.
        let executor: any TaskExecutor = stage.descriptor.prefersEngineThread ? EngineExecutor.shared : globalConcurrentExecutor
        group.addTask(executorPreference: executor) {
          do {
            try await runner.run(input, output)
          } catch {
            self.events.emit(Self.errorEvent(error, stage: stage.name))
            self.state.withLock { $0.failed = true }
            self.stop(reason: "stage '\(stage.name)' failed")
          }
          for consumer in consumers {
            let last = self.state.withLock { state -> Bool in
              state.upstreamLeft[consumer.name, default: 0] -= 1
              return state.upstreamLeft[consumer.name] == 0
            }
            if last { allContinuations[consumer.name]?.finish() }
          }
        }
      }
    }
    let failed = state.withLock { $0.failed }
    events.emit(
      Event(kind: .pipelineStopped, stage: "pipeline", message: failed ? "" : "stopped", metadata: ["status": failed ? "1" : "0"]))
    return failed ? 1 : 0
  }

  /// Stops the pipeline: every stage's input ends, so each stops its work and returns.
  /// Calling it again has no further effect.
  public func stop(reason: String) {
    let first = state.withLock { state -> Bool in
      guard state.stopReason == nil else { return false }
      state.stopReason = reason
      return true
    }
    guard first else { return }
    events.emit(
      Event(kind: .pipelineStopping, stage: "pipeline", message: "stopping (\(reason))…", metadata: ["reason": reason]))
    finishAll()
  }

  /// Runs the pipeline again as at its start, for the line `rs` typed into `pipeline`: each
  /// source stage's output sends a startup batch, so the filter lets it through, the builds
  /// run and the app restarts (even with an unchanged `artifact:`). Nothing happens before
  /// the stages run or once the pipeline is stopping.
  public func runAgain() {
    let outputs = state.withLock { $0.stopReason == nil ? $0.sourceOutputs : [] }
    guard !outputs.isEmpty else { return }
    events.emit(
      Event(
        kind: .runRequested, stage: "pipeline",
        message: "\(TerminalInput.runAgainLine): the pipeline runs again, as at its start"))
    for output in outputs { output.send(.startup) }
  }

  /// An error event for a stage that could not start or broke; a ``Diagnostic`` keeps its
  /// location in the message and its help in the `help` metadata.
  static func errorEvent(_ error: any Error, stage: String) -> Event {
    guard let diagnostic = error as? Diagnostic else {
      return Event(kind: .error, stage: stage, message: "\(error)")
    }
    let located = diagnostic.location.map { "\($0): " } ?? ""
    return Event(
      kind: .error, stage: stage, message: located + diagnostic.message,
      metadata: diagnostic.help.map { ["help": $0] } ?? [:])
  }

  private func finishAll() {
    work.beginShutdown()
    for continuation in state.withLock({ Array($0.continuations.values) }) { continuation.finish() }
  }
}
