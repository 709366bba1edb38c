import HTTPCheck
import PipelineCore

/// `http-check-stage`: the `http_check` stage as a program, for `stage: external`.
@main
struct HTTPCheckServer {
  static func main() async {
    await ExternalStageServer.serve(HTTPCheckStage.self)
  }
}
