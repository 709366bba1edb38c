import PipelineCore

/// The timing of `hold_during_git` as a value: it decides whether a batch goes on at once or is
/// held while git rewrites the work tree, and when the held changes go on as one batch.
///
/// The rule:
/// - **git is busy** while `index.lock` exists (for at most ``staleLockAfter``: a lock left by a
///   git that crashed must not hold changes forever), or while a marker of an operation that can
///   stop half-way exists (`rebase-merge`, `rebase-apply`, `MERGE_HEAD`, `CHERRY_PICK_HEAD`,
///   `REVERT_HEAD`, `BISECT_LOG`) *and* the git dir changed less than ``activeWindow`` ago.
///   A rebase or merge that stopped on a conflict leaves its marker while you edit by hand; git
///   is quiet then, so your edits are not held.
/// - A batch that arrives while git is busy is held; later batches join it.
/// - The held changes go on as one batch at the first check where git is no longer busy and
///   neither the git dir nor the watched tree changed for `settle`: 100ms (a command such as
///   `git stash` takes the lock several times in a row), plus the polling interval when
///   changes come from scans (a scan may report git's last writes after the lock is gone).
///
/// What git does is learnt two ways: ``observe(entry:kind:at:)`` for each change of an entry of the
/// git dir, from the watcher's own queue (so it is ordered with the tree's changes), or
/// ``observe(_:at:)`` with a `stat` snapshot, when no such events come (polling).
struct GitHoldStateMachine {
  typealias Instant = ContinuousClock.Instant

  /// How long after the git dir last changed an operation marker still means git is at work.
  static let activeWindow = Duration.seconds(1)
  /// How long git and the tree must be quiet before the held changes go on, when every change
  /// comes as an event.
  static let eventSettle = Duration.milliseconds(100)
  /// How often a hold is checked while git is busy.
  static let checkInterval = Duration.milliseconds(100)
  /// How long an `index.lock` that stays is believed.
  static let staleLockAfter = Duration.seconds(30)

  /// What the stage must do.
  enum Action: Equatable {
    /// Send this batch on now.
    case send(Batch)
    /// A hold began: say so.
    case startedHolding(Reason)
    /// Send the held changes on, and say why now.
    case release(Batch, Release)
    /// Call ``check(at:)`` at this time (or a little later).
    case checkAgain(at: Instant)
  }

  /// Why git counts as busy.
  struct Reason: Equatable, Sendable {
    /// `rebase`, `merge`…; `nil` when only the lock says so.
    var operation: String?
    /// The entry of the git dir that says so: `index.lock`, `MERGE_HEAD`…
    var evidence: String
  }

  /// Why the held changes go on now.
  enum Release: Equatable, Sendable {
    /// No lock and no marker any more.
    case done
    /// A marker is left but git has been quiet: it waits for the user (a conflict).
    case waiting(Reason)
    /// The lock has existed for ``staleLockAfter``.
    case staleLock
  }

  private struct Lock {
    var since: Instant
    var identity: GitSnapshot.FileIdentity?
  }

  private var lock: Lock?
  private var markers: [String] = []
  private var lastGitActivity: Instant?
  private var lastChange: Instant?
  /// The changes held now, if any.
  private(set) var held: Batch?
  /// How long git and the tree must be quiet before the held changes go on.
  let settle: Duration

  /// - Parameter pollingInterval: The interval of the scans that report some changes, if any.
  init(pollingInterval: Duration? = nil) {
    settle = Self.eventSettle + (pollingInterval ?? .zero)
  }

  // MARK: What git does

  /// An entry of the git dir was created, modified or removed.
  mutating func observe(entry name: String, kind: ChangeKind, at now: Instant) {
    lastGitActivity = now
    if name == GitDirectory.lockName {
      if kind == .removed {
        lock = nil
      } else if lock == nil {
        lock = Lock(since: now, identity: nil)
      }
    } else if GitDirectory.isMarker(name) {
      if kind == .removed {
        markers.removeAll { $0 == name }
      } else if !markers.contains(name) {
        markers.append(name)
        let order = GitDirectory.operationMarkers.map(\.name)
        markers.sort { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }
      }
    }
  }

  /// What `stat` says now; replaces what was known.
  mutating func observe(_ snapshot: GitSnapshot, at now: Instant) {
    if let identity = snapshot.lock {
      if lock?.identity != identity { lock = Lock(since: now, identity: identity) }
    } else {
      lock = nil
    }
    markers = snapshot.markers
    if let quietFor = snapshot.quietFor {
      let active = now - quietFor
      lastGitActivity = max(lastGitActivity ?? active, active)
    }
  }

  /// Why git is busy at `now`, or `nil` when it is not.
  func busyReason(at now: Instant) -> Reason? {
    if let lock, now - lock.since < Self.staleLockAfter {
      return Reason(operation: markers.first.flatMap(GitDirectory.operation(of:)), evidence: GitDirectory.lockName)
    }
    if let marker = markers.first, let lastGitActivity, now - lastGitActivity < Self.activeWindow {
      return Reason(operation: GitDirectory.operation(of: marker), evidence: marker)
    }
    return nil
  }

  // MARK: Batches

  /// A batch from the watcher: it goes on at once, or is held.
  mutating func receive(_ batch: Batch, at now: Instant) -> [Action] {
    if var pending = held {
      pending.merge(batch)
      held = pending
      lastChange = now
      return []  // A check is already due.
    }
    guard let reason = busyReason(at: now) else { return [.send(batch)] }
    held = batch
    lastChange = now
    return [.startedHolding(reason), .checkAgain(at: now + Self.checkInterval)]
  }

  /// Whether the held changes can go on at `now`.
  mutating func check(at now: Instant) -> [Action] {
    guard let pending = held else { return [] }
    if busyReason(at: now) != nil { return [.checkAgain(at: now + Self.checkInterval)] }
    if let lastActivity = [lastChange, lastGitActivity].compactMap({ $0 }).max(), now < lastActivity + settle {
      return [.checkAgain(at: lastActivity + settle)]
    }
    held = nil
    lastChange = nil
    let release: Release
    if lock != nil {
      release = .staleLock
    } else if let marker = markers.first {
      release = .waiting(Reason(operation: GitDirectory.operation(of: marker), evidence: marker))
    } else {
      release = .done
    }
    return [.release(pending, release)]
  }
}
