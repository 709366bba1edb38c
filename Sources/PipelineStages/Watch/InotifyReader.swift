import Glibc
import PipelineCore
import Synchronization

/// A folder's `IN_MOVED_FROM` waiting for the `IN_MOVED_TO` with the same cookie.
private struct PendingMove {
  var cookie: UInt32
  var path: String
  var node: WatchNode?
}

/// What one read of the queue produces: the events to send, then the other notices.
private struct ChunkReport {
  private(set) var events: [FileEvent] = []
  var notices: [WatchNotice] = []
  /// The last kind appended for each path, to fold repeated modifications (a save is a
  /// MODIFY per write() plus a CLOSE_WRITE) into the event already there.
  private var lastKinds: [String: ChangeKind] = [:]

  /// - Parameter dropsTransient: Whether a file made and gone within this read goes unreported;
  ///   `false` for a shallow folder's entries (git's `index.lock` must be seen, however brief).
  ///   - isNew: For `.created`: the path came into being (`IN_CREATE`), see ``FileEvent/isNew``.
  mutating func append(_ path: String, _ kind: ChangeKind, isDirectory: Bool, isNew: Bool = false, dropsTransient: Bool = true) {
    if kind == .modified, let last = lastKinds[path], last == .created || last == .modified { return }
    // Only a file seen coming into being: one renamed over an existing file and then deleted
    // was a real file's removal.
    if dropsTransient, kind == .removed, !isDirectory, lastKinds[path] == .created,
      let created = events.lastIndex(where: { $0.path == path && $0.kind == .created }), events[created].isNew
    {
      // A file made and gone within one read: a temporary file written and renamed over the
      // real one (`sed -i`, an editor's atomic save under a name no noise rule knows). It never
      // existed between two batches, so it is no change: the real file's change is the save.
      let kept = events[created...].filter { $0.path != path }
      events.replaceSubrange(created..., with: kept)
      lastKinds[path] = events.last(where: { $0.path == path })?.kind
      return
    }
    lastKinds[path] = kind
    events.append(FileEvent(path: path, kind: kind, isDirectory: isDirectory, isNew: isNew && kind == .created))
  }

  mutating func append(contentsOf events: [FileEvent]) {
    for event in events { append(event.path, event.kind, isDirectory: event.isDirectory, isNew: event.isNew) }
  }
}

/// The inotify queue's reader: its state and work. Only the reading thread touches it once
/// `start` returned; a host (``InotifyReaderHost``) takes its turns.
final class InotifyReader {
  private let configuration: InotifyConfiguration
  private let control: InotifyControl
  private let sink: @Sendable (WatchNotice) -> Void
  /// The inotify instance; -1 when none could be created and everything is polled.
  private var descriptor: Int32 = -1
  private var nodes: [Int32: WatchNode] = [:]
  private var rootNodes: [String: WatchNode] = [:]
  /// The inode of each watched root, to tell when its path no longer names it.
  private var rootInodes: [String: UInt64] = [:]
  /// The watches of the shallow folders, by watch, with their paths.
  private var shallowWatches: [Int32: String] = [:]
  /// Shallow folders that the tree watches already.
  private var shallowFoldersInTree: Set<String> = []
  /// Roots that are gone, checked every 250 ms.
  private var missingRoots: [String] = []
  private var pendingMoves: [PendingMove] = []
  /// Files written to and not yet closed, with when to report them anyway (a writer that
  /// keeps its file open, such as a log). A save — truncate, write, close — is reported once,
  /// at the close, instead of as an emptied file first: a build started on the truncation
  /// would be stopped and started again by the write.
  ///
  /// A file still empty at its deadline was truncated by a writer that has not written yet
  /// (`(sleep 1; echo data) > file`): it waits on, looked at every `unclosedWriteDelay`,
  /// until it holds something or is closed, at most `emptyFilePatience` (2 s) after the first
  /// write.
  private var unclosedWrites: [String: UnclosedWrite] = [:]
  private struct UnclosedWrite {
    var deadline: ContinuousClock.Instant
    let firstWrite: ContinuousClock.Instant
  }

