import Foundation
import PipelineCore
@preconcurrency import Glibc
import Testing

/// Ctrl-C or `SIGTERM` in the middle of a cycle: `pipeline` stops at once, starts nothing new,
/// and the cycle's line says that its work was stopped, not that it succeeded.
@Suite(.serialized)
struct StopDuringWorkTests {
  @Test("a stop while the restart waits for ready ends the wait at once, not when the ready timeout runs out", arguments: [SIGINT, SIGTERM])
  func stopDuringTheReadyWait(signal: Int32) async throws {
    let project = try TemporaryProject("stop-ready")
    try project.write("src/n.txt", "0")
    try project.write("app.sh", "echo $$ > app.pid\necho \"app up, never ready\"\nexec sleep 1000\n")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: restart
          run: [sh, app.sh]
          ready: {output: "never printed", timeout: 120s}
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app up, never ready"), "\(run.transcript)")
    let app = try #require(project.pid("app.pid"))

    // Well under the 120s the ready check would otherwise hold the stop up.
    #expect(await run.interrupt(signal, timeout: .seconds(40)) == .exited(0), "the stop waited for ready: \(run.transcript)")
    #expect(!processExists(app), "the app outlived pipeline")
    #expect(!run.output.contains { $0.contains("not ready after") }, "\(run.transcript)")
    #expect(run.output.contains { $0.hasPrefix("■ restart stopped before finishing — ") }, "\(run.transcript)")
    let finished = try #require(run.events("cycle-finished").last)
    #expect(finished["result"] as? String == "stopped", "\(finished)")
  }

  @Test("a stop while the old instance shuts down for a restart starts no new instance")
  func stopWhileTheOldInstanceShutsDown() async throws {
    let project = try TemporaryProject("stop-restart")
    try project.write("src/n.txt", "0")
    // Takes 3s to shut down on SIGTERM, well within kill_after: it exits by itself.
    let app = """
      echo "start $$" >> lifecycle.log
      trap 'echo "app shutting down"; sleep 3; echo "stop $$" >> lifecycle.log; exit 0' TERM INT
      echo "app started"
      while :; do sleep 0.1; done
      """
    try project.write("app.sh", app)
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: debounce
          window: 30ms
        - stage: restart
          run: [sh, app.sh]
          kill_after: 20s
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app started"), "\(run.transcript)")
    try project.write("src/n.txt", "1")
    #expect(await run.waitForLine(containing: "app shutting down"), "\(run.transcript)")

    #expect(await run.interrupt(SIGINT, timeout: .seconds(40)) == .exited(0), "\(run.transcript)")
    let lifecycle = project.lines("lifecycle.log")
    #expect(lifecycle.count == 2 && lifecycle.first?.hasPrefix("start") == true && lifecycle.last?.hasPrefix("stop") == true,
            "an instance was started after stopping began: \(lifecycle); \(run.transcript)")
    #expect(run.events("app-started").count == 1, "\(run.transcript)")
    #expect(run.output.contains { $0.hasPrefix("■ restart stopped before finishing — ") }, "\(run.transcript)")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty)
  }

  @Test("a stop during a build reports the build as stopped, not '✓ nothing ran'")
  func stopDuringABuild() async throws {
    let project = try AppFixture.make()
    try project.write("build.sh", "echo $$ > build.pid\necho building\nsleep 1000\n")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "building"), "\(run.transcript)")
    let build = try #require(project.pid("build.pid"))

    #expect(await run.interrupt(SIGTERM) == .exited(0), "\(run.transcript)")
    #expect(!processExists(build))
    #expect(!run.output.contains { $0.contains("nothing ran") }, "\(run.transcript)")
    #expect(run.output.contains { $0.hasPrefix("■ build stopped before finishing — ") }, "\(run.transcript)")
    let finished = try #require(run.events("cycle-finished").last)
    #expect(finished["result"] as? String == "stopped", "\(finished)")
    let cancelled = try #require(run.events("stage-cancelled").last)
    #expect(cancelled["reason"] as? String == "stopping", "\(cancelled)")
  }

  @Test("a stop during the tests, after the build finished, reads '■ build … · test stopped before finishing', not ✓")
  func stopDuringTheTestsAfterTheBuild() async throws {
    let project = try AppFixture.make()
    try project.write("test.sh", "echo $$ > test.pid\necho testing\nsleep 1000\n")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: build
          run: sh build.sh
        - stage: test
          run: sh test.sh
        - stage: restart
          run: sh app.sh
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "testing"), "\(run.transcript)")
    let tests = try #require(project.pid("test.pid"))

    #expect(await run.interrupt(SIGINT) == .exited(0), "\(run.transcript)")
    #expect(!processExists(tests))
    #expect(!run.output.contains { $0.hasPrefix("✓") }, "\(run.transcript)")
    #expect(
      run.output.contains { $0.hasPrefix("■ build ") && $0.contains(" · test stopped before finishing — ") },
      "\(run.transcript)")
    let finished = try #require(run.events("cycle-finished").last)
    #expect(finished["result"] as? String == "stopped", "\(finished)")
  }

  @Test("a stop while an external stage works on a batch ends its wait at once, not when its timeout runs out")
  func stopDuringAnExternalStagesBatch() async throws {
    let project = try TemporaryProject("stop-external")
    try project.write("in/.keep", "")
    try project.write(
      "slow.sh",
      """
      read hello
      echo '{"type":"ready","protocol":1}'
      while read line; do
        id=$(printf '%s' "$line" | sed 's/.*"id":\\([0-9]*\\).*/\\1/')
        case "$line" in
          *slow.txt*) echo $$ > slow.pid; echo "working on it" >&2; sleep 1000 ;;
          *) echo "{\\"type\\":\\"result\\",\\"id\\":$id,\\"pass\\":true}" ;;
        esac
      done
      """, executable: true)
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [in]
        - stage: external
          name: slow
          run: ./slow.sh
          timeout: 120s
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "✓ slow "), "the startup batch did not pass, or its cycle does not name the stage:\n\(run.transcript)")
    try project.replace("in/slow.txt", "x")
    #expect(await run.waitForLine(containing: "working on it"), "\(run.transcript)")
    let program = try #require(project.pid("slow.pid"))

    // Well under the 120s the stage would otherwise wait for an answer.
    #expect(await run.interrupt(SIGINT, timeout: .seconds(40)) == .exited(0), "the stop waited for the answer: \(run.transcript)")
    #expect(!processExists(program), "the program outlived pipeline")
    #expect(!run.output.contains { $0.contains("did not answer") }, "\(run.transcript)")
    #expect(run.output.contains { $0.hasPrefix("■ slow stopped before finishing — ") }, "\(run.transcript)")
    let finished = try #require(run.events("cycle-finished").last)
    #expect(finished["result"] as? String == "stopped", "\(finished)")
  }
}
