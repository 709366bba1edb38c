import PipelineCore

/// Runs a formatter on the changed files only, and makes sure its rewrites do not start
/// another cycle.
///
/// ```yaml
/// - stage: format
///   run: [gofmt, -w, "{files}"]   # {files}: the changed files it formats
///   extensions: [go]              # which changed files (or include: globs); default: all
///   check: false                  # true: fail, naming the files, instead of rewriting them
/// ```
///
/// For each batch:
///
/// ```
///  changed files ─▶ selected (extensions/include, not removed) ─▶ none: pass the batch on
///                                    │
///                                    ▼
///  announce them to OwnWrites ─▶ run the formatter ─▶ which files did it change?
///                                                       │
///            check: false ─▶ record them as the pipeline's own writes; batch goes on
///            check: true  ─▶ put them back as they were; the stage fails, naming them
/// ```
///
/// A formatter that exits with a failure (a syntax error) fails the stage like a build: the
/// batch stops and the running app is kept. The keys of the command stages (`on_busy`,
/// `timeout`, `signal`, …) apply.
struct FormatStage: Stage {
  struct Configuration: StageConfiguration {
    var command: CommandConfiguration
    var selection: FormatSelection
    var check: Bool

    init(options: StageOptions) throws {
      command = try CommandConfiguration(
        options: options,
        runHelp: "The formatter: a string runs under /bin/sh -c, a list is an argv. It must contain {files}, which expands to the changed files selected by extensions and include.")
      let include = try options.value(
        "include", default: [GlobPattern](),
        help: "Globs of the changed files to format. A file is formatted when it matches one or has one of the extensions; when both lists are empty, every changed file is.")
      let extensions = try ExtensionsOption.read(
        options, help: "Extensions of the changed files to format, with or without the dot (`go`, `.swift`).")
      check = try options.value(
        "check", default: false,
        help: "Fail instead of rewriting: the files the formatter would change are put back as they were, and the stage fails naming them.")
      selection = FormatSelection(include: include, extensions: extensions)
      if options.contains("run"), !command.process.command.usesFilesPlaceholder {
        try options.reject(
          "run", "the format command must contain {files}, the changed files it formats",
          help: "add {files} where the file names go, for example run: [gofmt, -w, \"{files}\"]")
      }
    }
  }

  static let role = StageRole.action
  static let fileAccess = StageFileAccess.rewrites
  static let summary = "Runs a formatter on the changed files only; its rewrites do not start another cycle."
  static let example = "- stage: format\n  run: [gofmt, -w, \"{files}\"]\n  extensions: [go]"

  let runner: CommandStageRunner

  init(configuration: Configuration, context: StageContext) throws {
    let formatting = FormatRun(
      execution: CommandExecution(configuration: configuration.command, context: context),
      selection: configuration.selection, check: configuration.check, context: context)
    runner = CommandStageRunner(configuration: configuration.command, context: context) { batch in
      await formatting.run(for: batch)
    }
  }

  func run(input: StageInput, output: StageOutput) async throws {
    await runner.run(input: input, output: output)
  }
}
