import PipelineCore

/// What a command stage does when a batch arrives while its command is still running.
enum BusyPolicy: String, Sendable, CaseIterable, KeywordOption {
  static let optionKey = "on_busy"

  /// Stop the running command (its whole process group) and start again with the merged batch.
  case restart
  /// Let it finish, then run once more with everything that came in meanwhile.
  case queue
  /// Drop what comes while busy.
  case ignore
}

/// The keys shared by the command stages (`build`, `test`, `run`).
struct CommandConfiguration: StageConfiguration {
  var process: ProcessOptions
  var expectedFolders: [ConfiguredFolder] { process.workingFolder.map { [$0] } ?? [] }
  var onBusy: BusyPolicy
  var timeout: Duration?
  var continueOnError: Bool
  /// The stage runs only for a batch with a path matching one of these; empty: for every batch.
  var when: CommandCondition

  static let runHelp =
    "The command: a string runs under /bin/sh -c, a list is an argv. {files} expands to the changed paths."

  init(options: StageOptions) throws {
    try self.init(options: options, runHelp: Self.runHelp)
  }

  /// - Parameter runHelp: what the reference says about `run` (a stage that requires
  ///   `{files}` says so).
  init(options: StageOptions, runHelp: String) throws {
    process = try ProcessOptions(options, subject: "command", runHelp: runHelp, defaultKillAfter: .seconds(1))
    onBusy = try options.value(
      "on_busy", default: .restart,
      help: "When a batch arrives while the command runs: restart it, queue one more run, or ignore the batch.")
    timeout = try options.optional(
      "timeout", as: Duration.self, defaultText: "none",
      help: "Stop the command and count it as failed when it runs longer than this.")
    continueOnError = try options.value(
      "continue_on_error", default: false,
      help: "Pass the batch on even when the command fails (for linters and formatters).")
    when = CommandCondition(
      try options.value(
        "when", default: [GlobPattern](),
        help: "Globs: run only for a batch with a changed path matching one (`[Package.swift]`, `[package.json]`); any other batch passes on untouched, after a run in progress. A rescan matches, the startup batch does not. Empty: run for every batch."))
    if let timeout, timeout <= .zero {
      try options.reject("timeout", "'timeout' must be longer than 0", help: "leave it out for no timeout")
    }
  }
}
