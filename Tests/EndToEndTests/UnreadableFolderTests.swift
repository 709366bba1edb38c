import Foundation
import Glibc
import PipelineCore
import Testing

/// A folder that cannot be read when `pipeline` starts (`chmod 000`, another user's folder):
/// inotify refuses to watch it. It is named in a warning and polled, so that what it holds is
/// seen once it can be read. Before, it was skipped silently and stayed deaf for the whole run.
///
/// Root reads every folder whatever its mode, so `pipeline` runs as `nobody` here (`setpriv`,
/// from util-linux); the test is skipped where that cannot be done.
@Suite(.serialized)
struct UnreadableFolderTests {
  private static let setpriv = "/usr/bin/setpriv"

  /// Whether `pipeline` can run as `nobody` here: as root, with `setpriv`, and with the binary
  /// in folders `nobody` may enter (a clone under /root is not).
  private static var canRunAsNobody: Bool {
    guard geteuid() == 0, access(setpriv, X_OK) == 0 else { return false }
    return (try? run(setpriv, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", PipelineRun.binary, "--help"])) == 0
  }

  @Test(.enabled(if: UnreadableFolderTests.canRunAsNobody))
  func anUnreadableFolderIsNamedAndSeenOnceReadable() async throws {
    let project = try TemporaryProject("unreadable")
    try project.write("src/open/a.txt", "a\n")
    try project.write("src/locked/b.txt", "b\n")
    try project.write(
      "pipeline.yaml",
      "stages:\n  - stage: watch\n    paths: [src]\n  - stage: debounce\n    window: 50ms\n"
        + "  - stage: build\n    run: sh -c 'echo \"$PIPELINE_CHANGED_FILES\" >> builds.log'\n")
    try Self.run("/bin/chown", ["-R", "nobody:nogroup", project.root])
    #expect(chmod(project.path("src/locked"), 0) == 0)
    let run = try PipelineRun(
      ["--reuid=nobody", "--regid=nogroup", "--clear-groups", PipelineRun.binary, "run"], in: project.root,
      addEvents: false, executable: Self.setpriv)
    #expect(await run.waitForLine(containing: "cannot watch"), "\(run.transcript)")
    #expect(run.transcript.contains("src/locked: permission denied"), "\(run.transcript)")

    #expect(chmod(project.path("src/locked"), 0o755) == 0)
    try project.write("src/locked/c.txt", "c\n")
    #expect(
      await run.waitUntil { project.lines("builds.log").contains { $0.contains("src/locked/c.txt") } },
      "a file in the folder, once readable, started a build: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @discardableResult
  private static func run(_ program: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }
}
