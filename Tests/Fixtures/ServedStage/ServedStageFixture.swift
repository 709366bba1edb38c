import FoundationEssentials
import PipelineCore

/// `served-stage-fixture`: a stage served with ``ExternalStageServer``, as `pipeline new-stage`
/// makes one, for the end-to-end tests of `stage: external` (ExternalServedStageTests).
///
/// For each batch it reads the changed files: one whose text holds `throw` makes `run` throw;
/// one that holds `fail` makes the batch fail (a `stage-failed` event, nothing sent on);
/// otherwise it says `handled PATHS` and passes the batch on.
@main
struct ServedStageFixture {
  static func main() async {
    await ExternalStageServer.serve(ContentCheckStage.self)
  }
}

struct ContentCheckStage: Stage {
  struct Thrown: Error, CustomStringConvertible {
    var path: String
    var description: String { "\(path) asked to throw" }
  }

  static let role = StageRole.action
  static let summary = "Fails or throws on files that ask for it (a test fixture)."

  let context: StageContext

  init(configuration: NoConfiguration, context: StageContext) throws {
    self.context = context
  }

  func run(input: StageInput, output: StageOutput) async throws {
    for await batch in input {
      let texts = batch.changes.filter { $0.kind != .removed }.map { change in
        (change.path, (try? String(contentsOfFile: context.absolutePath(change.path), encoding: .utf8)) ?? "")
      }
      if let (path, _) = texts.first(where: { $0.1.contains("throw") }) { throw Thrown(path: path) }
      if let (path, _) = texts.first(where: { $0.1.contains("fail") }) {
        context.emit(.stageFailed, "stage '\(context.name)': \(path) is broken", paths: batch.paths)
        continue
      }
      context.output("handled \(batch.paths.joined(separator: " "))", channel: .stdout)
      output.send(batch)
    }
  }
}
