/// How long `on_exit: restart` waits before starting an app that exited by itself: the
/// first delay after one crash, doubling with each crash in a row up to a cap. An instance
/// that ran for at least `healthyAfter` counts as healthy and starts the count again.
struct RestartBackoff: Sendable, Hashable {
  let initial: Duration
  let cap: Duration
  let healthyAfter: Duration
  /// Crashes in a row so far.
  private(set) var crashes = 0

  init(initial: Duration, cap: Duration, healthyAfter: Duration = .seconds(5)) {
    self.initial = initial
    self.cap = max(cap, initial)
    self.healthyAfter = healthyAfter
  }

  /// Records an exit after `ranFor` and returns the delay before the next start.
  mutating func delay(afterRunning ranFor: Duration) -> Duration {
    crashes = ranFor >= healthyAfter ? 1 : crashes + 1
    var delay = initial
    for _ in 1..<crashes where delay < cap { delay = delay * 2 }
    return min(delay, cap)
  }
}
