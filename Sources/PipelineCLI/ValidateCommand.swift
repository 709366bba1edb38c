import ArgumentParser
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
      let flow = definition.stages.map { stage in
        stage.inputs.count > 1 || (stage.inputs.count == 1 && stage.inputs[0] != previousName(of: stage, in: definition))
          ? "\(stage.name) (after \(stage.inputs.joined(separator: ", ")))" : stage.name
      }
      terminal.line("\(file): ok — \(definition.stages.count) stages: \(flow.joined(separator: " → "))")
    } catch {
      terminal.line(error.description, error: true)
      terminal.line("\(file): \(error.diagnostics.count) error\(error.diagnostics.count == 1 ? "" : "s")", error: true)
      throw ExitCode(2)
    }
  }

  private func previousName(of stage: StageDefinition, in definition: PipelineDefinition) -> String? {
    guard let index = definition.stages.firstIndex(where: { $0.name == stage.name }), index > 0 else { return nil }
    return definition.stages[index - 1].name
  }
}
