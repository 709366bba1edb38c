import ArgumentParser
import PipelineCore

/// `pipeline stages`: the registered stage types with their keys, generated from the types.
struct StagesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stages",
    abstract: "List the stage types with their keys, types, defaults and help.")

  @Flag(help: "Print the reference as Markdown (the text of Documentation/Stages.md).")
  var markdown = false

  func run() async throws {
    let registry = RegistryHolder.registry
    let text = markdown ? StageReference.markdown(registry) : StageReference.text(registry)
    TerminalWriter().line(markdown ? String(text.dropLast()) : text)
  }
}
