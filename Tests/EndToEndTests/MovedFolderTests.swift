import Foundation
import PipelineCore
import Testing

/// A folder moved out of the watched tree and back (`mv src/pkg /tmp && mv /tmp/pkg src/`):
/// its files come back with the content they had, and that is a change, since the pipeline ran
/// without them in between.
@Suite(.serialized)
struct MovedFolderTests {
  @Test func aFolderMovedOutAndBackIsAChangeWithItsFiles() async throws {
    let project = try TemporaryProject("moved-folder")
    try project.write("src/pkg/f.txt", "one\n")
    try project.write(
      "pipeline.yaml",
      "stages:\n  - stage: watch\n    paths: [src]\n  - stage: debounce\n    window: 50ms\n  - stage: filter\n"
        + "  - stage: build\n    run: sh -c 'echo \"$PIPELINE_CHANGED_FILES\" >> tmp/builds.log'\n")
    try project.write("tmp/.keep", "")
    let outside = try TemporaryProject("moved-folder-outside")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitUntil { run.events("cycle-finished").count == 1 }, "\(run.transcript)")
    // Let the startup fingerprints be taken, as they would be after a while.
    try await Task.sleep(for: .milliseconds(300))
    try FileManager.default.moveItem(atPath: project.root + "/src/pkg", toPath: outside.root + "/pkg")
    #expect(await run.waitUntil { run.events("cycle-finished").count == 2 }, "\(run.transcript)")
    try FileManager.default.moveItem(atPath: outside.root + "/pkg", toPath: project.root + "/src/pkg")
    #expect(
      await run.waitUntil { project.lines("tmp/builds.log").contains { $0.contains("src/pkg/f.txt") } },
      "the returned file started a build: \(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }
}
