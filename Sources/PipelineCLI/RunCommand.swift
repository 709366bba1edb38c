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

  func run() async throws {
    let terminal = TerminalWriter(defersOnEngineThread: true, writesOnOwnThread: true)
    defer { terminal.flush() }
    let definition: PipelineDefinition
    let isBuiltIn: Bool
    do {
      let choice = try PipelineChoice.load(file: file, registry: RegistryHolder.registry)
      if let notice = choice.notice { terminal.line(notice, error: true) }
      definition = choice.definition
      isBuiltIn = choice.isBuiltIn
      for warning in definition.advice() { terminal.line(warning.description, error: true) }
    } catch {
      terminal.line(error.description, error: true)
      throw ExitCode(2)
    }

    var sinks: [any EventSink] = [ConsoleRenderer(terminal: terminal, verbose: verbose)]
    if let events {
      do {
        sinks.append(try JSONLinesEventLog(path: events))
      } catch {
        terminal.line(error.description, error: true)
        throw ExitCode(2)
      }
    }
    var watchers: [any EventSink] = [StartupCodeRelease(reportingTo: EventBus(sinks))]
    if !isBuiltIn {
      let fileName = String(definition.file.split(separator: "/").last ?? Substring(definition.file))
      watchers.append(
        PipelineFileChangeNotice(fileName: fileName, displayName: definition.file, reportingTo: EventBus(sinks)))
    }
    let bus = EventBus(sinks + watchers)
    // The events log, and a file the output is redirected to, may lie inside the watched
    // tree: their lines are not changes.
    let ownFiles = (events.map { [$0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0] } ?? [])
      + RedirectedOutputFiles.paths()
    let engine = Engine(definition: definition, events: bus, pipelineFiles: ownFiles)
    let warn: ProcessKeeper.WarningHandler = { message, help in
      bus.emit(Event(kind: .warning, stage: "pipeline", message: message, metadata: help.map { ["help": $0] } ?? [:]))
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
    let signals = SignalHandling(engine: engine, terminal: terminal)
    signals.install()
    let status = await engine.run()
    terminal.flush()
    withExtendedLifetime(signals) {}
    LiveProcessGroups.shared.killAll()
    ProcessKeeper.shutDown()
    if status != 0 { throw ExitCode(status) }
  }
}

/// Turns SIGINT, SIGTERM and SIGHUP into a clean stop of the engine; a second one of them while
/// stopping kills every process group at once and exits. SIGQUIT (Ctrl-\\) kills every group
/// at once from the start: the way out when a clean stop is not wanted, which without a handler
/// would end `pipeline` with no word and leave its temporary folder behind.
///
/// Keep the instance alive while the engine runs: the dispatch sources live in it.
final class SignalHandling {
  private static let stopping: [Int32] = [SIGINT, SIGTERM, SIGHUP]
  private let engine: Engine
  private let terminal: TerminalWriter
  private let sources: [(number: Int32, source: any DispatchSourceSignal)]
  /// The first stop signal received; 0 before.
  private let first = Atomic<Int32>(0)

  init(engine: Engine, terminal: TerminalWriter) {
    self.engine = engine
    self.terminal = terminal
    sources = (Self.stopping + [SIGQUIT]).map { ($0, DispatchSource.makeSignalSource(signal: $0, queue: .global())) }
  }

  func install() {
    signal(SIGPIPE, SIG_IGN)
    for (number, source) in sources {
      signal(number, SIG_IGN)
      let name = ProcessSignal(number: number).name
      source.setEventHandler { [weak self, engine, terminal] in
        guard let self else { return }
        if number == SIGQUIT {
          Self.killEverything(terminal, "\(name): killing everything now", status: 128 + number)
        }
        let (isFirst, earlier) = self.first.compareExchange(expected: 0, desired: number, ordering: .relaxed)
        if isFirst {
          engine.stop(reason: name)
        } else {
          Self.killEverything(terminal, "\(name) \(earlier == number ? "again" : "while stopping"): killing everything now", status: 128 + number)
        }
      }
      source.resume()
    }
  }

  private static func killEverything(_ terminal: TerminalWriter, _ line: String, status: Int32) -> Never {
    terminal.line(line, error: true)
    LiveProcessGroups.shared.killAll()
    terminal.flush(timeout: .milliseconds(300))
    exit(status)
  }
}
