import Foundation
@testable import PipelineCore
@testable import PipelineStages
import Synchronization

/// Runs one stage in isolation: the test sends batches into its input and awaits what it
/// sends on and the events it emits.
final class StageHarness<S: Stage>: Sendable {
  let context: StageContext
  let work: WorkTracker
  private let input: AsyncStream<Batch>.Continuation
  private let sent = Locked<[Batch]>([])
  private let emitted = Locked<[Event]>([])
  private let task: Task<Void, any Error>

  /// Reads `yaml` (the stage's keys, without `stage:`) as the stage's configuration and
  /// starts the stage with `root` as the pipeline folder.
  ///
  /// - Parameter make: Creates the stage, for a test that injects something (a fake mount
  ///   table); by default `S(configuration:context:)`.
  init(
    _ type: S.Type, yaml: String = "", root: String = FileManager.default.temporaryDirectory.path,
    make: ((S.Configuration, StageContext) throws -> S)? = nil
  ) throws {
    let entries: [ConfigNode.Entry]
    if yaml.isEmpty {
      entries = []
    } else {
      guard let node = try YAMLNodeConverter.parse(yaml, file: "test.yaml"), case .mapping(let list) = node.value else {
        throw Diagnostic(at: nil, "test YAML must be a mapping")
      }
      entries = list
    }
    let options = StageOptions(stageName: S.typeName, entries: entries, location: nil)
    let configuration = try S.Configuration(options: options)
    precondition(options.unreadEntries.isEmpty, "unknown keys in test YAML: \(options.unreadEntries.map(\.key))")

    let (stream, continuation) = AsyncStream<Batch>.makeStream()
    let (outStream, outContinuation) = AsyncStream<Batch>.makeStream()
    input = continuation
    work = WorkTracker()
    let emitted = self.emitted
    let sink = ClosureEventSink { event in emitted.withLock { $0.append(event) } }
    context = StageContext(
      name: S.typeName, typeName: S.typeName, root: root,
      environment: ProcessInfo.processInfo.environment, events: sink, work: work)
    let stage = try make?(configuration, context) ?? S(configuration: configuration, context: context)
    let stageInput = StageInput(stream: stream, work: work)
    let stageOutput = StageOutput(downstream: [outContinuation], work: work)
    task = Task { try await stage.run(input: stageInput, output: stageOutput) }
    let sent = self.sent
    let work = self.work
    Task {
      for await batch in outStream {
        sent.withLock { $0.append(batch) }
        work.batchHandled()
      }
    }
  }

  /// Sends `batch` into the stage's input.
  func send(_ batch: Batch) {
    work.batchSent()
    input.yield(batch)
  }

  /// Ends the input (as a pipeline stop does) and waits for the stage to return.
  func finish() async throws {
    work.beginShutdown()
    input.finish()
    try await task.value
  }

  /// The batches the stage sent on so far.
  var output: [Batch] { sent.withLock { $0 } }
  /// The events the stage emitted so far.
  var events: [Event] { emitted.withLock { $0 } }
  func events(_ kind: Event.Kind) -> [Event] { events.filter { $0.kind == kind } }

  /// Waits until `condition` holds, at most `timeout`.
  func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
      if condition() { return true }
      try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
  }
}

/// A batch of modified paths.
func modified(_ paths: String...) -> Batch {
  Batch(paths.map { Change(path: $0, kind: .modified) })
}

/// A value shared between tasks.
final class Locked<Value: Sendable>: Sendable {
  private let mutex: Mutex<Value>
  init(_ value: Value) { mutex = Mutex(value) }
  func withLock<R: Sendable>(_ body: (inout sending Value) -> sending R) -> R { mutex.withLock(body) }
}
