/// The unit that flows through a pipeline: the set of changes one cycle reacts to.
///
/// A batch holds at most one ``Change`` per path. Merging two batches is a union in which
/// the later change of a path folds into the earlier one (see ``ChangeKind/followed(by:)``),
/// so no change is ever lost when batches are combined while a stage is busy.
public struct Batch: Sendable, Hashable {
  /// The changes, one per path, in the order their paths were first seen.
  public private(set) var changes: [Change]
  /// `true` for the batch a source emits when the pipeline starts: it always passes filters,
  /// so the app is built and started at once.
  public var isStartup: Bool
  /// `true` when a source could not tell exactly what changed (an event queue overflowed,
  /// a root folder came back) and everything under its paths may have changed.
  public var isRescan: Bool
  /// When the earliest of its changes was seen, if its source says so: the start of the
  /// "change → app ready" time. Not part of equality.
  public var detectedAt: ContinuousClock.Instant?

  private var indexByPath: [String: Int]

  /// Creates a batch; repeated paths are folded in order.
  ///
  /// - Parameter detectedAt: when its earliest change was seen; a stage that makes a batch
  ///   out of another (a filter keeping some of its changes) passes the other's on.
  public init(
    _ changes: [Change] = [], isStartup: Bool = false, isRescan: Bool = false,
    detectedAt: ContinuousClock.Instant? = nil
  ) {
    self.changes = []
    self.indexByPath = [:]
    self.isStartup = isStartup
    self.isRescan = isRescan
    self.detectedAt = detectedAt
    // Room for all at once, not grown change by change (a storm's batch has thousands).
    self.changes.reserveCapacity(changes.count)
    indexByPath.reserveCapacity(changes.count)
    for change in changes { insert(change) }
  }

  /// The startup batch: empty, but marked so that it passes every filter.
  public static var startup: Batch { Batch(isStartup: true) }

  /// The changed paths, in order.
  public var paths: [String] { changes.map(\.path) }

  /// `true` when the batch carries nothing to react to.
  public var isEmpty: Bool { changes.isEmpty && !isStartup && !isRescan }

  /// The change recorded for `path`, if any.
  public func change(for path: String) -> Change? {
    indexByPath[path].map { changes[$0] }
  }

  /// Adds `change`, folding it into the change already recorded for its path.
  public mutating func insert(_ change: Change) {
    if let index = indexByPath[change.path] {
      var folded = changes[index]
      folded.kind = folded.kind.followed(by: change.kind)
      if change.previousPath != nil { folded.previousPath = change.previousPath }
      changes[index] = folded
    } else {
      indexByPath[change.path] = changes.count
      changes.append(change)
    }
  }

  /// Adds every change of `other` after those of `self`.
  public mutating func merge(_ other: Batch) {
    for change in other.changes { insert(change) }
    isStartup = isStartup || other.isStartup
    isRescan = isRescan || other.isRescan
    if let theirs = other.detectedAt { detectedAt = min(detectedAt ?? theirs, theirs) }
  }

  /// The union of `self` followed by `other`.
  public func merging(_ other: Batch) -> Batch {
    var result = self
    result.merge(other)
    return result
  }

  /// The batch holding only the changes for which `isIncluded` is true; the startup and
  /// rescan marks are kept.
  public func filter(_ isIncluded: (Change) throws -> Bool) rethrows -> Batch {
    try Batch(changes.filter(isIncluded), isStartup: isStartup, isRescan: isRescan, detectedAt: detectedAt)
  }

  public static func == (lhs: Batch, rhs: Batch) -> Bool {
    lhs.changes == rhs.changes && lhs.isStartup == rhs.isStartup && lhs.isRescan == rhs.isRescan
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(changes)
    hasher.combine(isStartup)
    hasher.combine(isRescan)
  }
}

extension Batch: CustomStringConvertible {
  /// A one-line summary for people: `3 changes: a.go (modified), b.go (created), …`.
  public var description: String {
    if changes.isEmpty { return isStartup ? "startup" : (isRescan ? "rescan" : "no changes") }
    // Written into one string: made for every batch the watcher sends.
    var text = String(changes.count)
    text += changes.count == 1 ? " change: " : " changes: "
    for (index, change) in changes.prefix(3).enumerated() {
      if index > 0 { text += ", " }
      text += PathText.displayed(change.path)
      text += " ("
      text += change.kind.rawValue
      text += ")"
    }
    if changes.count > 3 { text += ", … (\(changes.count - 3) more)" }
    return text
  }
}