  /// Files whose change of attributes was reported with no write since: the close that
  /// follows (`touch` sets the times through a descriptor, then closes it) is no news.
  private var attributesReported: Set<String> = []

  /// Polls the folders that could not be watched; created at the first such folder.
  private var fallback: PollingWatcher?
  private var hasWarnedAboutLimits = false
  /// How many unreadable folders were named in a warning; past ``unreadableWarningLimit``,
  /// they are polled without one.
  private var unreadableFoldersWarnedAbout = 0
  static let unreadableWarningLimit = 3
  /// Notices produced outside a read (while walking at start, or a limit reached) to send next.
  private var notices: [WatchNotice] = []
  /// While the watches are rebuilt after an overflow: the folders handed to polling, so that
  /// polled folders that no longer exist can be dropped.
  private var polledDuringRebuild: Set<String>?

  /// Where each read of the queue lands.
  private let buffer = UnsafeMutableRawPointer.allocate(
    byteCount: bufferSize, alignment: MemoryLayout<inotify_event>.alignment)
  private let clock = ContinuousClock()
  /// When the missing roots are looked for next.
  private var nextRootCheck = ContinuousClock.now
  /// Once more a moment after events: a root's own removal may come after the read that
  /// reported its contents removed, and gives no event (see checkRootsStillThere).
  private var rootRecheck: ContinuousClock.Instant?

  private static let bufferSize = 64 * 1024
  private static let rootCheckInterval = Duration.milliseconds(250)
  private static let eventHeaderSize = MemoryLayout<inotify_event>.size

  /// Creations, deletions, renames, writes and attribute changes of entries, plus the folder's
  /// own deletion or move. IN_EXCL_UNLINK: no events for files unlinked but still open.
  private static let rootMask = UInt32(
    IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB
      | IN_DELETE_SELF | IN_MOVE_SELF) | UInt32(IN_ONLYDIR) | UInt32(IN_EXCL_UNLINK)
  /// A folder below a root is never reached through a symlink.
  private static let folderMask = rootMask | UInt32(IN_DONT_FOLLOW)

  init(configuration: InotifyConfiguration, control: InotifyControl, sink: @escaping @Sendable (WatchNotice) -> Void) {
    self.configuration = configuration
    self.control = control
    self.sink = sink
  }

  deinit {
    buffer.deallocate()
    fallback?.stop()
    if descriptor >= 0 { close(descriptor) }
  }

  /// Creates the inotify instance and adds every initial watch, on the caller's thread.
  func setUp() throws(WatchSystemError) {
    descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    if descriptor < 0 {
      let code = errno
      guard code == EMFILE || code == ENFILE else {
        throw WatchSystemError(operation: "inotify_init1", code: code)
      }
      hasWarnedAboutLimits = true
      notices.append(.warning(WatchMessage.noInotifyInstance(interval: configuration.fallbackInterval)))
      for root in configuration.roots {
        _ = fallbackPoller().addSubtree(root, reportsItself: true, reportingContents: false)
        if configuration.catchUp != nil {
          // The startup batch went before this first snapshot: what changed meanwhile is unknown.
          notices.append(.rescanNeeded(root: root, reason: WatchMessage.polledWhileStarting))
        }
      }
      return
    }
    var caughtUp: [FileEvent] = []
    for root in configuration.roots {
      let polledBefore = fallback?.polledPaths.count ?? 0
      if !watchRoot(root, reporting: false, catchUp: configuration.catchUp, into: &caughtUp) {
        missingRoots.append(root)
        notices.append(.warning(WatchMessage.rootMissing(root)))
      } else if configuration.catchUp != nil, (fallback?.polledPaths.count ?? 0) > polledBefore {
        // Folders past a limit were handed to polling, whose first snapshot came after the
        // startup batch: one rescan of the root covers them all.
        notices.append(.rescanNeeded(root: root, reason: WatchMessage.polledWhileStarting))
      }
    }
    if !caughtUp.isEmpty { notices.insert(.changed(caughtUp), at: 0) }
    for folder in configuration.shallowFolders { _ = addShallowWatch(folder) }
    publishStatus()
  }

