@preconcurrency import Glibc
import Synchronization

/// The files a pipeline's own stages wrote — a formatter's rewrite, a copy synced into the
/// watched tree — so that the changes they cause are not taken for news. Without this, a
/// formatter that rewrites a file triggers another cycle, which runs the formatter again.
///
/// A stage announces the paths it is about to write, writes them, then says which ones it
/// did write:
///
/// ```swift
/// let ticket = context.ownWrites.begin(paths)
/// await runFormatter(paths)
/// context.ownWrites.finish(ticket, wrote: pathsTheFormatterChanged)
/// ```
///
/// The engine screens every batch a source emits (``screen(_:sendLater:)``):
///
/// ```
///  change of a path ─▶ in a folder being written (ticket open)? ── yes ─▶ held until the
///                         │ no                                            ticket is finished
///                         ▼
///                      a temporary file of a stage? ── yes ─▶ dropped
///                         │ no
///                         ▼
///                      written by a stage? ── no ─▶ news: kept
///                         │ yes
///                         ▼
///                      same content as the stage left it? ── yes ─▶ dropped
///                                       │ no (edited since)
///                                       ▼
///                                    news: kept, and the record forgotten
/// ```
///
/// Formatters and `sed -i` write a temporary file next to the one they rewrite (gofmt's
/// backup, an atomic save's temporary) and remove it. A path in a folder of a ticket that
/// did not exist when the ticket began and does not exist after it is such a file: its
/// creation and removal cancel out, so dropping them loses nothing.
///
/// Paths are relative to the pipeline's folder, as in a ``Batch``.
///
/// - Note: an edit saved by a person while the stage runs, to a file the stage then
///   rewrites, is indistinguishable from the stage's own write: the stage's content wins,
///   as it would on disk.
public final class OwnWrites: Sendable {
  /// The paths one stage announced with ``begin(_:)``.
  public struct Ticket: Sendable {
    let id: Int
    let paths: [String]
    let folders: FolderListing
  }

  /// A finished ticket's folders, remembered for a while to recognise its temporary files
  /// when their events arrive late.
  private struct FinishedTicket {
    var folders: FolderListing
    var expiry: ContinuousClock.Instant
  }

  private struct HeldBatch {
    var batch: Batch
    var sendLater: @Sendable (Batch) -> Void
  }

  private struct State {
    var nextTicket = 0
    /// Per path, how many open tickets announced it.
    var writing: [String: Int] = [:]
    /// Per folder, how many open tickets write in it.
    var writingFolders: [String: Int] = [:]
    /// Per path, what a stage left there.
    var written: [String: FileContent] = [:]
    var finished: [FinishedTicket] = []
    /// Batches that waited for a ticket, with where to send what is left of them.
    var held: [HeldBatch] = []
    /// Told the paths of each finished ticket the stage wrote (``observeWrites(_:)``).
    var observers: [Int: @Sendable ([String]) -> Void] = [:]
    var nextObserver = 0

    func isBeingWritten(_ path: String) -> Bool {
      writing[path] != nil || writingFolders[PathText.parent(path)] != nil
    }
  }

  /// How long a finished ticket's temporary files are recognised: longer than any watcher
  /// takes to report them.
  static let temporaryFileMemory = Duration.seconds(5)

  private let state = Mutex(State())
  private let root: String
  private let clock = ContinuousClock()

  /// - Parameter root: the pipeline's folder, which the paths are relative to.
  /// Files `pipeline` itself writes, whatever its stages do (the `--events` log), relative
  /// to ``root``: their changes are never news. Without this, an events log inside the
  /// watched tree would start a cycle with every line it gets, forever.
  private let pipelineFiles: Set<String>

  /// The files the running pipeline was read from (its YAML file; for a built-in pipeline,
  /// the project file it was derived from), relative to ``root``: a batch that holds one is
  /// announced with a `pipeline-file-changed` event, which `pipeline run` reloads on.
  private let definitionFiles: Set<String>

  /// - Parameters:
  ///   - root: the pipeline's folder.
  ///   - pipelineFiles: absolute paths of files `pipeline` writes itself; those inside
  ///     `root` are screened out of every batch.
  ///   - definitionFiles: absolute paths of the files the pipeline was read from; those
  ///     inside `root` are announced by ``definitionFiles(in:)``. One that is also in
  ///     `pipelineFiles` is announced, and screened out.
  public init(root: String, pipelineFiles: [String] = [], definitionFiles: [String] = []) {
    self.root = root
    self.pipelineFiles = Self.relative(pipelineFiles, to: root)
    self.definitionFiles = Self.relative(definitionFiles, to: root)
  }

  /// The paths among `files` (absolute) that lie inside `root`, relative to it: through
  /// symbolic links too, as the watch stage may report either.
  private static func relative(_ files: [String], to root: String) -> Set<String> {
    var relative: Set<String> = []
    for file in files {
      for folder in Set([root, Self.realPath(root) ?? root]) {
        for path in Set([file, Self.realPath(file) ?? file]) where path.hasPrefix(folder + "/") {
          relative.insert(String(path.dropFirst(folder.count + 1)))
        }
      }
    }
    return relative
  }

  private static func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// The paths of `batch` that are files the pipeline was read from.
  package func definitionFiles(in batch: Batch) -> [String] {
    guard !definitionFiles.isEmpty else { return [] }
    return batch.paths.filter(definitionFiles.contains)
  }

