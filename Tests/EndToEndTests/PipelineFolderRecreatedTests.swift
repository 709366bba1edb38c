import Foundation
import PipelineCore
import Testing

/// The pipeline's own folder, watched as `.`, deleted and made again (a `git clone` over it, a
/// script that regenerates a project). `pipeline` has that folder as its working directory,
/// which keeps the kernel from saying the folder is gone; before, the watcher never noticed and
/// stayed deaf to the new folder.
@Suite(.serialized)
struct PipelineFolderRecreatedTests {
  @Test func theWatchedPipelineFolderDeletedAndMadeAgainIsWatchedAgain() async throws {
    let project = try TemporaryProject("recreated")
    let pipeline =
      "stages:\n  - stage: watch\n  - stage: debounce\n    window: 50ms\n"
      + "  - stage: build\n    run: sh -c 'echo \"built from $(cat src/x.txt)\"'\n"
    try project.write("src/x.txt", "one\n")
    try project.write("pipeline.yaml", pipeline)
    let run = try PipelineRun(["run"], in: project.root, addEvents: false)
    #expect(await run.waitForLine(containing: "built from one"), "\(run.transcript)")

    try FileManager.default.removeItem(atPath: project.root)
    #expect(await run.waitForLine(containing: "is gone; waiting for it to come back"), "\(run.transcript)")
    try project.write("pipeline.yaml", pipeline)
    try project.write("src/x.txt", "two\n")
    #expect(await run.waitForLine(containing: "built from two"), "\(run.transcript)")
    try await Task.sleep(for: .milliseconds(100))
    try project.write("src/x.txt", "three\n")
    #expect(await run.waitForLine(containing: "built from three"), "\(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }
}
