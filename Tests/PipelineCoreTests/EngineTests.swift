import Testing

@testable import PipelineCore

// Stages that run in-process under the real `Engine` and report to a shared `Probe`.

/// What the engine test stages saw, behind a lock.
final class Probe: Sendable {
  struct State {
    var received: [String: [Batch]] = [:]
    var started: Set<String> = []
    var returned: Set<String> = []
    var environments: [String: [String: String]] = [:]
  }
  private let state = Box(State())

  func started(_ stage: String, environment: [String: String]) {
    state.modify {
      $0.started.insert(stage)
      $0.environments[stage] = environment
    }
  }
  func received(_ stage: String, _ batch: Batch) { state.modify { $0.received[stage, default: []].append(batch) } }
  func returned(_ stage: String) { state.modify { _ = $0.returned.insert(stage) } }

  func batches(_ stage: String) -> [Batch] { state.value.received[stage] ?? [] }
  var started: Set<String> { state.value.started }
  var returned: Set<String> { state.value.returned }
  func environment(_ stage: String) -> [String: String]? { state.value.environments[stage] }
}

struct StageBroke: Error, CustomStringConvertible {
  var description: String { "the relay broke" }
}

/// A source that sends its batches, then waits for its input to end (the shutdown).
struct EmitStage: Stage {
  struct Configuration: StageConfiguration {
    var batches: [Batch] = []
    var probe = Probe()
    init(options: StageOptions) throws {}
    init(batches: [Batch], probe: Probe) {
      self.batches = batches
      self.probe = probe
    }
  }
  static let role = StageRole.source
  static let summary = "Sends fixed batches."
  let configuration: Configuration
  let context: StageContext
  init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
  }
  func run(input: StageInput, output: StageOutput) async throws {
    configuration.probe.started(context.name, environment: context.environment)
    defer { configuration.probe.returned(context.name) }
    for batch in configuration.batches { output.send(batch) }
    for await _ in input {}
  }
}

/// A transform that passes batches on, adding the path `mark` when it has one; it throws on
/// its first batch when `breaks` is set.
struct RelayStage: Stage {
  struct Configuration: StageConfiguration {
    var mark: String?
    var breaks = false
    var probe = Probe()
    init(options: StageOptions) throws {}
    init(mark: String? = nil, breaks: Bool = false, probe: Probe) {
      self.mark = mark
      self.breaks = breaks
      self.probe = probe
    }
  }
  static let role = StageRole.transform
  static let summary = "Passes batches on."
  let configuration: Configuration
  let context: StageContext
  init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
  }
  func run(input: StageInput, output: StageOutput) async throws {
    configuration.probe.started(context.name, environment: context.environment)
    defer { configuration.probe.returned(context.name) }
    for await batch in input {
      configuration.probe.received(context.name, batch)
      if configuration.breaks { throw StageBroke() }
      var next = batch
      if let mark = configuration.mark { next.insert(Change(path: mark, kind: .modified)) }
      output.send(next)
    }
  }
}

/// An action that records each batch and reports it as done in 250ms (or failed).
struct RecordStage: Stage {
  struct Configuration: StageConfiguration {
    var fails = false
    var continues = false
    var probe = Probe()
    init(options: StageOptions) throws {}
    init(fails: Bool = false, continues: Bool = false, probe: Probe) {
      self.fails = fails
      self.continues = continues
      self.probe = probe
    }
  }
  static let role = StageRole.action
  static let summary = "Records batches."
  let configuration: Configuration
  let context: StageContext
  init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
  }
  func run(input: StageInput, output: StageOutput) async throws {
    configuration.probe.started(context.name, environment: context.environment)
    defer { configuration.probe.returned(context.name) }
    for await batch in input {
      configuration.probe.received(context.name, batch)
      if configuration.fails {
        var metadata = ["duration": "0.25", "status": "1"]
        if configuration.continues { metadata["continued"] = "true" }
        context.emit(.stageFailed, "failed", metadata: metadata)
        if configuration.continues { output.send(batch) }
      } else {
        context.emit(.stageSucceeded, metadata: ["duration": "0.25"])
        output.send(batch)
      }
    }
  }
}

/// A stage that cannot be created.
struct BrokenStage: Stage {
  static let role = StageRole.action
  static let summary = "Cannot start."
  init(configuration: NoConfiguration, context: StageContext) throws {
    throw Diagnostic(
      at: SourceLocation(file: "dev.yaml", line: 3, column: 5), "no such folder: /nowhere", help: "create it")
  }
  func run(input: StageInput, output: StageOutput) async throws {}
}

@Suite("Engine")
struct EngineTests {
  let probe = Probe()
  let events = EventCollector()

