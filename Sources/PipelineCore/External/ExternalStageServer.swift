import Foundation
@preconcurrency import Glibc
import Synchronization

/// Serves a stage type as an external stage: the program side of the protocol that
/// `stage: external` speaks (see ``ExternalMessage``), so the very stage type a package
/// compiles into its own `pipeline` also runs as a separate program, unchanged.
///
/// ```swift
/// import PipelineCore
///
/// @main struct Serve {
///   static func main() async { await ExternalStageServer.serve(HTTPCheckStage.self) }
/// }
/// ```
///
/// ```yaml
/// - stage: external
///   name: smoke
///   run: .build/debug/http-check-stage
///   config: { url: "http://127.0.0.1:8080/" }
/// ```
///
/// The stage's configuration is read from `config:` by its own ``StageConfiguration``, with the
/// same errors (an unknown key, a missing one, a value of the wrong kind) sent back as an
/// `error` answer. Each `batch` goes into the stage's input; when the stage has handled it
/// (asked for the next one, and ended the work it began with ``WorkTracker/begin()``), the
/// answer is a `result` that passes the batch it sent, or none. Its events (``StageContext/emit(_:_:paths:metadata:)``,
/// ``StageContext/output(_:channel:)``) become `event` lines.
///
/// - Important: standard output carries the protocol, so the server moves it aside and points
///   descriptor 1 at standard error: a `print` in the stage shows up as output, not as a
///   broken message. Sources (``StageRole/source``) cannot be served: a batch they send on
///   their own has no `result` to go into.
public enum ExternalStageServer {
  /// Serves `type` until `pipeline` closes standard input, then lets the stage return.
  public static func serve<S: Stage>(_ type: S.Type) async {
    let writer = ProtocolWriter()
    var served: ServedStage<S>?
    for await line in StandardInputLines.stream() {
      if line.allSatisfy(\.isWhitespace) { continue }
      let message: ExternalMessage
      do {
        message = try ExternalMessage(line: line)
      } catch {
        writer.write(.error(message: "cannot read a message from pipeline: \(error)", help: nil))
        continue
      }
      switch message {
      case .hello(let version, let stage, let root, let config):
        guard version == ExternalProtocol.version else {
          // Answer with our version; `pipeline` reports the mismatch.
          writer.write(.ready(protocolVersion: ExternalProtocol.version))
          continue
        }
        do {
          served = try ServedStage<S>(name: stage, root: root, config: config, writer: writer)
          writer.write(.ready(protocolVersion: ExternalProtocol.version))
        } catch let diagnostic as Diagnostic {
          writer.write(.error(message: diagnostic.message, help: diagnostic.help))
        } catch {
          writer.write(.error(message: "\(error)", help: nil))
        }
      case .batch(let id, let batch):
        guard let served else {
          writer.write(.error(message: "a batch arrived before hello", help: nil))
          continue
        }
        served.handle(id: id, batch: batch)
      case .ready, .result, .event, .error:
        writer.write(.error(message: "pipeline sent a message only a stage sends: \(line)", help: nil))
      }
    }
    await served?.finish()
  }
}

/// One stage instance behind the protocol: its input fed by `batch` lines, its output and
/// idle moments turned into `result` lines.
private final class ServedStage<S: Stage>: Sendable {
  private let continuation: AsyncStream<Batch>.Continuation
  private let work: WorkTracker
  private let pending: PendingResult
  private let task: Task<Void, Never>

