import PipelineCore

/// The `poll:` setting of the watch stage.
enum WatchPolling: Sendable, Hashable, OptionValue {
  /// Native events (inotify on Linux), except under mounts that deliver none (see
  /// ``MountTable/fileSystemsWithoutEvents``): those folders are scanned every
  /// ``defaultInterval``. The default.
  case auto
  /// Native events everywhere, even where they may never come.
  case off
  /// Scan the whole tree every interval and compare size, modification time and inode.
  case every(Duration)

  static let defaultInterval = Duration.milliseconds(500)

  static var optionTypeName: String { "auto, boolean or duration" }
  static var optionPlaceholder: WatchPolling { .auto }

  init(option node: ConfigNode) throws(Diagnostic) {
    if case .scalar(let text, _) = node.value, text.lowercased() == "auto" {
      self = .auto
      return
    }
    if let on = try? Bool(option: node) {
      self = on ? .every(Self.defaultInterval) : .off
      return
    }
    guard case .scalar(let text, _) = node.value, let interval = Duration(pipelineText: text) else {
      var help = "poll: auto polls only mounts without events; poll: true scans everything every 500ms; poll: 1s every second"
      if case .scalar(let text, true) = node.value, ["true", "false", "yes", "no", "on", "off"].contains(text.lowercased()) {
        help = "write \(text.lowercased()) without quotes: a quoted value is text"
      }
      throw Diagnostic(
        at: node.location,
        "'poll' must be auto, true, false or an interval like 500ms, got \(node.kindDescription)", help: help)
    }
    guard interval >= .milliseconds(10) else {
      throw Diagnostic(
        at: node.location, "a polling interval under 10ms would keep a core busy",
        help: "use 10ms or more; 100ms or more keeps polling cheap on a big tree")
    }
    self = .every(interval)
  }

  var optionDescription: String {
    switch self {
    case .auto: return "auto"
    case .off: return "false"
    case .every(let interval): return interval.pipelineText
    }
  }
}
