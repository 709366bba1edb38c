import Synchronization

/// The fingerprint of each file as the filter last let it through, or as a stage of the
/// pipeline last wrote it (a formatter's rewrite), shared by the filter's loop, its
/// background baseline and its observer of the pipeline's own writes.
///
/// Paths are filed by ``FingerprintKey`` (two hashes of the path), not by their text, which
/// would take more memory than the fingerprints themselves on a big tree. Keys cannot be listed
/// by folder, so a folder that goes away (``forgetTree(at:)``) is remembered instead, with the
/// moment it went: a fingerprint recorded before that moment, for a path inside it, no longer
/// counts. Otherwise a folder moved out of the tree and back would bring its files back as
/// "unchanged", and their return would be dropped.
///
/// The loop's word is final: while a baseline runs, a path the loop has recorded or
/// forgotten is never overwritten by the baseline, whose reading may be older. A new
/// baseline (``startBaseline()``) clears the store and retires the previous baseline's
/// generation, so a late reading of a retired baseline is dropped.
final class FingerprintStore: Sendable {
  private typealias Entry = FingerprintTable.Entry

  private struct State {
    var fingerprints = FingerprintTable()
    /// Moves on at each forgotten tree.
    var epoch: UInt32 = 0
    /// Paths that went away and may have been folders, with the epoch they went at.
    var forgottenTrees: [FingerprintKey: UInt32] = [:]
    var generation = 0
    /// Paths the loop decided on since the current baseline started.
    var decided: Set<FingerprintKey> = []
    var baselineRunning = false

    /// The fingerprint of `path` unless a folder holding it went away after it was recorded.
    func fingerprint(_ key: FingerprintKey, path: String) -> FileFingerprint? {
      guard let entry = fingerprints[key] else { return nil }
      if !forgottenTrees.isEmpty {
        var folder = path[...]
        while let slash = folder.lastIndex(of: "/") {
          folder = folder[..<slash]
          if let gone = forgottenTrees[FingerprintKey(String(folder))], gone > entry.epoch { return nil }
        }
      }
      return entry.fingerprint
    }

    /// Forgets every fingerprint. What the loop decided on during a running baseline stays
    /// decided: the baseline's older reading must not come back for it.
    mutating func clear() {
      fingerprints.removeAll()
      forgottenTrees.removeAll()
    }
  }

  /// At most this many forgotten trees are remembered; past that, the store starts over.
  static let forgottenTreeLimit = 4096

  private let state = Mutex(State())

  init() {}

  /// The fingerprint recorded for `path`, if any.
  func fingerprint(for path: String) -> FileFingerprint? {
    let key = FingerprintKey(path)
    return state.withLock { $0.fingerprint(key, path: path) }
  }

  /// How many paths have a fingerprint.
  var count: Int { state.withLock { $0.fingerprints.count } }

  /// Records `fingerprint` for `path` as let through by the loop (`nil` forgets the path).
  func record(_ fingerprint: FileFingerprint?, for path: String) {
    let key = FingerprintKey(path)
    state.withLock { state in
      state.fingerprints[key] = fingerprint.map { Entry(fingerprint: $0, epoch: state.epoch) }
      if state.baselineRunning { state.decided.insert(key) }
    }
  }

  /// Forgets `path` and, should it have been a folder, every fingerprint recorded inside it so
  /// far: for a path that went away and was not known as a file.
  func forgetTree(at path: String) {
    let key = FingerprintKey(path)
    state.withLock { state in
      guard state.forgottenTrees.count < Self.forgottenTreeLimit else {
        state.clear()
        return
      }
      state.epoch &+= 1
      state.forgottenTrees[key] = state.epoch
      state.fingerprints[key] = nil
      if state.baselineRunning { state.decided.insert(key) }
    }
  }

  /// Clears the store and returns the generation for a new baseline.
  func startBaseline() -> Int {
    state.withLock { state in
      state.clear()
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
        state.fingerprints[key] = Entry(fingerprint: fingerprint, epoch: state.epoch)
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