  init(name: String, root: String, config: [String: JSONValue], writer: ProtocolWriter) throws {
    let location = SourceLocation(file: "config of stage '\(name)'", line: 1, column: 1)
    let entries = config.keys.sorted().map { key in
      ConfigNode.Entry(key: key, keyLocation: location, value: config[key]!.configNode(at: location))
    }
    let options = StageOptions(stageName: name, entries: entries, location: nil)
    let configuration = try S.Configuration(options: options)
    if let unknown = options.unreadEntries.first {
      let known = options.describedKeys.map(\.key)
      throw Diagnostic(
        at: nil, "unknown key '\(unknown.key)' in the config of stage '\(name)' (\(S.typeName))",
        help: known.isEmpty ? "this stage takes no keys" : "known keys: " + known.joined(separator: ", "))
    }
    let pending = PendingResult()
    let work = WorkTracker {
      // The stage has handled the batch: answer with what it sent on, if anything.
      let done = pending.state.withLock { state -> (Int, Batch?)? in
        guard let id = state.id else { return nil }
        defer { state = Pending() }
        return (id, state.sent)
      }
      if let (id, sent) = done {
        writer.write(.result(id: id, pass: sent != nil, changes: sent?.changes, message: nil))
      }
    }
    let context = StageContext(
      name: name, typeName: S.typeName, root: root, environment: ProcessInfo.processInfo.environment,
      events: ProtocolEventSink(writer: writer), work: work)
    let stage = try S(configuration: configuration, context: context)
    let (stream, continuation) = AsyncStream<Batch>.makeStream()
    let input = StageInput(stream: stream, work: work)
    let output = StageOutput(downstream: [], work: work) { batch in
      pending.state.withLock { state in
        guard state.id != nil else { return }
        state.sent = state.sent.map { $0.merging(batch) } ?? batch
      }
    }
    self.continuation = continuation
    self.work = work
    self.pending = pending
    self.task = Task {
      var failure: String?
      do {
        try await stage.run(input: input, output: output)
      } catch let diagnostic as Diagnostic {
        failure = diagnostic.message
      } catch {
        failure = "\(error)"
      }
      // A batch still waiting for its answer gets one, so pipeline does not wait for nothing.
      let left = pending.state.withLock { state -> Int? in
        defer { state = Pending() }
        return state.id
      }
      if let left {
        writer.write(.result(id: left, pass: false, changes: nil, message: failure ?? "the stage returned before handling the batch"))
      } else if let failure {
        writer.write(.event(kind: .error, message: failure, paths: [], metadata: [:]))
      }
    }
  }

  func handle(id: Int, batch: Batch) {
    pending.state.withLock { $0 = Pending(id: id, sent: nil) }
    work.batchSent()
    continuation.yield(batch)
  }

  func finish() async {
    continuation.finish()
    await task.value
  }
}

/// The batch being handled and what the stage sent on for it so far.
private struct Pending {
  var id: Int?
  var sent: Batch?
}

/// ``Pending`` shared between the server loop, the stage's output and its idle callback.
private final class PendingResult: Sendable {
  let state = Mutex(Pending())
}

/// Writes protocol lines to the original standard output, one whole line per `write`.
private final class ProtocolWriter: Sendable {
  private let descriptor: Mutex<Int32>

  init() {
    // Keep the real standard output for the protocol; anything else written to fd 1
    // (a `print`, a library's log) goes to standard error instead.
    let saved = dup(1)
    _ = fcntl(saved, F_SETFD, FD_CLOEXEC)
    dup2(2, 1)
    descriptor = Mutex(saved)
  }

  func write(_ message: ExternalMessage) {
    let bytes = Array((message.line + "\n").utf8)
    descriptor.withLock { fd in
      var offset = 0
      while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if written < 0 {
          if errno == EINTR { continue }
          return
        }
        offset += written
      }
    }
  }
}

/// Sends the served stage's events to `pipeline` as `event` lines.
private struct ProtocolEventSink: EventSink {
  let writer: ProtocolWriter
  func emit(_ event: Event) {
    writer.write(.event(kind: event.kind, message: event.message, paths: event.paths, metadata: event.metadata))
  }
}

/// Standard input as a stream of lines, read on a thread of its own.
private enum StandardInputLines {
  static func stream() -> AsyncStream<String> {
    let (stream, continuation) = AsyncStream<String>.makeStream()
    Thread.detachNewThread {
      while let line = readLine(strippingNewline: true) { continuation.yield(line) }
      continuation.finish()
    }
    return stream
  }
}
