import PipelineCore
@testable import PipelineStages
import Testing

@Suite struct FilterStageTests {
  @Test func keepsIncludedAndDropsExcludedPaths() async throws {
    let harness = try StageHarness(
      FilterStage.self, yaml: #"{include: ["**/*.go"], exclude: ["tmp/**", "**/*_test.go"]}"#)
    harness.send(modified("main.go", "api/h.go", "api/h_test.go", "tmp/x.go", "README.md"))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(harness.output.first?.paths == ["main.go", "api/h.go"])
    try await harness.finish()
  }

  @Test func aBatchWithNothingLeftGoesNoFurther() async throws {
    let harness = try StageHarness(FilterStage.self, yaml: #"include: ["**/*.go"]"#)
    harness.send(modified("notes.txt"))
    #expect(await harness.waitUntil { !harness.events(.batchDropped).isEmpty })
    #expect(harness.output.isEmpty)
    try await harness.finish()
  }

  @Test func theStartupBatchAlwaysPasses() async throws {
    let harness = try StageHarness(FilterStage.self, yaml: #"include: ["**/*.go"]"#)
    harness.send(.startup)
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(harness.output.first?.isStartup == true)
    try await harness.finish()
  }

  @Test func noIncludeKeepsEverything() async throws {
    let harness = try StageHarness(FilterStage.self)
    harness.send(modified("a", "b/c"))
    #expect(await harness.waitUntil { harness.output.count == 1 })
    #expect(harness.output.first?.paths == ["a", "b/c"])
    try await harness.finish()
  }
}

@Suite struct FilterDirectoryPatternTests {
  @Test(arguments: [
    ("tmp/", "tmp/main", true), ("tmp/", "a/tmp/x", false), ("**/build/", "x/build/y/z.o", true),
    ("tmp/", "tmpfile", false), ("src/*.go", "src/a.go", true),
  ])
  func aDirectoryPatternCoversWhatIsInside(pattern: String, path: String, covered: Bool) throws {
    #expect(try GlobPattern(pattern).covers(path) == covered)
  }
}
