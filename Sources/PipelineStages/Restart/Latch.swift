import Synchronization

/// A one-way gate: closed until ``open()``, then open for good; ``wait()`` returns once it is
/// open, or when the waiting task is cancelled.
///
/// The supervisor has two: whether an instance's output matched its `ready` pattern, and
/// whether the pipeline is stopping (which ends a wait for `ready` at once).
final class Latch: Sendable {
  private struct State {
    var isOpen = false
    var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    var nextWaiter = 0
  }
  private let state = Mutex(State())

  var isOpen: Bool { state.withLock { $0.isOpen } }

  /// Opens the gate and wakes every waiter.
  func open() {
    let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      state.isOpen = true
      defer { state.waiters = [:] }
      return Array(state.waiters.values)
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Returns once the gate is open, or at once when the task is (or gets) cancelled: a
  /// waiter in a task group must not hold the group up after `cancelAll()`.
  func wait() async {
    let id = state.withLock { state -> Int in
      state.nextWaiter += 1
      return state.nextWaiter
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let resumeNow = state.withLock { state -> Bool in
          if state.isOpen || Task.isCancelled { return true }
          state.waiters[id] = continuation
          return false
        }
        if resumeNow { continuation.resume() }
      }
    } onCancel: {
      let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
      waiter?.resume()
    }
  }
}
