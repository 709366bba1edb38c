import PipelineCore

/// The keys of every stage that runs a process — what to run, how to stop it, its
/// environment and its folder — read in one place so the command stages and `restart`
/// accept them with the same types, defaults and wording.
struct ProcessOptions: Sendable {
  var command: CommandSpec
  var signal: ProcessSignal
  var killAfter: Duration
  var environment: [String: String]
  var workingDirectory: String
  /// The `workdir` the pipeline file names, for the warning when it is not a folder; `nil`
  /// when it is left out (the pipeline's folder).
  var workingFolder: ConfiguredFolder?

  /// - Parameters:
  ///   - subject: what the process is called in the help texts: `command` or `app`.
  ///   - runHelp: the help of `run`, which differs in what it says about `{files}`.
  ///   - defaultKillAfter: how long the process may take to stop by default.
  init(_ options: StageOptions, subject: String, runHelp: String, defaultKillAfter: Duration) throws {
    command = try options.required("run", as: CommandSpec.self, help: runHelp)
    signal = try options.value(
      "signal", default: .terminate,
      help: "Sent first to the \(subject)'s process group to stop it (SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGKILL).")
    killAfter = try options.value(
      "kill_after", default: defaultKillAfter,
      help: "How long the \(subject) may take to stop after the signal before SIGKILL.")
    environment = try options.value(
      "env", default: [:], help: "Variables added to the \(subject)'s environment.")
    workingDirectory = try options.value(
      "workdir", default: ".", help: "The folder the \(subject) runs in, relative to the pipeline's folder.")
    if options.contains("workdir") {
      workingFolder = ConfiguredFolder(
        key: "workdir", path: workingDirectory, location: options.location(of: "workdir"),
        whenMissing: "the command cannot start until it is made")
    }
  }
}

extension ProcessOptions {
  /// The launch of `command` with these options: its folder, and the signal and grace the
  /// keeper uses should `pipeline` die while it runs.
  func launch(_ command: CommandSpec, environment: [String: String], context: StageContext) throws(LaunchError) -> ProcessLaunch {
    var launch = try ProcessLaunch.resolving(
      command, environment: environment, workingDirectory: context.absolutePath(workingDirectory))
    launch.stopSignal = signal
    launch.killAfter = killAfter
    return launch
  }
}
