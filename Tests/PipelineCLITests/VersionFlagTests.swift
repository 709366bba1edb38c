import PipelineCore
@testable import PipelineCLI
import Testing

/// `pipeline --version`, which users of every peer try first.
@Suite struct VersionFlagTests {
  @Test(arguments: [["--version"], ["run", "--version"]])
  func theVersionFlagPrintsTheNameAndVersionAndSucceeds(arguments: [String]) {
    do {
      _ = try PipelineCommand.parseAsRoot(arguments)
      Issue.record("--version parsed as a command")
    } catch {
      #expect(PipelineCommand.exitCode(for: error) == .success)
      #expect(PipelineCommand.fullMessage(for: error) == "pipeline \(PipelineVersion.current)")
    }
  }
}

/// `run` is the default command, so `pipeline valdiate` reads `valdiate` as a pipeline file:
/// the error says which command was likely meant.
@Suite struct MistypedCommandTests {
  @Test(arguments: [
    ("valdiate", "pipeline validate"), ("inti", "pipeline init"), ("stage", "pipeline stages"),
    ("version", "pipeline --version"), ("new-stag", "pipeline new-stage"),
  ])
  func aMistypedCommandIsNamed(word: String, meant: String) throws {
    let project = try ScratchProject()
    let diagnostic = try #require(PipelineChoice.mistypedCommand(word, folder: project.folder))
    #expect(diagnostic.message == "'\(word)' is neither a command nor a pipeline file")
    #expect(diagnostic.help == "did you mean `\(meant)`? (`pipeline --help` lists the commands)")
  }

  @Test(arguments: ["dev.yaml", "configs/dev", "xyzzy"])
  func aPathOrAFarWordIsLeftToTheMissingFileError(word: String) throws {
    #expect(PipelineChoice.mistypedCommand(word, folder: try ScratchProject().folder) == nil)
  }

  @Test func anExistingFileNamedLikeACommandIsLoadedNotQuestioned() throws {
    let project = try ScratchProject(["stage": "not yaml: ["])
    #expect(PipelineChoice.mistypedCommand("stage", folder: project.folder) == nil)
  }
}
