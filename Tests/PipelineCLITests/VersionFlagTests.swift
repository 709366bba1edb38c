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