  /// Watches the entries of `folder`; returns whether its events now come (through its own
  /// watch, or the tree's).
  private func addShallowWatch(_ folder: String) -> Bool {
    guard descriptor >= 0 else { return false }
    // The same mask as a root's: adding a watch to a folder the tree watches already returns
    // its watch and sets its mask, which must stay what the tree needs.
    let watch = inotify_add_watch(descriptor, folder, Self.rootMask)
    // Failing is not worth a warning: the stage then checks the folder with stat().
    guard watch >= 0 else { return false }
    if nodes[watch] == nil {
      shallowWatches[watch] = folder
    } else {
      // Inside the tree and not excluded: its events come through the tree's watch.
      shallowFoldersInTree.insert(folder)
    }
    return true
  }

  /// Adds the shallow folders asked for since the last time, each followed by its notice, so
  /// that the events of its entries come after it.
  private func addRequestedShallowFolders() {
    let requested = control.takeRequestedShallowFolders()
    guard !requested.isEmpty else { return }
    for folder in requested {
      sink(.shallowFolder(folder, isWatched: addShallowWatch(folder)))
    }
    publishStatus()
  }

  private func publishStatus() {
    control.publish(
      watchedFolderCount: nodes.count, shallowFolders: shallowFoldersInTree.union(shallowWatches.values))
  }

  /// The inotify instance to wait on, or -1 when there is none (everything is polled).
  var inotifyDescriptor: Int32 { descriptor }

  /// Sends what `setUp` produced (warnings, the changes caught up); the host calls it once,
  /// on the reading thread, before the first turn.
  ///
  /// - Returns: when the first turn is due without an event (see ``turn(isReadable:)``).
  func begin() -> ContinuousClock.Instant? {
    sendNotices()
    nextRootCheck = clock.now + Self.rootCheckInterval
    return nextDeadline
  }

  /// Whether the host should leave the inotify descriptor alone for now (the test pause).
  /// Asking acknowledges the pause to ``InotifyControl/setPaused(_:)``.
  var isPaused: Bool { control.observePause() }

  /// One turn of reading: the notices relayed from the fallback poller, the shallow folders
  /// asked for, the queued events when `isReadable`, the roots' checks and the unclosed writes
  /// that are due; then everything found is sent.
  ///
  /// - Returns: when the next turn is due even without an event or a wake-up (a root to look
  ///   for, a write still open), or `nil`.
  func turn(isReadable: Bool) -> ContinuousClock.Instant? {
    for notice in control.takeRelayed() { sink(notice) }
    addRequestedShallowFolders()
    var report = ChunkReport()
    let now = clock.now
    if isReadable {
      read(into: buffer, report: &report)
      checkRootsStillThere(into: &report)
      rootRecheck = now + Self.rootCheckInterval
    } else if let due = rootRecheck, now >= due {
      checkRootsStillThere(into: &report)
      rootRecheck = nil
    }
    reportUnclosedWrites(dueBy: now, into: &report)
    if !missingRoots.isEmpty && (isReadable || now >= nextRootCheck) {
      // Right after a read too: `rm -rf root && mkdir root` may be done by the time a read
      // reports the deletion.
      checkMissingRoots(into: &report)
      nextRootCheck = now + Self.rootCheckInterval
    }
    send(report)
    publishStatus()
    return nextDeadline
  }

  /// The earliest of the next root checks and the unclosed writes' deadlines.
  private var nextDeadline: ContinuousClock.Instant? {
    var next = rootRecheck
    if !missingRoots.isEmpty { next = min(next ?? nextRootCheck, nextRootCheck) }
    for write in unclosedWrites.values { next = min(next ?? write.deadline, write.deadline) }
    return next
  }

  // MARK: Reading events

