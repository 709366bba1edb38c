import Foundation
import PipelineCore
import Testing

/// A build whose output lands in the watched tree, neither excluded nor ignored, runs the
/// pipeline twice per save. `pipeline` cannot tell the build's writes from yours, so it drops
/// nothing, but it says so once, naming the files and the folder to exclude.
@Suite(.serialized)
struct OwnOutputWarningTests {
  private static func project(_ name: String, filter: String) throws -> TemporaryProject {
    let project = try TemporaryProject(name)
    try project.write("src/main.txt", "v1\n")
    try project.write(
      "pipeline.yaml",
      "stages:\n  - stage: watch\n  - stage: debounce\n    window: 50ms\n  - stage: filter\n" + filter
        + "  - stage: build\n    run: sh -c 'mkdir -p out && cp src/main.txt out/main.txt && echo built >> tmp/builds.log'\n")
    try project.write("tmp/.keep", "")
    return project
  }

  @Test func aBuildThatWritesIntoTheWatchedTreeIsNamedOnce() async throws {
    let project = try Self.project("own-output", filter: "")
    let run = try PipelineRun(["run"], in: project.root)
    // The startup build's output starts a second build (in the same cycle: it comes before the
    // pipeline is idle), which writes the same bytes, dropped as unchanged.
    #expect(await run.waitUntil { project.lines("tmp/builds.log").count == 2 }, "\(run.transcript)")
    #expect(await run.waitUntil { run.events("batch-dropped").count == 1 }, "\(run.transcript)")
    #expect(run.events("warning").isEmpty, "one change during a cycle is not enough: \(run.transcript)")

    try project.write("src/main.txt", "v2\n")
    #expect(await run.waitForLine(containing: "out/main.txt changed during two runs of a command"), "\(run.transcript)")
    #expect(run.transcript.contains("add exclude_dirs: [out] to the filter stage"), "\(run.transcript)")
    #expect(await run.waitUntil { project.lines("tmp/builds.log").count == 4 }, "the save built twice: \(run.transcript)")

    try await Task.sleep(for: .milliseconds(200))
    try project.write("src/main.txt", "v3\n")
    #expect(await run.waitUntil { project.lines("tmp/builds.log").count == 6 }, "\(run.transcript)")
    #expect(await run.waitUntil { run.events("batch-dropped").count == 3 }, "\(run.transcript)")
    // The third run that wrote it, as long before its end as the others: the file is
    // recognised as the build's, and from then on a save builds once.
    #expect(await run.waitForLine(containing: "of each of 3 runs of a command"), "\(run.transcript)")
    #expect(run.transcript.contains("warning: [filter] out/main.txt changed"), "\(run.transcript)")
    #expect(run.events("warning").count == 2, "the suspicion is given once: \(run.transcript)")

    try await Task.sleep(for: .milliseconds(200))
    try project.write("src/main.txt", "v4\n")
    #expect(
      await run.waitUntil {
        run.events("batch-dropped").contains { ($0["message"] as? String) == "written by a command while it ran: out/main.txt" }
      }, "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(500))
    #expect(project.lines("tmp/builds.log").count == 7, "the save built once: \(run.transcript)")
    #expect(project.read("out/main.txt") == "v4\n")
    #expect(await run.interrupt() == .exited(0))
  }

