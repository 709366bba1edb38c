import Foundation
import Glibc
import Testing

/// A console that stops reading — `pipeline run | less` left on a page, a terminal paused with
/// Ctrl-S — used to stop everything: the engine's thread waited in a `write`, so saves were not
/// rebuilt and Ctrl-C was not obeyed until the reader went on. Now the console's lines wait on
/// a thread of their own.
@Suite struct StalledConsoleTests {
  @Test func aSaveRestartsAndCtrlCStopsWhileNothingReadsTheOutput() async throws {
    let project = try TemporaryProject("stalled-console")
    try project.write("src/v.txt", "1\n")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: restart
          run: 'echo "APP $(cat src/v.txt)" >> apps.log; exec yes "a line the console never takes"'
      """)
    // Standard output is a FIFO whose reader never reads: it fills after 64 KiB.
    #expect(mkfifo(project.path("console"), 0o600) == 0)
    let run = try PipelineRun(
      ["-c", "sleep 300 < console & echo $! > reader.pid; exec \"$0\" run > console", PipelineRun.binary],
      in: project.root, addEvents: false, executable: "/bin/sh")
    defer { if let reader = project.read("reader.pid").flatMap({ Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) { kill(reader, SIGKILL) } }
    #expect(await run.waitUntil { project.lines("apps.log") == ["APP 1"] }, "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(500))  // The pipe is full long before this.

    try project.write("src/v.txt", "2\n")
    #expect(await run.waitUntil { project.lines("apps.log") == ["APP 1", "APP 2"] }, "the save restarted the app: \(run.transcript)")
    #expect(await run.interrupt(timeout: .seconds(15)) == .exited(0), "Ctrl-C stopped it: \(run.transcript)")
  }
}
