import HTTPCheck
import PipelineCLI
import PipelineCore
import PipelineStages

/// `smoke-pipeline`: the `pipeline` command line with one more stage, `http_check`.
@main
struct SmokePipeline {
  static func main() async {
    await PipelineCommand.main(registry: .builtIn, adding: [HTTPCheckStage.self])
  }
}
