import PipelineCore
@testable import PipelineStages
import Testing

@Suite struct DebounceStateMachineTests {
  let clock = ContinuousClock()

  @Test func aBurstBecomesOneUnionOnceQuiet() {
    var machine = DebounceStateMachine(window: .milliseconds(100), maxWait: .seconds(2))
    let start = clock.now
    _ = machine.receive(Batch([Change(path: "a.go", kind: .created)]), at: start)
    _ = machine.receive(Batch([Change(path: "b.go", kind: .modified)]), at: start.advanced(by: .milliseconds(50)))
    let deadline = machine.receive(Batch([Change(path: "a.go", kind: .removed)]), at: start.advanced(by: .milliseconds(90)))
    #expect(deadline == start.advanced(by: .milliseconds(190)))
    #expect(machine.flush(at: start.advanced(by: .milliseconds(189))) == nil)
    let batch = machine.flush(at: start.advanced(by: .milliseconds(190)))
    #expect(batch?.changes == [Change(path: "a.go", kind: .removed), Change(path: "b.go", kind: .modified)])
    #expect(machine.pending == nil)
  }

  @Test func maxWaitCapsASteadyStream() {
    var machine = DebounceStateMachine(window: .milliseconds(100), maxWait: .milliseconds(300))
    let start = clock.now
    var deadline = start
    for step in 0..<10 {
      deadline = machine.receive(modified("f\(step)"), at: start.advanced(by: .milliseconds(50 * step)))
    }
    #expect(deadline == start.advanced(by: .milliseconds(300)))
    #expect(machine.flush(at: start.advanced(by: .milliseconds(300)))?.changes.count == 10)
  }
}

@Suite struct DebounceStageTests {
  @Test func rapidBatchesArriveAsOne() async throws {
    let harness = try StageHarness(DebounceStage.self, yaml: "window: 50ms")
    harness.send(modified("a"))
    harness.send(modified("b"))
    harness.send(modified("a", "c"))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    try await Task.sleep(for: .milliseconds(150))
    #expect(harness.output.count == 1)
    #expect(harness.output.first?.paths == ["a", "b", "c"])
    #expect(harness.work.isIdle)
    try await harness.finish()
  }

  @Test("max_wait left out follows a window longer than its 2s default, instead of an error about a key not written",
    arguments: [("window: 3s", Duration.seconds(3)), ("window: 50ms", .seconds(2)), ("window: 3s\nmax_wait: 5s", .seconds(5))])
  func maxWaitDefault(yaml: String, expected: Duration) throws {
    let node = try #require(try YAMLNodeConverter.parse(yaml, file: "test.yaml"))
    guard case .mapping(let entries) = node.value else { Issue.record("not a mapping"); return }
    let configuration = try DebounceStage.Configuration(options: StageOptions(stageName: "debounce", entries: entries, location: nil))
    #expect(configuration.maxWait == expected)
  }

  @Test func maxWaitShorterThanWindowIsRejected() {
    #expect(throws: Diagnostic.self) { try StageHarness(DebounceStage.self, yaml: "window: 1s\nmax_wait: 100ms") }
  }
}
