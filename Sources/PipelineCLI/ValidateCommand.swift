import ArgumentParser
import PipelineCore

/// `pipeline validate [FILE]`: checks a pipeline file without running anything.
struct ValidateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check a pipeline file and print its errors; runs nothing.")

  @Argument(help: "The pipeline file.")
  var file: String = "pipeline.yaml"

  func run() async throws {
    let terminal = TerminalWriter()
    do {
      let definition = try PipelineLoader(registry: RegistryHolder.registry).load(file: file)
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
