import Foundation
import Testing

/// The sync stage on the real binary, with its target inside the watched tree: what it
/// writes there is the pipeline's own work and starts no cycle.
@Suite(.serialized)
struct SyncTests {
  @Test func writesIntoTheWatchedTreeStartNoCycle() async throws {
    let project = try TemporaryProject("sync")
    try project.write("src/a.txt", "one")
    try project.write("mirror/.keep", "")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src, mirror]
        - stage: debounce
          window: 30ms
        - stage: sync
          from: src
          target: mirror
        - stage: run
          run: echo "synced $(cat mirror/a.txt)"
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "synced one"), "\(run.transcript)")
    // Saved by renaming: one save is one change, however loaded the machine.
    try project.replace("src/a.txt", "two")
    #expect(await run.waitForLine(containing: "synced two"), "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(1200))
    #expect(run.events("cycle-started").count == 2, "the copies in mirror/ are not news: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }

  @Test("a chmod +x reaches the target: the mode is part of what 'unchanged: skip' compares")
  func aPermissionChangeIsSynced() async throws {
    let project = try TemporaryProject("sync-mode")
    try project.write("src/run.sh", "echo hi\n")
    try project.write(
      "pipeline.yaml",
      """
      stages:
        - stage: watch
          paths: [src]
        - stage: debounce
          window: 30ms
        - stage: filter
        - stage: sync
          from: src
          target: mirror
        - stage: run
          run: echo "mode $(stat -c %a mirror/run.sh)"
      """)
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitForLine(containing: "mode 644"), "\(run.transcript)")
    #expect(chmod(project.root + "/src/run.sh", 0o755) == 0)
    #expect(await run.waitForLine(containing: "mode 755"), "the new mode was not copied: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }
}
