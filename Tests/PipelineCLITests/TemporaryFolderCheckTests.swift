@testable import PipelineCLI
import Testing

/// `TMPDIR` that cannot hold the changed-files lists: said at the start of `pipeline run`, not at
/// each command's failure.
@Suite struct TemporaryFolderCheckTests {
  @Test func aMissingTMPDIRIsNamedWithItsReasonAndTheWayOut() throws {
    let problem = try #require(TemporaryFolderCheck.problem(environment: ["TMPDIR": "/nonexistent-pipeline-tmp"]))
    #expect(problem.message.hasPrefix("TMPDIR (/nonexistent-pipeline-tmp) is not a folder pipeline can write (No such file or directory)"))
    #expect(problem.help == "set TMPDIR to a folder you can write, or unset it to use /tmp")
  }

  @Test func aFileAsTMPDIRIsNotAFolder() throws {
    let project = try ScratchProject(["plain.txt": "x"])
    let problem = try #require(TemporaryFolderCheck.problem(environment: ["TMPDIR": project.folder.path + "/plain.txt"]))
    #expect(problem.message.contains("is not a folder pipeline can write (not a folder)"))
  }

  @Test(arguments: [["TMPDIR": "/tmp"], ["TMPDIR": ""], [:]])
  func aWritableFolderOrNoneSetIsFine(environment: [String: String]) {
    #expect(TemporaryFolderCheck.problem(environment: environment) == nil)
  }
}
