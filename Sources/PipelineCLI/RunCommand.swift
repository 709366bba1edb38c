import FoundationEssentials
import ArgumentParser
import Dispatch
import PipelineCore
import Synchronization
@preconcurrency import Glibc

/// `pipeline run [FILE]`: loads the pipeline and runs it until SIGINT, SIGTERM or SIGHUP. Without a
/// file and without `pipeline.yaml`, it runs the built-in pipeline for the project found in
/// the current folder (see ``PipelineChoice``).
struct RunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a pipeline until interrupted (Ctrl-C).",
    discussion: """
      Stops cleanly on SIGINT (Ctrl-C), SIGTERM or SIGHUP: running commands and the app are \
      stopped with their stage's signal and kill_after, and no process pipeline started \
      outlives it. A second signal while stopping kills everything at once.
      """)

  @Argument(help: "The pipeline file. Default: pipeline.yaml, or without one the built-in pipeline for the project found here (go.mod, Package.swift, package.json, Cargo.toml, pyproject.toml, requirements.txt, Makefile).")
  var file: String?

  @Option(name: .long, help: ArgumentHelp("Write every event as a JSON object per line to this file.", valueName: "path"))
  var events: String?

  @Flag(name: .shortAndLong, help: "Show every event, such as app stops and dropped batches.")
  var verbose = false

  @Flag(name: .shortAndLong, help: "Show only the commands' and the app's output, warnings and errors (a failed cycle's ✗ line among them).")
  var quiet = false

  func validate() throws {
    if verbose && quiet { throw ValidationError("--quiet and --verbose cannot be used together: choose one") }
  }

  func run() async throws {
    let terminal = TerminalWriter(defersOnEngineThread: true, writesOnOwnThread: true)
    defer { terminal.flush() }
    let file = self.file
    let load: @Sendable () throws(DiagnosticList) -> PipelineChoice = { () throws(DiagnosticList) in
      try PipelineChoice.load(file: file, registry: RegistryHolder.registry)
    }
    var choice: PipelineChoice
    do {
      choice = try load()
    } catch {
      terminal.line(error.description, error: true)
      throw ExitCode(2)
    }
    Self.announce(choice, on: terminal, quiet: quiet)

    var sinks: [any EventSink] = [ConsoleRenderer(terminal: terminal, detail: quiet ? .quiet : verbose ? .verbose : .normal)]
    if let events {
      do {
        sinks.append(try JSONLinesEventLog(path: events))
      } catch {
        terminal.line(error.description, error: true)
        throw ExitCode(2)
      }
    }
    let report = EventBus(sinks)
    let startupCodeRelease = StartupCodeRelease(reportingTo: report)
    // The events log, and a file the output is redirected to, may lie inside the watched
    // tree: their lines are not changes.
    let ownFiles = (events.map { [$0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0] } ?? [])
      + RedirectedOutputFiles.paths()
    let warn: ProcessKeeper.WarningHandler = { message, help in
      report.emit(Event(kind: .warning, stage: "pipeline", message: message, metadata: help.map { ["help": $0] } ?? [:]))
    }
    ProcessKeeper.sendWarnings(to: warn)
    if let reason = ProcessKeeper.absenceReason {
      let isChosen = reason.hasPrefix(ProcessKeeper.environmentVariable)
      warn(
        "processes run without a keeper (\(reason)): if pipeline is killed with SIGKILL, what it started keeps running",
        isChosen
          ? "unset \(ProcessKeeper.environmentVariable) to have one"
          : "install pipeline-keeper next to pipeline (`swift build` builds both)")
    }
    if let (message, help) = TemporaryFolderCheck.problem(environment: ProcessInfo.processInfo.environment) {
      warn(message, help)
    }
    let running = RunningEngine()
    let signals = SignalHandling(engine: running, terminal: terminal)
    signals.install()
    // The line `rs` runs the pipeline again, as in nodemon (unless the app takes the input).
    TerminalInput.shared.onRunAgain { running.runAgain() }
    TerminalInput.shared.start()
    var status: Int32
    var reloadChanges: [Change]?
    // The pipeline that ran before a reload, while the new one has not finished a cycle.
    var previous: PipelineChoice?
    while true {
      let reloader = PipelineReloader(
        running: choice, load: load, reportingTo: report, isStopping: { running.isStopping }
      ) { reason in
        running.stopForReplacement(reason: reason)
      }
      let firstCycle = FirstCycleWatch()
      let bus = EventBus(sinks + [startupCodeRelease, reloader, firstCycle])
      // The pipeline's own file is no change of the app's: it reloads the pipeline instead.
      // A built-in pipeline's project file (package.json) is one, and may reload it too.
      let engine = Engine(
        definition: choice.definition, events: bus,
        pipelineFiles: ownFiles + (choice.isBuiltIn ? [] : choice.definitionFiles),
        definitionFiles: choice.definitionFiles, reloadChanges: reloadChanges)
      running.attach(engine)
      let fileWatch = DefinitionFileWatch(
        files: choice.definitionFiles, root: choice.definition.root, reportingTo: bus)
      status = await engine.run()
      fileWatch?.stop()
      // A reloaded pipeline that broke before it finished a cycle could not start: the one
      // before it runs again, until the file is saved again.
      if status != 0, !running.isStopping, let fallback = previous, !firstCycle.hasFinishedACycle {
        report.emit(
          Event(
            kind: .pipelineReloading, stage: "pipeline",
            message: "the new pipeline broke before its first cycle ended: the previous one starts again "
              + "(fix \(choice.definition.file) and save it)",
            metadata: ["file": fallback.definition.file]))
        choice = fallback
        previous = nil
        // A reload's startup batch: it goes even with `initial: false`, so the app starts.
        reloadChanges = []
        Self.announce(choice, on: terminal, quiet: quiet)
        continue
      }
      // A stop signal ends the run whatever else was asked.
      guard status == 0, !running.isStopping, let replacement = reloader.replacement else { break }
      previous = choice
      // Saved again while the old pipeline stopped: the newest valid one.
      choice = (try? PipelineReloader.loadChecked(load)) ?? replacement
      reloadChanges = reloader.projectChanges
      Self.announce(choice, on: terminal, quiet: quiet)
    }
    terminal.flush()
    LiveProcessGroups.shared.killAll()
    // The signal handlers stay: a second Ctrl-C while the keeper stops the daemons it adopted
    // exits at once (the keeper goes on by itself).
    ProcessKeeper.shutDown()
    withExtendedLifetime(signals) {}
    if status != 0 { throw ExitCode(status) }
  }

  /// Says which built-in pipeline runs, and what the pipeline's advice is, at start and after
  /// a reload.
  private static func announce(_ choice: PipelineChoice, on terminal: TerminalWriter, quiet: Bool) {
    if let notice = choice.notice, !quiet { terminal.line(notice, error: true) }
    for warning in choice.definition.advice() { terminal.line(warning.description, error: true) }
  }
}
