import Foundation
import Testing

/// The files in the repository that users read stay true: every example pipeline is valid,
/// and the stage reference is exactly what the code describes.
@Suite struct RepositoryFilesTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

  static var examplePipelines: [String] {
    let folder = repository + "/pipelines"
    let enumerator = FileManager.default.enumerator(atPath: folder)
    var found: [String] = []
    while let item = enumerator?.nextObject() as? String {
      // Build folders hold the dependencies' files; custom-stage/ needs its own runner, and
      // CustomStagePackageTests validates it with that. compose.yaml files live there too:
      // pipelines are the files named pipeline.yaml.
      if item.contains(".build/") || item.hasPrefix("custom-stage/") { continue }
      if item.hasSuffix("pipeline.yaml") { found.append(folder + "/" + item) }
    }
    return found.sorted()
  }

  @Test func thereAreExamplePipelines() {
    #expect(!Self.examplePipelines.isEmpty)
  }

  @Test(arguments: RepositoryFilesTests.examplePipelines)
  func everyExamplePipelineValidates(file: String) async throws {
    let run = try PipelineRun(["validate", file], in: Self.repository)
    #expect(await run.exitStatus() == .exited(0), "\(run.transcript)")
  }

  @Test func theStageReferenceMatchesTheCode() async throws {
    let run = try PipelineRun(["stages", "--markdown"], in: Self.repository)
    #expect(await run.exitStatus() == .exited(0))
    await run.process.waitForOutput()
    let generated = run.output.joined(separator: "\n") + "\n"
    let documented = try String(contentsOfFile: Self.repository + "/Documentation/Stages.md", encoding: .utf8)
    #expect(generated == documented, "regenerate it: swift run pipeline stages --markdown > Documentation/Stages.md")
  }
}
