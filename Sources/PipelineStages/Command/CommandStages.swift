import PipelineCore

/// A stage whose work is running a command (see ``CommandConfiguration`` for its keys).
/// The three built-ins differ only in name and documentation.
protocol CommandStage: Stage where Configuration == CommandConfiguration {
  var runner: CommandStageRunner { get }
  init(runner: CommandStageRunner)
}

extension CommandStage {
  static var role: StageRole { .action }
  static var prefersEngineThread: Bool { true }

  init(configuration: Configuration, context: StageContext) throws {
    self.init(runner: CommandStageRunner(configuration: configuration, context: context))
  }

  func run(input: StageInput, output: StageOutput) async throws {
    await runner.run(input: input, output: output)
  }
}

/// Builds the app; on success the batch goes on, on failure it stops here and the running
/// app is left alone.
///
/// ```yaml
/// - stage: build
///   run: go build -tags dev -o ./tmp/main .
/// ```
struct BuildStage: CommandStage {
  static let summary = "Runs the build command; a failure stops the batch and keeps the running app."
  static let example = "- stage: build\n  run: go build -o ./tmp/main ."
  let runner: CommandStageRunner
}

/// Runs the tests; on success the batch goes on.
///
/// ```yaml
/// - stage: test
///   run: [go, test, ./...]
/// ```
struct TestStage: CommandStage {
  static let summary = "Runs the test command; a failure stops the batch."
  static let example = "- stage: test\n  run: [go, test, ./...]"
  let runner: CommandStageRunner
}

/// A generic command: linters, formatters, code generators.
///
/// ```yaml
/// - stage: run
///   name: gofmt
///   after: [filter]
///   run: gofmt -l -w {files}
/// ```
struct RunStage: CommandStage {
  static let summary = "Runs any command (a linter, a formatter, a generator) for each batch."
  static let example = "- stage: run\n  name: gofmt\n  run: gofmt -l -w {files}"
  let runner: CommandStageRunner
}
