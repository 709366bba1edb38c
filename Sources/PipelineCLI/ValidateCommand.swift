import ArgumentParser
import FoundationEssentials
import PipelineCore

/// `pipeline validate [FILE]`: checks a pipeline file without running anything (it also makes each stage, as `pipeline run` would, so a watch folder that does not exist is reported here too); without a
/// file and without `pipeline.yaml`, the built-in pipeline `pipeline run` would run.
struct ValidateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check a pipeline file and print its errors; runs nothing.")

  @Argument(help: "The pipeline file. Default: pipeline.yaml, or without one the built-in pipeline that pipeline run would run here.")
  var file: String?

  func run() async throws {
    let terminal = TerminalWriter()
    var file = PipelineChoice.displayName(file: self.file, folder: .current)
    do throws(DiagnosticList) {
      let choice = try PipelineChoice.load(file: self.file, registry: RegistryHolder.registry)
      if let notice = choice.notice { terminal.line(notice, error: true) }
      let definition = choice.definition
      file = definition.file
      let problems = definition.stageProblems()
      if !problems.isEmpty { throw DiagnosticList(problems) }
      for warning in definition.advice() { terminal.line(warning.description, error: true) }
      let count = definition.stages.count
      terminal.line("\(file): ok — \(count) \(count == 1 ? "stage" : "stages"): \(definition.flowDescription)")
    } catch {
      terminal.line(error.description, error: true)
      // A file that is not there has no errors to count: the error says what is missing.
      if FileManager.default.fileExists(atPath: file) {
        terminal.line("\(file): \(error.diagnostics.count) error\(error.diagnostics.count == 1 ? "" : "s")", error: true)
      }
      throw ExitCode(2)
    }
  }

}
