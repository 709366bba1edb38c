@testable import PipelineStages
import Testing

@Suite struct ExcludedFoldersTests {
  @Test(arguments: [
    ("tmp/a", true), ("x/y/tmp/a", true), ("tmp", false), ("tmpx/a", false), ("build/out/a", true),
    ("build/out", false), ("build/outer/a", false), ("x/build/out/a", false), ("gen/a", true),
  ])
  func whatIsInside(path: String, excluded: Bool) {
    let folders = ExcludedFolders(["tmp", "build/out/", "./gen"])
    #expect(folders.contains(path) == excluded)
  }

  @Test(arguments: [("/abs", true), ("", true), (".", true), ("./", true), ("a/..", true), ("tmp", false), ("a/b/", false)])
  func entriesMustNameAFolderBelow(entry: String, isProblem: Bool) {
    #expect((ExcludedFolders.problem(with: entry) != nil) == isProblem)
  }
}
