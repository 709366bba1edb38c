/// How ``ChildProcess/stopReporting(signal:killAfter:)`` went.
public struct StopResult: Sendable, Hashable {
  /// The group leader's status.
  public var status: TerminationStatus
  /// `true` when the group was still there `killAfter` after the stop signal and got
  /// `SIGKILL`: whatever it did to shut down was cut short. `false` when it stopped in time,
  /// and when the stop signal was `SIGKILL` itself (no grace period was asked for).
  public var wasKilledAfterGrace: Bool

  public init(status: TerminationStatus, wasKilledAfterGrace: Bool) {
    self.status = status
    self.wasKilledAfterGrace = wasKilledAfterGrace
  }
}
