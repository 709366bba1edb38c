import PipelineCLI
import PipelineCore
import PipelineStages

/// The `pipeline` executable: the command line with the built-in stages.
@main
struct Entry {
  static func main() async {
    await PipelineCommand.main(registry: .builtIn)
  }
}
