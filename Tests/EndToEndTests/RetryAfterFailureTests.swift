import Foundation
import PipelineCore
import Testing

/// After a failed cycle, saving a file retries it even when the file did not change: the
/// cause often lies outside the watched files, and a save is how people retry. What the
/// failed command wrote itself does not retry it, or a failing build that rewrites a watched
/// file would run forever.
@Suite(.serialized)
struct RetryAfterFailureTests {
  /// A project whose pipeline watches its root and runs `command` as its last stage, which
  /// counts its runs in tmp/runs.log (tmp is not watched); `filter` adds a filter stage with
  /// those lines.
  static func project(
    _ name: String, files: [String: String], filter: String?, stage: String, command: String
  ) throws -> TemporaryProject {
    let project = try TemporaryProject(name)
    for (path, content) in files { try project.write(path, content) }
    let filterStage = filter.map { "  - stage: filter\n" + $0 } ?? ""
    try project.write(
      "pipeline.yaml",
      "stages:\n  - stage: watch\n  - stage: debounce\n    window: 50ms\n" + filterStage
        + "  - stage: \(stage)\n    run: sh -c 'echo run >> tmp/runs.log; \(command)'\n")
    try project.write("tmp/.keep", "")
    return project
  }

  /// A test that compares the code with a fixture in an excluded folder: the fix is in the
  /// fixture, which the filter drops, and a touch of the code retries.
  private static func fixtureProject() throws -> TemporaryProject {
    try project(
      "retry", files: ["src/greeting.txt": "hello\n", "testdata/want.txt": "bye\n"],
      filter: "    exclude_dirs: [testdata]\n", stage: "test",
      command: #"cmp src/greeting.txt testdata/want.txt && echo "test passed""#)
  }

  @Test func aTouchAfterAFailedCycleRetriesIt() async throws {
    let project = try Self.fixtureProject()
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "stage 'test'"), "the startup run fails: \(run.transcript)")
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")
    try project.write("testdata/want.txt", "hello\n")
    // The same bytes: only a retry can make this run the test again.
    try await Task.sleep(for: .milliseconds(20))
    try project.write("src/greeting.txt", "hello\n")
    #expect(await run.waitForLine(containing: "✓ test"), "a save retried the failed cycle: \(run.transcript)")
    #expect(project.lines("tmp/runs.log").count == 2, "\(run.transcript)")

    // Once a cycle passed, a save without edits is dropped again.
    try await Task.sleep(for: .milliseconds(20))
    try project.write("src/greeting.txt", "hello\n")
    #expect(await run.waitUntil { run.events("batch-dropped").count >= 1 }, "\(run.transcript)")
    #expect(project.lines("tmp/runs.log").count == 2, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test func aFailingCommandThatRewritesAWatchedFileDoesNotRetryItself() async throws {
    let project = try Self.project(
      "retry-loop", files: ["src/gen.txt": "generated\n"], filter: "", stage: "build",
      command: #"printf "generated\n" > src/gen.txt; exit 1"#)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")
    // Its own rewrite is older than the failure: dropped, not a retry.
    #expect(await run.waitUntil { run.events("batch-dropped").count >= 1 }, "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(500))
    #expect(project.lines("tmp/runs.log").count == 1, "the failed build ran again by itself: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }
}

/// The `--events` log inside the watched tree is `pipeline`'s own file: its lines are not
/// changes. Before, each line started a cycle (or, when filtered, a `changes` event, which is
/// another line), forever.
@Suite(.serialized)
struct EventsLogInTheTreeTests {
  @Test func theEventsLogInTheWatchedTreeStartsNoCycle() async throws {
    let project = try RetryAfterFailureTests.project(
      "events-in-tree", files: ["src/main.txt": "v1\n"], filter: nil, stage: "build", command: "true")
    // PipelineRun puts the events log in the project's root, which is watched here, with no
    // filter stage to drop it.
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(600))
    #expect(project.lines("tmp/runs.log").count == 1, "the events log started cycles: \(run.transcript)")
    #expect(run.events("changes").isEmpty, "its lines were reported as changes: \(run.events("changes"))")
    try project.write("src/main.txt", "v2\n")
    #expect(await run.waitUntil { project.lines("tmp/runs.log").count == 2 }, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }
}