  /// Reads the queued events and handles them in order.
  ///
  /// A folder's `IN_MOVED_FROM` left unpaired at the end of a chunk reads the next chunk at once:
  /// its `IN_MOVED_TO` may be there (a full buffer splits the pair), and only a pair is a rename
  /// whose files can be named under both names.
  private func read(into buffer: UnsafeMutableRawPointer, report: inout ChunkReport) {
    while readChunk(into: buffer, report: &report) && !pendingMoves.isEmpty {}
    // A folder moved out has no IN_MOVED_TO. Should one still come later, the folder is handled
    // as moved in: its files are reported created, though not removed under the old name.
    for move in pendingMoves {
      if let node = move.node { drop(node) }
      fallback?.removeSubtrees(atOrUnder: move.path)
    }
    pendingMoves = []
  }

  /// Reads and handles one chunk; returns whether there was one.
  private func readChunk(into buffer: UnsafeMutableRawPointer, report: inout ChunkReport) -> Bool {
    let count = Glibc.read(descriptor, buffer, Self.bufferSize)
    guard count > 0 else { return false }  // EAGAIN or EINTR: poll() again.
    var offset = 0
    while offset + Self.eventHeaderSize <= count {
      let event = buffer + offset
      let watch = event.loadUnaligned(as: Int32.self)
      let mask = event.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
      let cookie = event.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
      let nameCapacity = Int(event.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
      // The name is NUL-padded to `len` bytes (or absent when the event is about the folder).
      let name = (event + Self.eventHeaderSize).withMemoryRebound(to: UInt8.self, capacity: nameCapacity) {
        var length = 0
        while length < nameCapacity && $0[length] != 0 { length += 1 }
        return String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
      }
      handle(watch: watch, mask: mask, cookie: cookie, name: name, report: &report)
      offset += Self.eventHeaderSize + nameCapacity
    }
    return true
  }

  private func handle(watch: Int32, mask: UInt32, cookie: UInt32, name: String, report: inout ChunkReport) {
    if mask & UInt32(IN_Q_OVERFLOW) != 0 {
      rebuild(into: &report)
      return
    }
    guard let node = nodes[watch] else {
      if let folder = shallowWatches[watch] { handleShallow(folder, watch: watch, mask: mask, name: name, report: &report) }
      // Unknown: an event queued before its folder was dropped (IN_IGNORED, mostly).
      return
    }
    if name.isEmpty {
      let isGone = mask & (UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_IGNORED)) != 0
      if isGone && node.isRoot {
        rootGone(node, into: &report)
      } else if mask & UInt32(IN_IGNORED) != 0 {
        // A subfolder's deletion or move is handled through its parent's events; IN_IGNORED
        // only says the kernel dropped the watch (deleted, unmounted).
        drop(node)
      }
      return
    }
    guard let path = node.path(appending: name) else { return }
    let isDirectory = mask & UInt32(IN_ISDIR) != 0
    if isDirectory && configuration.exclusion.excludes(directory: path, name: name[...]) {
      if configuration.reportedExcludedFolders.contains(path) {
        if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { report.append(path, .created, isDirectory: true) }
        if mask & UInt32(IN_DELETE | IN_MOVED_FROM) != 0 { report.append(path, .removed, isDirectory: true) }
      }
      return
    }

    if mask & UInt32(IN_CREATE) != 0 {
      report.append(path, .created, isDirectory: isDirectory, isNew: true)
      if isDirectory { watchNewFolder(at: path, parent: node, name: name, into: &report) }
    }
    if mask & UInt32(IN_MOVED_FROM) != 0 {
      report.append(path, .removed, isDirectory: isDirectory)
      if isDirectory {
        let child = node.children.removeValue(forKey: name)
        pendingMoves.append(PendingMove(cookie: cookie, path: path, node: child))
      }
    }
    if mask & UInt32(IN_MOVED_TO) != 0 {
      report.append(path, .created, isDirectory: isDirectory)
      if isDirectory {
        if let index = pendingMoves.firstIndex(where: { $0.cookie == cookie }) {
          rename(pendingMoves.remove(at: index), to: path, parent: node, name: name, into: &report)
        } else {
          watchNewFolder(at: path, parent: node, name: name, into: &report)
        }
      }
    }
    if mask & UInt32(IN_DELETE) != 0 {
      report.append(path, .removed, isDirectory: isDirectory)
      if isDirectory {
        if let child = node.children[name] { drop(child) }
        fallback?.removeSubtrees(atOrUnder: path)
      }
    }
    if mask & UInt32(IN_DELETE | IN_MOVED_FROM) != 0 {
      unclosedWrites[path] = nil
      attributesReported.remove(path)
    }
    if mask & UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO) != 0 { attributesReported.remove(path) }
    if mask & UInt32(IN_CLOSE_WRITE) != 0 && !isDirectory && attributesReported.remove(path) != nil {
      // The close of a `touch`: its change of times was reported, and nothing was written.
    } else if mask & UInt32(IN_CLOSE_WRITE | IN_ATTRIB) != 0 && !isDirectory {
      // Not for an attribute change during a write: that write's close is news.
      if mask & UInt32(IN_ATTRIB) != 0 && unclosedWrites[path] == nil {
        attributesReported.insert(path)
      }
      unclosedWrites[path] = nil
      report.append(path, .modified, isDirectory: false)
    } else if mask & UInt32(IN_MODIFY) != 0 && !isDirectory && unclosedWrites[path] == nil {
      let now = ContinuousClock.now
      unclosedWrites[path] = UnclosedWrite(deadline: now + configuration.unclosedWriteDelay, firstWrite: now)
    }
  }

  /// Reports the files written to and still open whose delay has passed.
  private func reportUnclosedWrites(dueBy now: ContinuousClock.Instant, into report: inout ChunkReport) {
    guard !unclosedWrites.isEmpty else { return }
    for (path, write) in unclosedWrites where write.deadline <= now {
      var info = stat()
      if stat(path, &info) == 0, info.st_size == 0, now < write.firstWrite + configuration.emptyFilePatience {
        unclosedWrites[path]?.deadline = now + configuration.unclosedWriteDelay
        continue
      }
      unclosedWrites[path] = nil
      report.append(path, .modified, isDirectory: false)
    }
  }

  /// An entry of a shallow folder changed: report it, never descend.
  private func handleShallow(_ folder: String, watch: Int32, mask: UInt32, name: String, report: inout ChunkReport) {
    if name.isEmpty {
      if mask & UInt32(IN_IGNORED) != 0 {
        shallowWatches[watch] = nil
        report.notices.append(.shallowFolder(folder, isWatched: false))
      }
      return
    }
    let path = DirectoryWalker.join(folder, name)
    let isDirectory = mask & UInt32(IN_ISDIR) != 0
    if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { report.append(path, .created, isDirectory: isDirectory) }
    if mask & UInt32(IN_DELETE | IN_MOVED_FROM) != 0 {
      report.append(path, .removed, isDirectory: isDirectory, dropsTransient: false)
    }
    if mask & UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB) != 0 && !isDirectory {
      report.append(path, .modified, isDirectory: false)
    }
  }

  /// Watches a folder that was created or moved in, and reports what it already holds.
  private func watchNewFolder(at path: String, parent: WatchNode, name: String, into report: inout ChunkReport) {
    var events: [FileEvent] = []
    watchTree(at: path, parent: parent, name: name, reporting: true, into: &events)
    report.append(contentsOf: events)
  }

  /// A folder renamed inside the tree keeps its watches: re-home its node (and so every
  /// descendant's path) under its new parent and name, then walk it under the new name.
  ///
  /// The walk matters for two reasons. Its files changed paths, and nothing else reports them:
  /// each entry found is reported `.removed` under the old name and `.created` under the new
  /// one, like a polling round would (the old names are those found now, so an entry deleted
  /// between the rename and this walk leaves only the folder's own `.removed`). And the node
  /// may be missing or incomplete: a folder made and renamed at once (`mkdir -p d/sub && mv d
  /// e`) is often renamed before its `IN_CREATE` is handled, so its watch, or a subfolder's,
  /// could not be added under the old path. Re-adding a watch that exists keeps it.
  private func rename(_ move: PendingMove, to path: String, parent: WatchNode, name: String, into report: inout ChunkReport) {
    if let node = move.node {
      // rename(2) may replace an empty folder; its watch ends with it.
      if let replaced = parent.children[name], replaced !== node { drop(replaced) }
      node.name = name
      node.parent = parent
      parent.children[name] = node
    }
    fallback?.moveSubtrees(from: move.path, to: path)
    let polled = Set(fallback?.polledPaths.filter { DirectoryWalker.isPath($0, atOrUnder: path) } ?? [])
    var found: [FileEvent] = []
    watchTree(at: path, parent: parent, name: name, reporting: true, skipping: polled, into: &found)
    let oldPrefix = move.path.utf8.count
    let newPrefix = path.utf8.count
    func oldPath(_ newPath: String) -> String? {
      guard DirectoryWalker.isPath(newPath, atOrUnder: path) else { return nil }
      return move.path + String(newPath.utf8.dropFirst(newPrefix))!
    }
    for event in found {
      if let old = oldPath(event.path) { report.append(old, .removed, isDirectory: event.isDirectory) }
    }
    report.append(contentsOf: found)
    // A file written under the old name and still open is reported under the new one.
    for (written, write) in unclosedWrites where DirectoryWalker.isPath(written, atOrUnder: move.path) {
      unclosedWrites[written] = nil
      unclosedWrites[path + String(written.utf8.dropFirst(oldPrefix))!] = write
    }
  }

  // MARK: Roots

  /// Watches a root recursively; returns whether it is now watched (or polled).
  private func watchRoot(
    _ root: String, reporting: Bool, catchUp: StartupCatchUp? = nil, into events: inout [FileEvent]
  ) -> Bool {
    guard DirectoryWalker.isDirectory(root) else { return false }
    watchTree(at: root, parent: nil, name: root, reporting: reporting, catchUp: catchUp, into: &events)
    return rootNodes[root] != nil || fallback?.polledPaths.contains(root) == true
  }

  /// A root deleted while a process has it as its working directory (`pipeline` itself, for
  /// the pipeline's own folder) gives no IN_DELETE_SELF until the last user lets go of it: the
  /// root is looked at after each read of events, and is gone when its path no longer names
  /// the folder that was watched.
  private func checkRootsStillThere(into report: inout ChunkReport) {
    for (root, node) in rootNodes {
      var info = stat()
      let isThere = stat(root, &info) == 0 && rootInodes[root].map { $0 == UInt64(info.st_ino) } ?? true
      if !isThere { rootGone(node, into: &report) }
    }
  }

  private func rootGone(_ node: WatchNode, into report: inout ChunkReport) {
    let root = node.name
    report.append(root, .removed, isDirectory: true)
    drop(node)
    fallback?.removeSubtrees(atOrUnder: root)
    missingRoots.append(root)
    report.notices.append(.warning(WatchMessage.rootGone(root)))
  }

  /// Watches the missing roots that are back; each then gets `.created` events for what it
  /// holds and a `.rescanNeeded`.
  private func checkMissingRoots(into report: inout ChunkReport) {
    var stillMissing: [String] = []
    for root in missingRoots {
      var events = [FileEvent(path: root, kind: .created, isDirectory: true)]
      guard watchRoot(root, reporting: true, into: &events) else {
        stillMissing.append(root)
        continue
      }
      report.append(contentsOf: events)
      report.notices.append(.rescanNeeded(root: root, reason: WatchMessage.rootCameBack))
    }
    missingRoots = stillMissing
  }

  /// After IN_Q_OVERFLOW: events were lost, so the table may be wrong. Walk every root again
  /// into a fresh table (re-adding a watch to a folder that has one returns the same watch),
  /// remove the watches that are no longer in it, and ask for a rescan of each root.
  private func rebuild(into report: inout ChunkReport) {
    let previous = nodes
    nodes = [:]
    rootNodes = [:]
    pendingMoves = []
    polledDuringRebuild = []
    for root in configuration.roots where !missingRoots.contains(root) {
      var ignored: [FileEvent] = []
      if watchRoot(root, reporting: false, into: &ignored) {
        report.notices.append(.rescanNeeded(root: root, reason: WatchMessage.queueOverflowed))
      } else {
        report.append(root, .removed, isDirectory: true)
        missingRoots.append(root)
        report.notices.append(.warning(WatchMessage.rootGone(root)))
      }
    }
    for watch in previous.keys where nodes[watch] == nil && shallowWatches[watch] == nil {
      inotify_rm_watch(descriptor, watch)
    }
    if let polled = polledDuringRebuild { fallback?.retainSubtrees(polled) }
    polledDuringRebuild = nil
  }

  // MARK: The watch table

  /// Watches the folder at `path` and every folder inside it except excluded ones.
  ///
  /// Each watch is added *before* its folder is read, so an entry created meanwhile is seen by
  /// the read, by the watch, or both (a duplicate `.created` is harmless; a miss is not). With
  /// `reporting`, every entry found is appended as `.created`; with `catchUp`, what changed
  /// since the launch is appended as `.modified`, and a folder that lost an entry is queued for
  /// a rescan.
  private func watchTree(
    at path: String, parent: WatchNode?, name: String, reporting: Bool, catchUp: StartupCatchUp? = nil,
    skipping polled: Set<String> = [], into events: inout [FileEvent]
  ) {
    var pending = [(path: path, parent: parent, name: name)]
    while let (path, parent, name) = pending.popLast() {
      if polled.contains(path) { continue }  // The fallback poller has it already.
      guard let node = addWatch(at: path, parent: parent, name: name, reporting: reporting, into: &events) else {
        continue
      }
      guard let entries = DirectoryWalker.entries(of: path, followingSymlink: node.isRoot) else {
        let code = errno
        if code == EMFILE || code == ENFILE {
          // Watched but unreadable for now: poll it instead, which retries every interval.
          drop(node)
          warnAboutLimits(WatchMessage.tooManyOpenFiles(
            at: path, interval: configuration.fallbackInterval, systemWide: code == ENFILE))
          poll(path, isRoot: node.isRoot, reporting: reporting, into: &events)
        }
        continue
      }
      if let catchUp {
        let (changed, needsRescan) = catchUp.changes(in: path, entries: entries, exclusion: configuration.exclusion)
        events += changed
        if needsRescan { notices.append(.rescanNeeded(root: path, reason: WatchMessage.changedWhileStarting)) }
      }
      // A file's path is made only when it is reported: most are not, at the start.
      for entry in entries where entry.isDirectory || reporting {
        let childPath = DirectoryWalker.join(path, entry.name)
        if entry.isDirectory && configuration.exclusion.excludes(directory: childPath, name: entry.name[...]) {
          continue
        }
        // Found in a folder that is new itself: nothing in it existed before.
        if reporting { events.append(FileEvent(path: childPath, kind: .created, isDirectory: entry.isDirectory, isNew: true)) }
        if entry.isDirectory { pending.append((childPath, node, entry.name)) }
      }
    }
  }

  /// Adds the watch of one folder and its node; returns `nil` when the folder is not to be read
  /// (gone already, unreadable, seen through another path, or handed to polling).
  private func addWatch(
    at path: String, parent: WatchNode?, name: String, reporting: Bool, into events: inout [FileEvent]
  ) -> WatchNode? {
    let isRoot = parent == nil
    if configuration.polledSubtrees.contains(path) {
      // On a mount that delivers no events: a watch would stay silent.
      poll(path, isRoot: isRoot, reporting: reporting, into: &events)
      return nil
    }
    var watch: Int32 = -1
    var code = ENOSPC
    if configuration.maxWatches.map({ nodes.count < $0 }) ?? true {
      watch = inotify_add_watch(descriptor, path, isRoot ? Self.rootMask : Self.folderMask)
      code = errno
    }
    guard watch >= 0 else {
      if code == ENOSPC || code == ENOMEM {
        warnAboutLimits(WatchMessage.watchLimitReached(
          limit: configuration.maxWatches ?? Self.systemWatchLimit(), at: path,
          interval: configuration.fallbackInterval))
        poll(path, isRoot: isRoot, reporting: reporting, into: &events)
      }
      if code == EACCES {
        // Unreadable now (chmod 000, another user's folder): polled, so that what it holds is
        // seen once it can be read, instead of a folder that stays deaf for the whole run.
        if unreadableFoldersWarnedAbout < Self.unreadableWarningLimit {
          unreadableFoldersWarnedAbout += 1
          notices.append(.warning(WatchMessage.folderUnreadable(path, interval: configuration.fallbackInterval)))
        }
        poll(path, isRoot: isRoot, reporting: reporting, into: &events)
      }
      // ENOENT, ENOTDIR: gone or replaced since it was seen (its parent's events say so).
      return nil
    }
    let existingChild: WatchNode? = if let parent { parent.children[name] } else { rootNodes[path] }
    if let existing = nodes[watch] {
      // The kernel returns the same watch for the same folder: re-adding one (a folder reported
      // twice) keeps it; the same folder under another path (a bind mount, maybe of its own
      // parent) is watched once, under the first path, so a loop cannot recurse forever.
      return existing === existingChild ? existing : nil
    }
    if let existingChild { drop(existingChild) }  // Replaced by a new folder of the same name.
    let node = WatchNode(watch: watch, name: name, parent: parent)
    nodes[watch] = node
    if let parent {
      parent.children[name] = node
    } else {
      rootNodes[path] = node
      var info = stat()
      rootInodes[path] = stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }
    return node
  }

  /// Forgets `node` and everything below it, removing their watches (a watch the kernel already
  /// removed just makes `inotify_rm_watch` fail).
  private func drop(_ node: WatchNode) {
    var pending = [node]
    while let current = pending.popLast() {
      pending.append(contentsOf: current.children.values)
      if nodes[current.watch] === current {
        nodes[current.watch] = nil
        if shallowWatches[current.watch] == nil { inotify_rm_watch(descriptor, current.watch) }
      }
    }
    if let parent = node.parent, parent.children[node.name] === node {
      parent.children[node.name] = nil
    }
    if node.isRoot && rootNodes[node.name] === node { rootNodes[node.name] = nil }
  }

  // MARK: Limits and polling

  private func poll(_ path: String, isRoot: Bool, reporting: Bool, into events: inout [FileEvent]) {
    events += fallbackPoller().addSubtree(path, reportsItself: isRoot, reportingContents: reporting)
    polledDuringRebuild?.insert(path)
  }

  private func fallbackPoller() -> PollingWatcher {
    if let fallback { return fallback }
    let poller = PollingWatcher(
      roots: [], exclusion: configuration.exclusion, interval: configuration.fallbackInterval,
      cpuBudget: configuration.fallbackCPUBudget)
    do {
      try poller.start { [control] notice in control.relay(notice) }
    } catch {
      notices.append(.warning("cannot poll the folders inotify could not watch: \(error)"))
    }
    fallback = poller
    control.publish(fallback: poller)
    return poller
  }

  /// Queues the limit warning, once per start: one limit reached usually means many folders.
  private func warnAboutLimits(_ message: String) {
    guard !hasWarnedAboutLimits else { return }
    hasWarnedAboutLimits = true
    notices.append(.warning(message))
  }

  /// `fs.inotify.max_user_watches`, for the warning.
  private static func systemWatchLimit() -> Int? {
    let descriptor = open("/proc/sys/fs/inotify/max_user_watches", O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var bytes = [UInt8](repeating: 0, count: 32)
    let count = Glibc.read(descriptor, &bytes, bytes.count)
    guard count > 0 else { return nil }
    return Int(String(decoding: bytes[..<count], as: UTF8.self).filter(\.isNumber))
  }

  // MARK: Sending

  private func send(_ report: ChunkReport) {
    if !report.events.isEmpty { sink(.changed(report.events)) }
    for notice in report.notices { sink(notice) }
    sendNotices()
  }

  private func sendNotices() {
    let pending = notices
    notices = []
    for notice in pending { sink(notice) }
  }
}