  func emit(_ name: String, _ batches: [Batch]) -> StageDefinition {
    stage(name, EmitStage.self, after: [], EmitStage.Configuration(batches: batches, probe: probe))
  }
  func relay(_ name: String, after: [String], mark: String? = nil, breaks: Bool = false) -> StageDefinition {
    stage(name, RelayStage.self, after: after, RelayStage.Configuration(mark: mark, breaks: breaks, probe: probe))
  }
  func record(_ name: String, after: [String], fails: Bool = false, continues: Bool = false) -> StageDefinition {
    stage(name, RecordStage.self, after: after, RecordStage.Configuration(fails: fails, continues: continues, probe: probe))
  }
  func stage<S: Stage>(
    _ name: String, _ type: S.Type, after inputs: [String], _ configuration: S.Configuration
  ) -> StageDefinition {
    StageDefinition(
      name: name, descriptor: StageDescriptor(type), inputs: inputs,
      location: SourceLocation(file: "dev.yaml", line: 1, column: 1), configuration: configuration)
  }

  func engine(_ stages: [StageDefinition], environment: [String: String] = [:]) -> Engine {
    Engine(
      definition: PipelineDefinition(file: "dev.yaml", root: "/project", name: "demo", environment: ["PORT": "8080"], stages: stages),
      events: events, environment: environment)
  }

  static func batch(_ paths: String...) -> Batch {
    Batch(paths.map { Change(path: $0, kind: .modified) })
  }

  /// Starts `engine`, waits for `condition`, stops it and returns its status.
  func run(_ engine: Engine, until condition: @escaping @Sendable () -> Bool) async -> Int32? {
    let running = Task { await engine.run() }
    let reached = await eventually(condition)
    #expect(reached, "the condition was not reached in time")
    engine.stop(reason: "test over")
    return await value(of: running)
  }

  @Test("batches flow in order through a chain")
  func chainInOrder() async {
    let batches = [Self.batch("a"), Self.batch("b", "c"), Self.batch("d"), Batch.startup]
    let engine = engine([emit("src", batches), relay("relay", after: ["src"]), record("sink", after: ["relay"])])
    let probe = probe
    let status = await run(engine) { probe.batches("sink").count == 4 }
    #expect(status == 0)
    #expect(probe.batches("relay") == batches)
    #expect(probe.batches("sink") == batches)
  }

  @Test("an empty batch is not passed on")
  func emptyBatchDropped() async {
    let engine = engine([emit("src", [Batch(), Self.batch("a")]), record("sink", after: ["src"])])
    let probe = probe
    let status = await run(engine) { probe.batches("sink").count == 1 }
    #expect(status == 0)
    #expect(probe.batches("sink") == [Self.batch("a")])
  }

  @Test("fan-out delivers every batch to both branches")
  func fanOut() async {
    let batches = [Self.batch("a"), Self.batch("b"), Self.batch("c")]
    let engine = engine([
      emit("src", batches), record("left", after: ["src"]), record("right", after: ["src"]),
    ])
    let probe = probe
    let status = await run(engine) { probe.batches("left").count == 3 && probe.batches("right").count == 3 }
    #expect(status == 0)
    #expect(probe.batches("left") == batches)
    #expect(probe.batches("right") == batches)
  }

  @Test("fan-in delivers the batches of both inputs to one stage, each branch in order")
  func fanIn() async {
    let engine = engine([
      emit("src", [Self.batch("a"), Self.batch("b")]),
      relay("left", after: ["src"], mark: "L"),
      relay("right", after: ["src"], mark: "R"),
      record("join", after: ["left", "right"]),
    ])
    let probe = probe
    let status = await run(engine) { probe.batches("join").count == 4 }
    #expect(status == 0)
    let joined = probe.batches("join")
    #expect(joined.filter { $0.paths.contains("L") } == [Self.batch("a", "L"), Self.batch("b", "L")])
    #expect(joined.filter { $0.paths.contains("R") } == [Self.batch("a", "R"), Self.batch("b", "R")])
  }

  @Test("stop(reason:) ends every stage and run() returns 0")
  func stopEndsEveryStage() async {
    let engine = engine([
      emit("src", [Self.batch("a")]), relay("relay", after: ["src"]), record("sink", after: ["relay"]),
      record("other", after: ["src"]),
    ])
    let probe = probe
    let status = await run(engine) { probe.started.count == 4 && probe.batches("sink").count == 1 }
    #expect(status == 0)
    #expect(probe.returned == ["src", "relay", "sink", "other"])
    let stopping = events.of(.pipelineStopping)
    #expect(stopping.map(\.metadata) == [["reason": "test over"]])
    #expect(stopping.first?.message == "stopping (test over)…")
    #expect(events.of(.pipelineStopped).map(\.metadata) == [["status": "0"]])
    #expect(events.of(.error).isEmpty)
    // A second stop does nothing more.
    engine.stop(reason: "again")
    #expect(events.of(.pipelineStopping).count == 1)
  }

  @Test("a stop before run() makes it return 0 at once")
  func stopBeforeRun() async {
    let engine = engine([emit("src", [Self.batch("a")]), record("sink", after: ["src"])])
    engine.stop(reason: "early")
    let status = await value(of: Task { await engine.run() })
    #expect(status == 0)
    #expect(probe.batches("sink").isEmpty)
  }

