import PipelineCore

/// Gathers every change until the tree has been quiet for `window`, then sends one batch
/// holding all of them — a union with the last kind per path, not the last event.
///
/// ```yaml
/// - stage: debounce
///   window: 100ms    # quiet period before the batch goes on
///   max_wait: 2s     # a steady stream of changes is sent at least this often
/// ```
struct DebounceStage: Stage {
  struct Configuration: StageConfiguration {
    var window: Duration
    var maxWait: Duration

    init(options: StageOptions) throws {
      window = try options.value(
        "window", default: .milliseconds(100),
        help: "How long the tree must be quiet before the gathered batch goes on.")
      let written = try options.optional(
        "max_wait", as: Duration.self, defaultText: "2s, or window when that is longer",
        help: "The longest a batch is held back while changes keep coming.")
      // A window longer than the default alone is not an error: the default follows it.
      maxWait = written ?? max(.seconds(2), window)
      if maxWait < window {
        try options.reject(
          "max_wait", "'max_wait' (\(maxWait.pipelineText)) is shorter than 'window' (\(window.pipelineText))",
          help: "make max_wait at least as long as window")
      }
    }
  }

  static let role = StageRole.transform
  static let prefersEngineThread = true
  static let summary = "Gathers a burst of changes into one batch once the tree is quiet."
  static let example = "- stage: debounce\n  window: 100ms"

  let configuration: Configuration
  let context: StageContext

  init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
  }

  private enum Message: Sendable {
    case batch(Batch)
    case due
    case inputEnded
  }

  func run(input: StageInput, output: StageOutput) async throws {
    let (messages, continuation) = AsyncStream<Message>.makeStream()
    let work = context.work
    let reader = Task(executorPreference: EngineExecutor.here) {
      for await batch in input {
        work.begin()
        continuation.yield(.batch(batch))
      }
      continuation.yield(.inputEnded)
    }
    defer { reader.cancel() }

    var machine = DebounceStateMachine(window: configuration.window, maxWait: configuration.maxWait)
    var held = 0
    var timer: Task<Void, Never>?
    let clock = ContinuousClock()
    for await message in messages {
      switch message {
      case .batch(let batch):
        held += 1
        let deadline = machine.receive(batch, at: clock.now)
        timer?.cancel()
        if deadline <= clock.now {
          continuation.yield(.due)
        } else {
          timer = Task(executorPreference: EngineExecutor.here) {
            try? await EngineExecutor.sleep(until: deadline)
            if !Task.isCancelled { continuation.yield(.due) }
          }
        }
      case .due:
        guard let batch = machine.flush(at: clock.now) else { continue }
        output.send(batch)
        work.end(held)
        held = 0
      case .inputEnded:
        timer?.cancel()
        if held > 0 { work.end(held) }
        return
      }
    }
  }
}
