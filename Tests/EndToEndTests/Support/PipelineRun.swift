import Foundation
import PipelineCore
@preconcurrency import Glibc
import Synchronization

/// The built `pipeline` binary, run in a project folder, with its output and events
/// collected for the test to await.
final class PipelineRun: Sendable {
  let process: ChildProcess
  let eventsPath: String
  /// The project folder it runs in.
  let directory: String
  private let lines = LineStore()

  /// The `pipeline` executable next to the test bundle (swift test builds both).
  static var binary: String {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var folder = (executable as NSString).deletingLastPathComponent
    // The test runner may live inside a .xctest bundle folder.
    while !folder.isEmpty, folder != "/" {
      let candidate = folder + "/pipeline"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      folder = (folder as NSString).deletingLastPathComponent
    }
    return "pipeline-binary-not-found-next-to-\(executable)"
  }

  /// Starts `pipeline ARGUMENTS` in `directory`, with `--events` added for `run`.
  ///
  /// - Parameters:
  ///   - typing: give `pipeline` a standard input that ``type(_:)`` writes to.
  ///   - environment: variables added to the test's own environment.
  ///   - executable: another runner than `pipeline` (one with custom stages).
  init(
    _ arguments: [String], in directory: String, addEvents: Bool = true, typing: Bool = false,
    environment extra: [String: String] = [:], executable: String = PipelineRun.binary
  ) throws {
    self.directory = directory
    eventsPath = directory + "/.events-\(UUID().uuidString.prefix(6)).jsonl"
    var argv = [executable] + arguments
    if addEvents, arguments.first == "run" { argv += ["--events", eventsPath] }
    var environment = ProcessInfo.processInfo.environment
    environment["NO_COLOR"] = "1"
    environment.merge(extra) { _, new in new }
    let launch = ProcessLaunch(
      executable: executable, arguments: argv, environment: environment, workingDirectory: directory,
      standardInput: typing ? .pipe : .null)
    let lines = self.lines
    process = try ChildProcess.launch(launch) { _, line in lines.append(line) }
  }

  /// Writes `text` to `pipeline`'s standard input, as if typed.
  func type(_ text: String) { process.writeInput(Array(text.utf8)) }

  /// Ends what ``type(_:)`` writes: `pipeline`'s standard input reaches end of file (Ctrl-D).
  func endTyping() { process.closeInput() }

  /// Everything printed so far, stdout and stderr interleaved.
  var output: [String] { lines.all }

  /// The events written so far.
  var events: [[String: Any]] {
    guard let text = try? String(contentsOfFile: eventsPath, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap {
      try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
    }
  }

  func events(_ kind: String) -> [[String: Any]] { events.filter { $0["event"] as? String == kind } }

  /// Waits until `condition` holds, at most `timeout`; false when it did not.
  func waitUntil(timeout: Duration = .seconds(30), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while clock.now < deadline {
      if condition() { return true }
      if process.status != nil { return condition() }
      try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
  }

  /// Waits until a line containing `text` has been printed `count` times.
  func waitForLine(containing text: String, count: Int = 1, timeout: Duration = .seconds(30)) async -> Bool {
    await waitUntil(timeout: timeout) { output.filter { $0.contains(text) }.count >= count }
  }

  /// Sends `signal` to `pipeline` itself (as Ctrl-C does) and waits for it to exit.
  func interrupt(_ signal: Int32 = SIGINT, timeout: Duration = .seconds(20)) async -> TerminationStatus? {
    kill(process.commandPID, signal)
    let status = await process.waitForExit(timeout: timeout)
    await process.waitForOutput()
    return status
  }

  /// Waits for `pipeline` to exit by itself.
  func exitStatus(timeout: Duration = .seconds(20)) async -> TerminationStatus? {
    let status = await process.waitForExit(timeout: timeout)
    await process.waitForOutput()
    return status
  }

  /// A transcript for failure messages.
  var transcript: String { output.joined(separator: "\n") }

  deinit {
    if process.status == nil { kill(process.commandPID, SIGKILL) }
    // The keeper stops what pipeline started when pipeline dies; a test that failed early
    // must not leave anything on the machine even so.
    for left in ProcessProbe.processes(inProject: directory) { kill(left.pid, SIGKILL) }
  }
}

/// Whether a process with this pid exists (and is not a zombie).
func processExists(_ pid: Int32) -> Bool {
  guard kill(pid, 0) == 0 else { return false }
  guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = stat.lastIndex(of: ")")
  else { return false }
  let state = stat[stat.index(close, offsetBy: 2)]
  return state != "Z" && state != "X"
}

/// Lines collected from another thread.
final class LineStore: Sendable {
  private let lines = Mutex<[String]>([])
  func append(_ line: String) { lines.withLock { $0.append(line) } }
  var all: [String] { lines.withLock { $0 } }
}
