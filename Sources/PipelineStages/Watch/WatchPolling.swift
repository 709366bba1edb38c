import PipelineCore

/// The `poll:` setting of the watch stage.
enum WatchPolling: Sendable, Hashable, OptionValue {
  /// Native events (inotify on Linux).
  case off
  /// Scan the tree every interval and compare size, modification time and inode.
  case every(Duration)

  static let defaultInterval = Duration.milliseconds(500)

  static var optionTypeName: String { "boolean or duration" }
  static var optionPlaceholder: WatchPolling { .off }

  init(option node: ConfigNode) throws(Diagnostic) {
    if let on = try? Bool(option: node) {
      self = on ? .every(Self.defaultInterval) : .off
      return
    }
    guard case .scalar(let text, _) = node.value, let interval = Duration(pipelineText: text) else {
      throw Diagnostic(
        at: node.location, "'poll' must be true, false or an interval like 500ms, got \(node.kindDescription)",
        help: "poll: true scans every 500ms; poll: 1s scans every second")
    }
    guard interval >= .milliseconds(10) else {
      throw Diagnostic(at: node.location, "a polling interval under 10ms would keep a core busy", help: "use 100ms or more")
    }
    self = .every(interval)
  }

  var optionDescription: String {
    switch self {
    case .off: return "false"
    case .every(let interval): return interval.pipelineText
    }
  }
}
