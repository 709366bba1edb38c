import PipelineCLI
import PipelineStages

/// The `pipeline` executable: the command line with the built-in stages.
@main
struct Entry {
  static func main() async {
    // On the main actor, like this entry point, so no hop to Swift's global pool (which would
    // start it): see EngineExecutor.
    await PipelineCommand.main(registry: .builtIn)
  }
}