  @Test("a stage that throws stops the others and run() returns 1")
  func throwingStageFails() async {
    let engine = engine([
      emit("src", [Self.batch("a")]), relay("relay", after: ["src"], breaks: true), record("sink", after: ["relay"]),
      record("other", after: ["src"]),
    ])
    let status = await value(of: Task { await engine.run() })
    #expect(status == 1)
    #expect(probe.returned == ["src", "relay", "sink", "other"])
    let errors = events.of(.error)
    #expect(errors.map(\.stage) == ["relay"])
    #expect(errors.map(\.message) == ["the relay broke"])
    #expect(events.of(.pipelineStopping).map(\.metadata) == [["reason": "stage 'relay' failed"]])
    #expect(events.of(.pipelineStopped).map(\.metadata) == [["status": "1"]])
  }

  @Test("a stage that cannot be created makes run() return 2, the status of an invalid file, with an error event")
  func instantiationFails() async {
    let engine = engine([
      emit("src", [Self.batch("a")]),
      stage("broken", BrokenStage.self, after: ["src"], NoConfiguration()),
    ])
    let status = await value(of: Task { await engine.run() })
    #expect(status == 2)
    #expect(events.of(.error).map(\.stage) == ["broken"])
    #expect(events.of(.error).map(\.message) == ["dev.yaml:3:5: no such folder: /nowhere"])
    #expect(events.of(.error).map(\.metadata) == [["help": "create it"]])
    #expect(events.of(.pipelineStarted).isEmpty)
  }

  @Test("events tell when the pipeline starts and when a cycle starts and finishes, with stage durations")
  func cycleEvents() async throws {
    let engine = engine([
      emit("src", [Batch([Change(path: "a.go", kind: .modified)])]), relay("relay", after: ["src"]),
      record("sink", after: ["relay"]),
    ])
    let events = events
    let status = await run(engine) { !events.of(.cycleFinished).isEmpty }
    #expect(status == 0)

    let started = try #require(events.of(.pipelineStarted).first)
    #expect(started.stage == "pipeline")
    #expect(started.message == "'demo' from dev.yaml: src → relay → sink")
    #expect(started.metadata == ["file": "dev.yaml", "stages": "src,relay,sink"])

    let cycleStarted = events.of(.cycleStarted)
    #expect(cycleStarted.map(\.paths) == [["a.go"]])
    #expect(cycleStarted.map(\.message) == ["1 change: a.go (modified)"])

    let finished = try #require(events.of(.cycleFinished).first)
    #expect(events.of(.cycleFinished).count == 1)
    #expect(finished.metadata["result"] == "ok")
    #expect(finished.metadata["stages"] == "sink=0.25")
    #expect(finished.message?.hasPrefix("sink 250ms — ") == true)

    let kinds = events.all.map(\.kind)
    let order = [Event.Kind.pipelineStarted, .cycleStarted, .stageSucceeded, .cycleFinished, .pipelineStopping, .pipelineStopped]
    #expect(kinds.filter(order.contains) == order)
  }

  @Test("a failed action makes the cycle finish as failed")
  func failedCycle() async throws {
    let engine = engine([emit("src", [Self.batch("a.go")]), record("build", after: ["src"], fails: true)])
    let events = events
    let status = await run(engine) { !events.of(.cycleFinished).isEmpty }
    #expect(status == 0)
    let finished = try #require(events.of(.cycleFinished).first)
    #expect(finished.metadata["result"] == "failed")
    #expect(finished.metadata["stages"] == "build=0.25")
    let failure = try #require(events.of(.stageFailed).first?.message)
    #expect(finished.message?.hasPrefix(failure + "; waiting for the next change — build 250ms (failed) — ") == true, "\(finished)")
  }

  @Test("a failure that lets the batch continue is shown but does not fail the cycle")
  func continuedFailure() async throws {
    let engine = engine([
      emit("src", [Self.batch("a.go")]), record("lint", after: ["src"], fails: true, continues: true),
      record("build", after: ["lint"]),
    ])
    let events = events
    let probe = probe
    let status = await run(engine) { !events.of(.cycleFinished).isEmpty }
    #expect(status == 0)
    #expect(probe.batches("build") == [Self.batch("a.go")])
    let finished = try #require(events.of(.cycleFinished).first)
    #expect(finished.metadata["result"] == "ok")
    #expect(finished.metadata["stages"] == "lint=0.25;build=0.25")
    #expect(finished.message?.hasPrefix("lint 250ms (failed, continued) · build 250ms — ") == true)
  }

  @Test("stages get the inherited environment with the pipeline's env: on top")
  func environment() async {
    let engine = engine([emit("src", [])], environment: ["PATH": "/bin", "PORT": "1"])
    let probe = probe
    let status = await run(engine) { probe.started.contains("src") }
    #expect(status == 0)
    #expect(probe.environment("src") == ["PATH": "/bin", "PORT": "8080"])
  }
}
