import FoundationEssentials
import Synchronization

/// Runs one stage outside a pipeline, one batch at a time, and tells what it passed on.
///
/// ``ExternalStageServer`` serves a stage through it, and a custom stage's tests use it to
/// run the stage for real, without a pipeline file:
///
/// ```swift
/// let events = EventRecorder()
/// let driver = try StageDriver(HTTPCheckStage.self, config: ["url": .string(url)], events: events)
/// let passed = await driver.handle(Batch([Change(path: "main.swift", kind: .modified)]))
/// #expect(passed != nil)
/// try await driver.finish()
/// ```
///
/// The configuration is read from `config` by the stage's own ``StageConfiguration``, with the
/// same errors as in a pipeline file; a key it does not read is an error too.
public final class StageDriver<S: Stage>: Sendable {
  private struct State {
    var waiter: CheckedContinuation<Batch?, Never>?
    var handling = false
    var sent: Batch?
    var ended = false
    var failure: (any Error)?
  }
  private final class Shared: Sendable {
    let state = Mutex(State())

    /// Ends the current batch, if one is being handled, with what was sent for it.
    func finishBatch() {
      let waiter = state.withLock { state -> (CheckedContinuation<Batch?, Never>, Batch?)? in
        guard state.handling, let waiter = state.waiter else { return nil }
        defer {
          state.waiter = nil
          state.handling = false
          state.sent = nil
        }
        return (waiter, state.sent)
      }
      if let (waiter, sent) = waiter { waiter.resume(returning: sent) }
    }
  }

  private let shared = Shared()
  private let work: WorkTracker
  private let continuation: AsyncStream<Batch>.Continuation
  private let task: Task<Void, Never>

  /// Reads the configuration and creates the stage; its `run` starts at once.
  ///
  /// - Parameters:
  ///   - config: the stage's keys, as a pipeline file would give them.
  ///   - name: the stage's name (`name:` in a pipeline file).
  ///   - root: the pipeline's folder; the current folder by default.
  ///   - environment: the environment for the commands it runs.
  ///   - events: where its events go (an ``EventRecorder`` in tests).
  /// - Throws: a ``Diagnostic`` for a configuration the stage does not accept, or what the
  ///   stage's `init` throws.
  public init(
    _ type: S.Type = S.self, config: [String: JSONValue] = [:], name: String = S.typeName,
    root: String = FileManager.default.currentDirectoryPath,
    environment: [String: String] = ProcessInfo.processInfo.environment, events: any EventSink
  ) throws {
    let location = SourceLocation(file: "config of stage '\(name)'", line: 1, column: 1)
    let entries = config.keys.sorted().map { key in
      ConfigNode.Entry(key: key, keyLocation: location, value: config[key]!.configNode(at: location))
    }
    let options = StageOptions(stageName: name, entries: entries, location: nil)
    let configuration = try S.Configuration(options: options)
    if let unknown = options.unreadEntries.first {
      let known = options.describedKeys.map(\.key)
      throw Diagnostic(
        at: nil, "unknown key '\(unknown.key)' in the config of stage '\(name)' (\(S.typeName))",
        help: known.isEmpty ? "this stage takes no keys" : "known keys: " + known.joined(separator: ", "))
    }
    let shared = self.shared
    let work = WorkTracker { shared.finishBatch() }
    let context = StageContext(
      name: name, typeName: S.typeName, root: root, environment: environment, events: events, work: work)
    let stage = try S(configuration: configuration, context: context)
    let (stream, continuation) = AsyncStream<Batch>.makeStream()
    let input = StageInput(stream: stream, work: work)
    let output = StageOutput(downstream: [], work: work) { batch in
      shared.state.withLock { state in
        guard state.handling else { return }
        state.sent = state.sent.map { $0.merging(batch) } ?? batch
      }
    }
    self.work = work
    self.continuation = continuation
    self.task = Task {
      var thrown: (any Error)?
      do {
        try await stage.run(input: input, output: output)
      } catch {
        thrown = error
      }
      // A batch still waiting gets its answer: nothing went on.
      shared.state.withLock { state in
        state.failure = thrown
        state.ended = true
        state.sent = nil
      }
      shared.finishBatch()
    }
  }

  /// Hands `batch` to the stage and waits until it has handled it (asked for the next batch
  /// and ended any work it began with ``WorkTracker/begin()``).
  ///
  /// - Returns: what the stage passed on for it (merged, when it sent several), or `nil` when
  ///   it passed nothing on: an action that failed, a filter that dropped it, or a stage that
  ///   has returned.
  public func handle(_ batch: Batch) async -> Batch? {
    await withCheckedContinuation { (waiter: CheckedContinuation<Batch?, Never>) in
      let ended = shared.state.withLock { state -> Bool in
        if state.ended { return true }
        state.waiter = waiter
        state.handling = true
        state.sent = nil
        return false
      }
      if ended {
        waiter.resume(returning: nil)
        return
      }
      work.batchSent()
      continuation.yield(batch)
    }
  }

  /// Whether the stage's `run` has returned or thrown: it handles no more batches, and
  /// ``handle(_:)`` returns `nil` at once. ``thrownError`` says whether it threw.
  public var hasEnded: Bool { shared.state.withLock { $0.ended } }

  /// What the stage's `run` threw, once it has; `nil` while it runs, and when it returned.
  public var thrownError: (any Error)? { shared.state.withLock { $0.failure } }

  /// Ends the stage's input and waits for `run` to return.
  ///
  /// - Throws: what `run` threw, if it threw.
  public func finish() async throws {
    continuation.finish()
    await task.value
    if let failure = shared.state.withLock({ $0.failure }) { throw failure }
  }
}

/// An ``EventSink`` that keeps every event, for tests.
public final class EventRecorder: EventSink, Sendable {
  private let recorded = Mutex<[Event]>([])

  public init() {}

  public func emit(_ event: Event) { recorded.withLock { $0.append(event) } }

  /// Every event so far, in order.
  public var events: [Event] { recorded.withLock { $0 } }

  /// The events of one kind.
  public func events(_ kind: Event.Kind) -> [Event] { events.filter { $0.kind == kind } }
}
