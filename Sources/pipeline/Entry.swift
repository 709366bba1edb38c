import PipelineCLI
import PipelineCore
import PipelineStages

/// The `pipeline` executable: the command line with the built-in stages.
@main
struct Entry {
  static func main() async {
    // Set before the first call into another module, which would otherwise start on (and
    // start) Swift's global pool: see EngineExecutor.
    await withTaskExecutorPreference(EngineExecutor.shared) {
      await PipelineCommand.main(registry: .builtIn)
    }
  }
}
