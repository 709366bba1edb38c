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

/// `pipeline help WORD`: the argument parser shows the general help, with status 0, for any
/// WORD; a word that is no command is an error instead.
@Suite struct HelpTopicTests {
  @Test func helpOnAMistypedCommandNamesTheOneMeant() throws {
    let diagnostic = try #require(HelpTopicCheck.problem(["pipeline", "help", "valdiate"]))
    #expect(diagnostic.message == "there is no command 'valdiate' to give help on")
    #expect(diagnostic.help?.hasPrefix("did you mean `pipeline help validate`? the commands are run, validate,") == true)
  }

  @Test func helpOnAFarWordListsTheCommands() throws {
    let diagnostic = try #require(HelpTopicCheck.problem(["pipeline", "help", "bogus"]))
    #expect(diagnostic.help == "the commands are run, validate, stages, init, new-stage; `pipeline --help` describes them")
  }

  @Test(arguments: [["pipeline", "help"], ["pipeline", "help", "run"], ["pipeline", "help", "new-stage"], ["pipeline", "run", "help"]])
  func helpOnACommandOrAloneIsLeftToTheParser(arguments: [String]) {
    #expect(HelpTopicCheck.problem(arguments) == nil)
  }
}

/// `pipeline new-stage`'s options, checked before anything is written.
@Suite struct NewStageOptionTests {
  @Test(arguments: ["1.0.0", "12.3.45", "2.0.0-beta.1"])
  func aSemanticVersionIsTaken(version: String) {
    #expect(NewStageTemplate.isValidVersion(version))
  }

  @Test(arguments: ["1.0", "v1.0.0", "latest", "1.0.0-", "1..0", ""])
  func anythingElseIsRefused(version: String) {
    #expect(!NewStageTemplate.isValidVersion(version))
  }

  @Test func aPipelinePathWithoutAPackageIsRefusedNamingIt() throws {
    let empty = try ScratchProject()
    #expect {
      try NewStageCommand.parse(["lint", "--pipeline-path", empty.folder.path])
    } throws: { error in
      NewStageCommand.message(for: error).contains("is not a checkout of pipeline: it holds no Package.swift")
    }
  }

  @Test func aBadVersionIsRefusedNamingTheForm() {
    #expect {
      try NewStageCommand.parse(["lint", "--pipeline-url", "https://example.com/pipeline.git", "--pipeline-version", "latest"])
    } throws: { error in
      NewStageCommand.message(for: error).contains("write MAJOR.MINOR.PATCH")
    }
  }
}
