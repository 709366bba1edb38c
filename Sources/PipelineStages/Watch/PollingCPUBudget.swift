import PipelineCore

/// The `poll_cpu:` setting of the watch stage: the share of one core polling may use, written
/// as a percentage (`5%`).
///
/// Below 100 %, a round `stat`s files in rotation only for as long as the share allows, so on a
/// big tree an edit in place of a file untouched for a while is seen a few rounds later (see
/// ``PollingScanner``); `100%` scans the whole tree every round whatever it costs.
struct PollingCPUBudget: Sendable, Hashable, OptionValue {
  /// The share of one core, in (0, 1].
  var fraction: Double

  static let `default` = PollingCPUBudget(fraction: 0.05)

  /// The share to hand to ``PollingWatcher``: `nil` for a whole scan every round.
  var watcherBudget: Double? { fraction < 1 ? fraction : nil }

  static var optionTypeName: String { "percentage" }
  static var optionPlaceholder: PollingCPUBudget { .default }

  init(fraction: Double) { self.fraction = fraction }

  init(option node: ConfigNode) throws(Diagnostic) {
    let help = "write the share of one core polling may use, like 5% (100% scans everything every round)"
    guard case .scalar(let text, _) = node.value else {
      throw Diagnostic(at: node.location, "'poll_cpu' must be a percentage like 5%, got \(node.kindDescription)", help: help)
    }
    guard text.hasSuffix("%"), let percent = Double(text.dropLast()), percent.isFinite else {
      throw Diagnostic(at: node.location, "'poll_cpu' must be a percentage like 5%, got \(node.kindDescription)", help: help)
    }
    guard percent > 0 && percent <= 100 else {
      throw Diagnostic(
        at: node.location, "'poll_cpu' must be more than 0% and at most 100%, got \(node.kindDescription)",
        help: "5% (the default) keeps polling a 50,000-file tree cheap; 100% scans everything every round")
    }
    fraction = percent / 100
  }

  var optionDescription: String {
    let percent = fraction * 100
    return percent == percent.rounded() ? "\(Int(percent))%" : "\(percent)%"
  }
}
