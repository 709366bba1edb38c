import Synchronization

/// The fingerprint of each file as the filter last let it through, shared by the filter's
/// loop and its background baseline.
///
/// Paths are filed by ``FingerprintKey`` (two hashes of the path), not by their text, which
/// would take more memory than the fingerprints themselves on a big tree.
///
/// The loop's word is final: while a baseline runs, a path the loop has recorded or
/// forgotten is never overwritten by the baseline, whose reading may be older. A new
/// baseline (``startBaseline()``) clears the store and retires the previous baseline's
/// generation, so a late reading of a retired baseline is dropped.
final class FingerprintStore: Sendable {
  private struct State {
    var fingerprints: [FingerprintKey: FileFingerprint] = [:]
    var generation = 0
    /// Paths the loop decided on since the current baseline started.
    var decided: Set<FingerprintKey> = []
    var baselineRunning = false
  }

  private let state = Mutex(State())

  init() {}

  /// The fingerprint recorded for `path`, if any.
  func fingerprint(for path: String) -> FileFingerprint? {
    let key = FingerprintKey(path)
    return state.withLock { $0.fingerprints[key] }
  }

  /// How many paths have a fingerprint.
  var count: Int { state.withLock { $0.fingerprints.count } }

  /// Records `fingerprint` for `path` as let through by the loop (`nil` forgets the path).
  func record(_ fingerprint: FileFingerprint?, for path: String) {
    let key = FingerprintKey(path)
    state.withLock { state in
      state.fingerprints[key] = fingerprint
      if state.baselineRunning { state.decided.insert(key) }
    }
  }

  /// Clears the store and returns the generation for a new baseline.
  func startBaseline() -> Int {
    state.withLock { state in
      state.fingerprints.removeAll()
      state.decided.removeAll()
      state.generation += 1
      state.baselineRunning = true
      return state.generation
    }
  }

  /// Records a baseline reading, unless the baseline is retired or the loop already decided
  /// on `path`. Returns `false` when the baseline is retired and should stop.
  @discardableResult
  func recordBaseline(_ fingerprint: FileFingerprint, for path: String, generation: Int) -> Bool {
    let key = FingerprintKey(path)
    return state.withLock { state in
      guard state.generation == generation else { return false }
      if !state.decided.contains(key), state.fingerprints[key] == nil {
        state.fingerprints[key] = fingerprint
      }
      return true
    }
  }

  /// Marks the baseline of `generation` as finished.
  func finishBaseline(generation: Int) {
    state.withLock { state in
      guard state.generation == generation else { return }
      state.baselineRunning = false
      state.decided.removeAll()
    }
  }
}
