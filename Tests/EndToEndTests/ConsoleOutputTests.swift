import Foundation
import Testing

/// What the console shows during a run, on the real binary.
@Suite(.serialized)
struct ConsoleOutputTests {
  @Test("the app's started line always comes before the first line the new instance writes")
  func startedLineComesFirst() async throws {
    let project = try TemporaryProject("started-order")
    try project.write("src/n.txt", "0")
    // Prints at once, on both streams, before anything else can happen.
    try project.write("app.sh", "echo \"first line of $$\"\necho \"error line of $$\" >&2\nexec sleep 1000\n")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: debounce
          window: 20ms
        - stage: restart
          run: [sh, app.sh]
          kill_after: 200ms
      """)
    let run = try PipelineRun(["run"], in: project.root)
    let restarts = 40
    try #require(await run.waitForLine(containing: "first line of", count: 1), "\(run.transcript)")
    for round in 1...restarts {
      try project.write("src/n.txt", "\(round)")
      try #require(
        await run.waitUntil {
          run.output.filter { $0.contains("first line of") }.count == round + 1
            && run.output.filter { $0.contains("error line of") }.count == round + 1
        }, "restart \(round) did not happen: \(run.transcript)")
    }

    let output = run.output
    let started = run.events("app-started").compactMap { $0["pid"] as? String }
    #expect(started.count == restarts + 1, "\(run.transcript)")
    for pid in started {
      let startedLine = output.firstIndex { $0.hasSuffix("started sh app.sh (pid \(pid))") }
      let first = output.firstIndex { $0.hasSuffix("first line of \(pid)") }
      let error = output.firstIndex { $0.hasSuffix("error line of \(pid)") }
      let announced = try #require(startedLine, "no started line for \(pid): \(run.transcript)")
      #expect(first.map { announced < $0 } == true, "pid \(pid) printed before its started line: \(run.transcript)")
      #expect(error.map { announced < $0 } == true, "pid \(pid) printed before its started line: \(run.transcript)")
    }
    #expect(await run.interrupt() == .exited(0))
  }

  @Test("runs of one cycle that failed the same way are reported once, with a count")
  func repeatedFailureSaidOnce() async throws {
    let project = try TemporaryProject("repeated-failure")
    try project.write("src/m.txt", "v1")
    try project.write("build.sh", "m=$(cat src/m.txt)\necho \"building $m\"\n[ \"$m\" = v1 ] && exit 0\nexec sleep 1000\n")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: debounce
          window: 30ms
        - stage: build
          run: sh build.sh
          timeout: 1s
          on_busy: queue
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")
    try project.write("src/m.txt", "v2")
    #expect(await run.waitForLine(containing: "building v2"), "\(run.transcript)")
    // Queued behind the run of v2, which times out; then its own run times out too.
    try project.write("src/m.txt", "v3")
    #expect(await run.waitUntil { run.events("cycle-finished").count == 2 }, "\(run.transcript)")
    #expect(run.output.contains { $0.contains("building v3") }, "\(run.transcript)")
    let line = try #require(run.output.last { $0.hasPrefix("✗ ") }, "\(run.transcript)")
    let failure = "stage 'build' (sh build.sh) timed out after 1s and was stopped"
    #expect(line.hasPrefix("✗ \(failure) (2 times); waiting for the next change — "), "\(line)")
    #expect(line.components(separatedBy: failure).count == 2, "said more than once: \(line)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
  }

  @Test("the format stage shows the command it ran, with the changed file, not the {files} template")
  func formatShowsTheCommandAsRun() async throws {
    let project = try TemporaryProject("format-line")
    try project.write("src/a.txt", "a")
    try project.write("src/bad.txt", "a")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: debounce
          window: 20ms
        - stage: format
          run: [sh, -c, 'if grep -q broken "$@"; then echo "syntax error"; exit 2; fi', fmt, "{files}"]
      """)
    let run = try PipelineRun(["run"], in: project.root)
    try #require(await run.waitForLine(containing: "watching"), "\(run.transcript)")
    try project.write("src/a.txt", "b")
    #expect(
      await run.waitForLine(containing: "[format] $ sh -c 'if grep -q broken \"$@\"; then echo \"syntax error\"; exit 2; fi' fmt src/a.txt"),
      "\(run.transcript)")
    try project.write("src/bad.txt", "broken")
    #expect(
      await run.waitForLine(
        containing: "✗ stage 'format' (sh -c 'if grep -q broken \"$@\"; then echo \"syntax error\"; exit 2; fi' fmt src/bad.txt) exited with status 2; waiting for the next change — "),
      "\(run.transcript)")
    #expect(!run.output.contains { $0.contains("{files}") }, "\(run.transcript)")
    #expect(run.output.filter { $0.contains("exited with status 2") }.count == 1, "reported once: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test("-q shows the app's output and a failed build, and none of the cycle lines")
  func quietShowsOutputAndFailuresOnly() async throws {
    let project = try AppFixture.make(message: "v1")
    let run = try PipelineRun(["run", "-q"], in: project.root)
    #expect(await run.waitForLine(containing: "[restart] app started: v1"), "\(run.transcript)")
    try project.write("src/message.txt", "broken v2")
    #expect(await run.waitForLine(containing: "✗ stage 'build' (sh build.sh) exited with status 1"), "\(run.transcript)")
    #expect(run.output.contains { $0.contains("syntax error in src/message.txt") }, "\(run.transcript)")
    try project.write("src/message.txt", "v3")
    #expect(await run.waitForLine(containing: "[restart] app started: v3"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0), "\(run.transcript)")
    let chatter = ["▶", "✓", "pipeline from", "watching", "$ sh build.sh", "[restart] started", "stopping", "stopped"]
    #expect(!run.output.contains { line in chatter.contains { line.contains($0) } }, "\(run.transcript)")
  }
}
