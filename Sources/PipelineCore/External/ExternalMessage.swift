import FoundationEssentials

/// The protocol between `pipeline` and an external stage (`stage: external`): one JSON object
/// per line, `pipeline` writing to the program's standard input, the program answering on its
/// standard output. Its standard error is free text, shown under the stage's name.
///
/// ```
/// pipeline → program   {"type":"hello","protocol":1,"stage":"smoke","root":"/src/app","config":{…}}
/// program  → pipeline  {"type":"ready","protocol":1}
/// pipeline → program   {"type":"batch","id":1,"startup":false,"rescan":false,"changes":[{"path":"main.go","kind":"modified"}]}
/// program  → pipeline  {"type":"event","event":"output","message":"GET / → 200"}      (any number, any time)
/// program  → pipeline  {"type":"result","id":1,"pass":true}
/// ```
///
/// `Documentation/ExternalProtocol.md` is the reference; ``ExternalProtocol/version`` is the
/// version this library speaks.
public enum ExternalProtocol {
  /// The protocol version: `hello` carries it, and `ready` must answer with the same.
  public static let version = 1

  /// The longest line `pipeline` reads from a program, in bytes: 16 MiB, room for a `result`
  /// with some 200,000 changes. A longer line is a fault of the program's (it is most likely
  /// not a message at all), and `pipeline` holds no more than this of it.
  public static let maximumLineLength = 16 * 1024 * 1024
}

/// One line of the external-stage protocol, either way.
public enum ExternalMessage: Sendable, Hashable {
  /// `pipeline` → program, first: the protocol version, the stage's name, the pipeline's folder
  /// and the stage's `config:`.
  case hello(protocolVersion: Int, stage: String, root: String, config: [String: JSONValue])
  /// `pipeline` → program: a batch to handle; the answer is a `result` with the same `id`.
  case batch(id: Int, Batch)
  /// Program → `pipeline`, the answer to `hello`: the version it speaks.
  case ready(protocolVersion: Int)
  /// Program → `pipeline`, the answer to `batch`: whether the batch goes on (`pass`), with
  /// other changes than it came with when `changes` is given (a transform), and a reason
  /// shown as the stage's failure when it does not pass.
  case result(id: Int, pass: Bool, changes: [Change]?, message: String?)
  /// Program → `pipeline`, at any time: an event, emitted under the stage's name (`output`
  /// shows a line of output; `stage-failed` a failure…).
  case event(kind: Event.Kind, message: String?, paths: [String], metadata: [String: String])
  /// Program → `pipeline`, instead of `ready` or `result`: the program cannot work (a bad
  /// `config:`). `pipeline` reports it and stops the program.
  case error(message: String, help: String?)

  /// The message as one line of JSON, without the newline.
  public var line: String {
    let data = (try? JSONEncoder.sortedKeys.encode(WireMessage(self))) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
  }

  /// Reads one line.
  ///
  /// - Throws: ``ExternalProtocolError`` when the line is not a JSON object of a known type
  ///   with its fields.
  public init(line: String) throws(ExternalProtocolError) {
    let wire: WireMessage
    do {
      wire = try JSONDecoder().decode(WireMessage.self, from: Data(line.utf8))
    } catch {
      let reason = ExternalMessageCheck.problem(in: line) ?? ExternalMessageCheck.notAMessage
      throw ExternalProtocolError(line: line, reason: reason)
    }
    self = try wire.message(line: line)
  }
}

/// A line that is not a message of the external-stage protocol.
public struct ExternalProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The line as it was read.
  public var line: String
  /// What is wrong with it.
  public var reason: String

  public init(line: String, reason: String) {
    self.line = line
    self.reason = reason
  }

  public var description: String {
    let shown = line.count > 80 ? String(line.prefix(80)) + "…" : line
    return "\(reason): '\(shown)'"
  }
}

/// The JSON shape of every message: a `type` and the fields of that type.
private struct WireMessage: Codable {
  struct WireChange: Codable {
    var path: String
    var kind: ChangeKind
    var previous_path: String?
  }

  var type: String
  var `protocol`: Int?
  var stage: String?
  var root: String?
  var config: [String: JSONValue]?
  var id: Int?
  var startup: Bool?
  var rescan: Bool?
  var changes: [WireChange]?
  var pass: Bool?
  var message: String?
  var help: String?
  var event: String?
  var paths: [String]?
  var metadata: [String: String]?

  init(type: String) { self.type = type }

  init(_ message: ExternalMessage) {
    switch message {
    case .hello(let version, let stage, let root, let config):
      self.init(type: "hello")
      self.protocol = version
      self.stage = stage
      self.root = root
      self.config = config
    case .batch(let id, let batch):
      self.init(type: "batch")
      self.id = id
      startup = batch.isStartup
      rescan = batch.isRescan
      changes = batch.changes.map(Self.wire)
    case .ready(let version):
      self.init(type: "ready")
      self.protocol = version
    case .result(let id, let pass, let changes, let message):
      self.init(type: "result")
      self.id = id
      self.pass = pass
      self.changes = changes?.map(Self.wire)
      self.message = message
    case .event(let kind, let message, let paths, let metadata):
      self.init(type: "event")
      event = kind.rawValue
      self.message = message
      self.paths = paths.isEmpty ? nil : paths
      self.metadata = metadata.isEmpty ? nil : metadata
    case .error(let message, let help):
      self.init(type: "error")
      self.message = message
      self.help = help
    }
  }

  static func wire(_ change: Change) -> WireChange {
    WireChange(path: change.path, kind: change.kind, previous_path: change.previousPath)
  }

  func message(line: String) throws(ExternalProtocolError) -> ExternalMessage {
    func missing(_ field: String) -> ExternalProtocolError {
      ExternalProtocolError(line: line, reason: "a \"\(type)\" message needs \"\(field)\"")
    }
    let changes = self.changes?.map { Change(path: $0.path, kind: $0.kind, previousPath: $0.previous_path) }
    switch type {
    case "hello":
      guard let version = self.protocol else { throw missing("protocol") }
      return .hello(protocolVersion: version, stage: stage ?? "", root: root ?? "", config: config ?? [:])
    case "batch":
      guard let id else { throw missing("id") }
      return .batch(id: id, Batch(changes ?? [], isStartup: startup ?? false, isRescan: rescan ?? false))
    case "ready":
      guard let version = self.protocol else { throw missing("protocol") }
      return .ready(protocolVersion: version)
    case "result":
      guard let id else { throw missing("id") }
      guard let pass else { throw missing("pass") }
      return .result(id: id, pass: pass, changes: changes, message: message)
    case "event":
      guard let event, !event.isEmpty else { throw missing("event") }
      return .event(kind: Event.Kind(event), message: message, paths: paths ?? [], metadata: metadata ?? [:])
    case "error":
      return .error(message: message ?? "the program reported an error", help: help)
    default:
      throw ExternalProtocolError(
        line: line, reason: "unknown message type \"\(type)\" (expected ready, result, event or error)")
    }
  }
}