  /// `batch` without the changes of the files `pipeline` writes itself.
  package func withoutPipelineFiles(_ batch: Batch) -> Batch {
    guard !pipelineFiles.isEmpty, batch.paths.contains(where: pipelineFiles.contains) else { return batch }
    return batch.filter { !pipelineFiles.contains($0.path) }
  }

  /// Announces that the calling stage is about to write `paths` (relative to the
  /// pipeline's folder). Changes in their folders wait until ``finish(_:wrote:)``.
  public func begin(_ paths: [String]) -> Ticket {
    let folders = FolderListing(folders: Set(paths.map(PathText.parent)), root: root)
    return state.withLock { state in
      state.nextTicket += 1
      for path in paths { state.writing[path, default: 0] += 1 }
      for folder in folders.folders { state.writingFolders[folder, default: 0] += 1 }
      return Ticket(id: state.nextTicket, paths: paths, folders: folders)
    }
  }

  /// Ends a ticket: records what each path of `wrote` holds now as the stage's own work.
  /// A path announced but not written stays news. Batches held for these folders go on.
  public func finish(_ ticket: Ticket, wrote: some Sequence<String>) {
    let readings = wrote.map { ($0, FileContent.read(PathText.join(root, $0))) }
    let now = clock.now
    let observers = state.withLock { Array($0.observers.values) }
    if !readings.isEmpty {
      // Before any held batch goes on: the filter knows the new content when it meets it.
      for observer in observers { observer(readings.map(\.0)) }
    }
    let released = state.withLock { state -> [HeldBatch] in
      for (path, content) in readings { state.written[path] = content }
      for path in ticket.paths { state.writing.decrement(path) }
      for folder in ticket.folders.folders { state.writingFolders.decrement(folder) }
      state.finished.removeAll { $0.expiry < now }
      state.finished.append(FinishedTicket(folders: ticket.folders, expiry: now + Self.temporaryFileMemory))
      let stillWriting = state
      var ready: [HeldBatch] = []
      state.held.removeAll { held in
        guard !held.batch.paths.contains(where: stillWriting.isBeingWritten) else { return false }
        ready.append(held)
        return true
      }
      return ready
    }
    for held in released { held.sendLater(dropOwnWrites(from: held.batch)) }
  }

  /// Calls `observer` with the paths a stage wrote, each time a ticket finishes with some
  /// (before any batch held for them goes on): the filter records their new content as
  /// known, so an edit that puts back the content it last let through is not taken for
  /// "unchanged". Returns the key for ``stopObserving(_:)``.
  public func observeWrites(_ observer: @escaping @Sendable (_ paths: [String]) -> Void) -> Int {
    state.withLock { state in
      state.nextObserver += 1
      state.observers[state.nextObserver] = observer
      return state.nextObserver
    }
  }

  /// Ends an ``observeWrites(_:)``.
  public func stopObserving(_ key: Int) {
    _ = state.withLock { $0.observers.removeValue(forKey: key) }
  }

  /// `true` while nothing is written or being written: screening has nothing to do.
  public var isEmpty: Bool {
    state.withLock { $0.writingFolders.isEmpty && $0.written.isEmpty && $0.finished.isEmpty }
  }

  /// What the engine does to each batch a source emits.
  ///
  /// - Returns: the batch without the changes that only the pipeline's own stages made, or
  ///   `nil` when the batch waits for a ticket. It is then passed to `sendLater` once the
  ///   ticket is finished: `sendLater` is called exactly once, with what is left of the batch
  ///   (which may be empty).
  package func screen(_ batch: Batch, sendLater: @escaping @Sendable (Batch) -> Void) -> Batch? {
    if isEmpty { return batch }
    let held = state.withLock { state -> Bool in
      guard batch.paths.contains(where: state.isBeingWritten) else { return false }
      state.held.append(HeldBatch(batch: batch, sendLater: sendLater))
      return true
    }
    return held ? nil : dropOwnWrites(from: batch)
  }

  /// `batch` without the changes whose path still holds what a stage wrote there, and
  /// without the temporary files of finished tickets. A written path that holds anything
  /// else is news again, and its record is forgotten.
  private func dropOwnWrites(from batch: Batch) -> Batch {
    let now = clock.now
    let (recorded, finished) = state.withLock { state in
      state.finished.removeAll { $0.expiry < now }
      return (batch.paths.compactMap { path in state.written[path].map { (path, $0) } }, state.finished)
    }
    var dropped: Set<String> = []
    var edited: [String] = []
    for (path, content) in recorded {
      if FileContent.read(PathText.join(root, path)).isSame(as: content) {
        dropped.insert(path)
      } else {
        edited.append(path)
      }
    }
    for path in batch.paths where !dropped.contains(path) {
      let temporary = finished.contains { $0.folders.isNew(path) }
      if temporary, FileContent.read(PathText.join(root, path)) == .absent { dropped.insert(path) }
    }
    if !edited.isEmpty {
      state.withLock { state in for path in edited { state.written[path] = nil } }
    }
    guard !dropped.isEmpty else { return batch }
    return batch.filter { !dropped.contains($0.path) }
  }
}

extension Dictionary where Value == Int {
  /// Counts one down, removing the key at zero.
  fileprivate mutating func decrement(_ key: Key) {
    let left = self[key, default: 1] - 1
    self[key] = left > 0 ? left : nil
  }
}
