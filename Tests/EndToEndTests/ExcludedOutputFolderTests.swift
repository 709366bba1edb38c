import Foundation
import PipelineCore
import Testing

/// A build that recreates its output folder (`rm -rf out && mkdir out && …`) with that folder
/// excluded in the filter: the folder's own removal is not a change. Before, `out` (removed)
/// passed, since only what is inside an excluded folder was dropped, and each build started
/// the next one, about ten a second, forever.
@Suite(.serialized)
struct ExcludedOutputFolderTests {
  @Test(arguments: [
    ("exclude_dirs", "    exclude_dirs: [out]\n", ""),
    ("exclude glob", "    exclude: [\"out/**\"]\n", ""),
    ("gitignore contents", "", "out/*\n"),
  ])
  func aBuildThatRecreatesItsExcludedOutputFolderRunsOnce(
    _ label: String, _ filter: String, _ gitignore: String
  ) async throws {
    let project = try TemporaryProject("excluded-out")
    try project.write("src/x.txt", "v1\n")
    if !gitignore.isEmpty { try project.write(".gitignore", gitignore) }
    try project.write(
      "pipeline.yaml",
      "stages:\n  - stage: watch\n    exclude_dirs: [tmp]\n  - stage: debounce\n    window: 20ms\n  - stage: filter\n" + filter
        + "  - stage: build\n    run: sh -c 'rm -rf out && mkdir -p out && cp src/x.txt out/x.txt && echo built >> tmp/builds.log'\n")
    try project.write("tmp/.keep", "")
    let run = try PipelineRun(["run"], in: project.root)
    #expect(await run.waitUntil { run.events("cycle-finished").count >= 1 }, "\(label): \(run.transcript)")
    try await Task.sleep(for: .seconds(1))
    #expect(project.lines("tmp/builds.log").count == 1, "\(label): the build ran again by itself: \(run.transcript)")

    try project.write("src/x.txt", "v2\n")
    #expect(await run.waitUntil { project.lines("tmp/builds.log").count == 2 }, "\(label): \(run.transcript)")
    try await Task.sleep(for: .seconds(1))
    #expect(project.lines("tmp/builds.log").count == 2, "\(label): \(run.transcript)")
    #expect(await run.interrupt() == .exited(0))
  }
}
