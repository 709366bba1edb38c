import Foundation
import PipelineCore
@preconcurrency import Glibc
import Testing

/// A command's processes that put themselves in process groups of their own, as `swift build`
/// does with its compilers: they stop with the command, whether a newer save or Ctrl-C stops
/// it. The "compiler" here ignores the build's `SIGINT`, as one started a moment too late to
/// get `swift build`'s own did, so only `pipeline` can stop it.
@Suite(.serialized)
struct LeftBehindProcessesTests {
  /// A project whose build starts a compiler in a group of its own (bash with job control)
  /// and waits for it; each compiler appends its pid to compilers.pid.
  func project(_ name: String) throws -> TemporaryProject {
    let project = try TemporaryProject(name)
    try project.write("src/n.txt", "0")
    try project.write("compile.sh", "trap '' INT\necho $$ >> compilers.pid\necho compiling\nexec sleep 1000\n")
    try project.write(
      "build.sh",
      """
      if [ -s compilers.pid ]; then
        for pid in $(cat compilers.pid); do kill -0 "$pid" 2>/dev/null && echo "compiler $pid still running"; done
      fi
      set -m
      sh compile.sh &
      wait
      """)
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: debounce
          window: 30ms
        - stage: build
          run: [bash, build.sh]
          signal: SIGINT
          kill_after: 500ms
      """)
    return project
  }

  @Test("Ctrl-C during the build stops the compiler it started in a group of its own")
  func ctrlCStopsTheCompilerInItsOwnGroup() async throws {
    let project = try project("left-behind-stop")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "compiling"), "\(run.transcript)")
    let compiler = try #require(project.pid("compilers.pid"))
    #expect(getpgid(compiler) == compiler, "the compiler leads a group of its own")

    #expect(await run.interrupt(SIGINT) == .exited(0), "\(run.transcript)")
    #expect(!processExists(compiler), "the compiler outlived pipeline")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty)
  }

  @Test("a newer save stops the build's compiler in its own group before the build runs again")
  func aNewerSaveStopsTheCompilerBeforeTheNextBuild() async throws {
    let project = try project("left-behind-restart")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "compiling"), "\(run.transcript)")
    let first = try #require(project.pid("compilers.pid"))

    try project.write("src/n.txt", "1")
    #expect(await run.waitUntil { project.lines("compilers.pid").count == 2 }, "\(run.transcript)")
    #expect(!processExists(first), "the stopped build's compiler still runs")
    #expect(!run.output.contains { $0.contains("still running") }, "the next build started beside it: \(run.transcript)")

    #expect(await run.interrupt(SIGINT) == .exited(0), "\(run.transcript)")
    #expect(await ProcessProbe.waitUntilNoneLeft(inProject: project.root).isEmpty)
  }
}
