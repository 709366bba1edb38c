import FoundationEssentials
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
/// When the stage's `run` throws (or returns while batches still come), the answer to the
/// batch is an `error` naming what it threw, and the server returns: `pipeline` reports the
/// stage's failure at once and starts the program again for the next batch.
///
/// - Important: standard output carries the protocol, so the server moves it aside and points
///   descriptor 1 at standard error: a `print` in the stage shows up as output, not as a
///   broken message. Sources (``StageRole/source``) cannot be served: a batch they send on
///   their own has no `result` to go into.
public enum ExternalStageServer {
  /// Serves `type` until `pipeline` closes standard input, then lets the stage return; or
  /// until the stage's `run` ends on its own, which is reported to `pipeline` as an `error`.
  public static func serve<S: Stage>(_ type: S.Type) async {
    let writer = ProtocolWriter()
    var served: StageDriver<S>?
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
          served = try StageDriver<S>(
            config: config, name: stage, root: root, events: ProtocolEventSink(writer: writer))
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
        let passed = await served.handle(batch)
        if served.hasEnded {
          // A stage that has ended passes nothing, ever again: say why, at once, rather than
          // a silent `pass: false` for this batch and every later one.
          writer.write(ended(served.thrownError, stage: S.typeName))
          return
        }
        writer.write(.result(id: id, pass: passed != nil, changes: passed?.changes, message: nil))
      case .ready, .result, .event, .error:
        writer.write(.error(message: "pipeline sent a message only a stage sends: \(line)", help: nil))
      }
    }
    do {
      try await served?.finish()
    } catch {
      writer.write(.event(kind: .error, message: "\(error)", paths: [], metadata: [:]))
    }
  }
}

extension ExternalStageServer {
  /// The `error` answer for a stage whose `run` ended while batches still came.
  static func ended(_ thrown: (any Error)?, stage typeName: String) -> ExternalMessage {
    switch thrown {
    case let diagnostic as Diagnostic:
      return .error(message: "the stage (\(typeName)) threw: \(diagnostic.message)", help: diagnostic.help)
    case let error?:
      return .error(message: "the stage (\(typeName)) threw: \(error)", help: nil)
    case nil:
      return .error(
        message: "the stage (\(typeName)) returned from run while batches still came",
        help: "run must go on until its input ends")
    }
  }
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
    startDetachedThread(named: "pipeline-stdin") {
      while let line = readLine(strippingNewline: true) { continuation.yield(line) }
      continuation.finish()
    }
    return stream
  }
}
