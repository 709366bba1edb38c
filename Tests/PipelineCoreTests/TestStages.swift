import Synchronization
import Testing

@testable import PipelineCore

// Small stage types for the loader tests. PipelineCoreTests does not see PipelineStages, so
// these stand in for the built-in ones: a source, a transform and an action, with keys of the
// option types the loader must read and locate (integer, list, duration, string, command,
// signal).

/// A source: `count` (integer), `paths` (list of string). Also accepted as `timer`.
struct TickStage: Stage {
  struct Configuration: StageConfiguration {
    var count: Int
    var paths: [String]
    init(options: StageOptions) throws {
      count = try options.value("count", default: 1, help: "How many batches to emit.")
      paths = try options.value("paths", default: ["."], help: "The paths the batches name.")
    }
  }
  static let role = StageRole.source
  static let aliases = ["timer"]
  static let summary = "Emits batches."
  init(configuration: Configuration, context: StageContext) throws {}
  func run(input: StageInput, output: StageOutput) async throws { for await _ in input {} }
}

/// A transform: `window` (duration with a default) and `mode` (a string checked in meaning).
struct CoalesceStage: Stage {
  struct Configuration: StageConfiguration {
    var window: Duration
    var mode: String
    init(options: StageOptions) throws {
      window = try options.value("window", default: .milliseconds(100), help: "The quiet period.")
      mode = try options.value("mode", default: "latest", help: "latest or all.")
      guard ["latest", "all"].contains(mode) else {
        throw options.invalid("mode", "'mode' must be 'latest' or 'all', got '\(mode)'", help: "write `mode: all`")
      }
    }
  }
  static let role = StageRole.transform
  static let summary = "Coalesces batches."
  init(configuration: Configuration, context: StageContext) throws {}
  func run(input: StageInput, output: StageOutput) async throws {
    for await batch in input { output.send(batch) }
  }
}

/// An action: `run` (a required command), `signal` and `kill_after`.
struct ShellStage: Stage {
  struct Configuration: StageConfiguration {
    var run: CommandSpec
    var signal: ProcessSignal
    var killAfter: Duration
    init(options: StageOptions) throws {
      run = try options.required("run", as: CommandSpec.self, help: "The command to run.")
      signal = try options.value("signal", default: .terminate, help: "The signal that stops it.")
      killAfter = try options.value("kill_after", default: .seconds(5), help: "When to send SIGKILL.")
    }
  }
  static let role = StageRole.action
  static let summary = "Runs a command."
  init(configuration: Configuration, context: StageContext) throws {}
  func run(input: StageInput, output: StageOutput) async throws {
    for await batch in input { output.send(batch) }
  }
}

extension StageRegistry {
  /// `coalesce`, `shell` and `tick` (alias `timer`).
  static var testStages: StageRegistry {
    var registry = StageRegistry()
    try! registry.register(CoalesceStage.self)
    try! registry.register(ShellStage.self)
    try! registry.register(TickStage.self)
    return registry
  }
}

// MARK: - Helpers shared by the tests

/// A value behind a lock, for recording from stages and callbacks.
final class Box<Value: Sendable>: Sendable {
  private let storage: Mutex<Value>
  init(_ value: Value) { storage = Mutex(value) }
  var value: Value { storage.withLock { $0 } }
  func modify<R: Sendable>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }
}

/// An event sink that keeps every event.
final class EventCollector: EventSink {
  private let events = Box<[Event]>([])
  func emit(_ event: Event) { events.modify { $0.append(event) } }
  var all: [Event] { events.value }
  func of(_ kind: Event.Kind) -> [Event] { all.filter { $0.kind == kind } }
}

/// Polls `condition` until it holds or `timeout` passes; `true` when it held.
func eventually(
  timeout: Duration = .seconds(5), _ condition: @Sendable () -> Bool
) async -> Bool {
  let clock = ContinuousClock()
  let deadline = clock.now.advanced(by: timeout)
  while clock.now < deadline {
    if condition() { return true }
    try? await Task.sleep(for: .milliseconds(5))
  }
  return condition()
}

/// The value of `task`, or `nil` when it has not finished within `timeout` (the task is left
/// running, so a test that hangs fails instead of blocking the run).
func value<T: Sendable>(of task: Task<T, Never>, timeout: Duration = .seconds(5)) async -> T? {
  let resumed = Box(false)
  return await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
    @Sendable func resume(_ value: T?) {
      let first = resumed.modify { done -> Bool in
        defer { done = true }
        return !done
      }
      if first { continuation.resume(returning: value) }
    }
    Task { resume(await task.value) }
    Task {
      try? await Task.sleep(for: timeout)
      resume(nil)
    }
  }
}