  /// A build that writes a file into the tree as soon as it starts is stopped by its own write
  /// (`on_busy: restart`), again and again: no run ever finished, and the app never started.
  /// After three runs the file is recognised as the build's, and the next run goes to its end.
  /// A change of that file made while nothing runs still starts the pipeline.
  /// With `unchanged: keep` too, where the filter reads no content (the times come from a
  /// `stat`).
  @Test(arguments: ["", "    unchanged: keep\n"])
  func aBuildStoppedByItsOwnWriteEachTimeIsLetFinish(filterKeys: String) async throws {
    let project = try TemporaryProject("own-output-restart-loop")
    try project.write("src/main.txt", "v1\n")
    try project.write("tmp/.keep", "")
    try project.write(
      "pipeline.yaml",
      "stages:\n  - stage: watch\n  - stage: debounce\n    window: 50ms\n  - stage: filter\n    exclude_dirs: [tmp]\n"
        + filterKeys
        + "  - stage: build\n    run: sh -c 'date +%s%N > stamp.txt; sleep 0.5; echo built >> tmp/builds.log'\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "stamp.txt changed"), "\(run.transcript)")
    #expect(run.transcript.contains("after the start of each of 3 runs of a command"), "\(run.transcript)")
    #expect(run.transcript.contains(#"add exclude: ["stamp.txt"] to the filter stage"#), "\(run.transcript)")
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(300))
    #expect(project.lines("tmp/builds.log").count == 1, "\(run.transcript)")
    let stopped = run.events("stage-cancelled").count
    #expect(stopped >= 3, "\(run.transcript)")

    try project.write("src/main.txt", "v2\n")
    #expect(await run.waitUntil { project.lines("tmp/builds.log").count == 2 }, "\(run.transcript)")
    #expect(await run.waitUntil { run.events("cycle-finished").count == 2 }, "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(300))
    #expect(run.events("stage-cancelled").count == stopped, "the save ran once, to its end: \(run.transcript)")

    try project.write("stamp.txt", "written by hand\n")
    #expect(await run.waitUntil { project.lines("tmp/builds.log").count == 3 }, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  /// Output that differs each time, written just before the run ends: it reaches the cycle
  /// before the cycle closes, so every run is in one cycle. Two runs are enough to name it;
  /// after the third, written at the same moment, it is recognised and the cycle ends.
  @Test func aBuildThatWritesNewOutputEachRunIsNamedAndItsEndlessCycleEnds() async throws {
    let project = try TemporaryProject("own-output-endless")
    try project.write(
      "pipeline.yaml",
      "stages:\n  - stage: watch\n  - stage: debounce\n  - stage: filter\n"
        + "  - stage: build\n    run: sleep 0.2; date +%s%N > generated.txt; echo built\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "generated.txt changed during two runs of a command"), "\(run.transcript)")
    #expect(await run.waitForLine(containing: "generated.txt changed", count: 2), "recognised: \(run.transcript)")
    #expect(run.transcript.contains("of each of 3 runs of a command"), "\(run.transcript)")
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test func anExcludedOutputFolderRunsOncePerSaveAndWarnsOfNothing() async throws {
    let project = try Self.project("own-output-excluded", filter: "    exclude_dirs: [out]\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")
    for version in 2...3 {
      try await Task.sleep(for: .milliseconds(200))
      try project.write("src/main.txt", "v\(version)\n")
      #expect(await run.waitUntil { run.events("cycle-finished").count == version }, "\(run.transcript)")
    }
    try await Task.sleep(for: .milliseconds(300))
    #expect(run.events("cycle-finished").count == 3, "\(run.transcript)")
    #expect(project.lines("tmp/builds.log").count == 3, "\(run.transcript)")
    #expect(run.events("warning").isEmpty, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  /// Someone who saves while a slow build runs: each save stops the run (`on_busy: restart`),
  /// so it is not taken for the build's output, even when the file is never saved while the
  /// pipeline is idle.
  @Test func savesWhileASlowBuildRunsAreNotTakenForItsOutput() async throws {
    let project = try TemporaryProject("own-output-slow")
    try project.write("src/a.txt", "a\n")
    try project.write("src/b.txt", "b\n")
    try project.write(
      "pipeline.yaml",
      "stages:\n  - stage: watch\n  - stage: debounce\n    window: 50ms\n  - stage: filter\n    exclude_dirs: [tmp]\n"
        + "  - stage: build\n    run: sh -c 'sleep 1; echo built >> tmp/builds.log'\n")
    try project.write("tmp/.keep", "")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "[build] $ sh -c"), "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(300))
    try project.write("src/b.txt", "b1\n")
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")

    // Files are stamped with a clock of 4 ms ticks: a save in the tick a run ended in cannot be
    // told from the run's own writes. A person's next save comes later than that.
    try await Task.sleep(for: .milliseconds(20))
    try project.write("src/a.txt", "a2\n")
    #expect(await run.waitForLine(containing: "[build] $ sh -c", count: 3), "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(300))
    try project.write("src/b.txt", "b2\n")
    #expect(await run.waitUntil { run.events("cycle-finished").count == 2 }, "\(run.transcript)")
    // A save while idle: the filter decides on the saves that fell in runs at its next batch.
    try await Task.sleep(for: .milliseconds(20))
    try project.write("src/a.txt", "a3\n")
    #expect(await run.waitUntil { run.events("cycle-finished").count == 3 }, "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(300))
    #expect(run.events("stage-cancelled").count == 2, "each save stopped the run it fell in: \(run.transcript)")
    #expect(run.events("warning").isEmpty, "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }
}
