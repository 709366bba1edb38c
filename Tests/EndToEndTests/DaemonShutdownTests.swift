import Foundation
import PipelineCore
@preconcurrency import Glibc
import Testing

/// A daemon a command started (a session of its own) runs on while `pipeline` runs, and is
/// gone by the time `pipeline` has exited: a `pipeline run` started right after finds its port
/// free.
@Suite(.serialized)
struct DaemonShutdownTests {
  @Test("a clean stop returns only once the daemon the app started has stopped")
  func aCleanStopWaitsForTheDaemon() async throws {
    let project = try TemporaryProject("daemon-stop")
    try project.write("src/n.txt", "0")
    // The daemon takes longer than the keeper's 2 seconds for it to stop on SIGTERM (a server
    // draining its connections): SIGKILL ends it, after the grace.
    try project.write(
      "daemon.sh", "trap 'sleep 5; exit 0' TERM\necho $$ > daemon.pid\nwhile :; do sleep 0.1; done\n")
    try project.write("app.sh", "setsid sh daemon.sh &\necho app up\nexec sleep 1000\n")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: restart
          run: [sh, app.sh]
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "app up"), "\(run.transcript)")
    #expect(await run.waitUntil { project.pid("daemon.pid") != nil }, "\(run.transcript)")
    let daemon = try #require(project.pid("daemon.pid"))
    #expect(getsid(daemon) == daemon, "the daemon leads a session of its own")

    #expect(await run.interrupt(SIGINT) == .exited(0), "\(run.transcript)")
    #expect(!processExists(daemon), "pipeline exited before the daemon it started had stopped")
  }
}
