import PipelineCore

/// Turns the watcher's notices into batches and sends them on, holding them while git works
/// (see ``GitHoldStateMachine``).
///
/// It follows the git dir while running: a `.git` made after the start (`git init`,
/// `git clone` into the watched folder) is found when its creation is seen (or, where that
/// creation is not watched, at the next batch), and holds changes from then on as if it had
/// been there at the start; a git dir that goes away stops holding, and whatever was held goes
/// on. Until inotify watches a newly found git dir, its state is read with `stat`.
struct WatchBatcher {
  let stage: WatchStage
  let output: StageOutput
  /// The inotify backend, to add the watch of a git dir found later; `nil` when polling.
  let watcher: InotifyWatcher?
  let continuation: AsyncStream<WatchStage.Message>.Continuation
  /// The git dir followed now; `nil` outside a repository, or with `hold_during_git: false`.
  private(set) var git: GitDirectory?
  /// Whether the entries of ``git`` come as events, in order with the tree's (otherwise each
  /// decision stats them).
  private(set) var gitEvents: Bool
  /// Whether ``git`` lies in the watched tree, so that its entries are changes too.
  private var reportsGit: Bool
  var machine: GitHoldStateMachine
  var timer: Task<Void, Never>?
  var timerDue: ContinuousClock.Instant?
  let clock = ContinuousClock()

  init(
    stage: WatchStage, output: StageOutput, watcher: InotifyWatcher?, gitEvents: Bool,
    continuation: AsyncStream<WatchStage.Message>.Continuation
  ) {
    self.stage = stage
    self.output = output
    self.watcher = watcher
    self.continuation = continuation
    git = stage.gitDirectory
    self.gitEvents = gitEvents
    reportsGit = stage.gitDirectory.map(stage.reports) ?? false
    let pollingInterval: Duration? = switch stage.configuration.polling {
    case .every(let interval): interval
    case .auto: stage.polledMounts.isEmpty ? nil : WatchPolling.defaultInterval
    case .off: nil
    }
    machine = GitHoldStateMachine(pollingInterval: pollingInterval)
    if let git, gitEvents { machine.observe(git.snapshot(), at: clock.now) }
  }

  private var context: StageContext { stage.context }

  mutating func handle(_ notice: WatchNotice) {
    switch notice {
    case .changed(let events):
      var changes: [Change] = []
      for event in events {
        if event.path == stage.dotGitPath && stage.configuration.holdsDuringGit {
          // `git init`, `git clone`, or `.git` deleted: what follows is ordered after it.
          flush(&changes)
          refreshGitDirectory(rewatch: true)
          // The `.git` folder is excluded: only its coming and going was reported, for this.
          if event.isDirectory && !reportsGit { continue }
        }
        if let git, let name = Self.entryName(event.path, in: git.path) {
          if gitEvents {
            // Ordered: the changes before this one were made before git's step.
            flush(&changes)
            machine.observe(entry: name, kind: event.kind, at: clock.now)
          }
          if !reportsGit { continue }
        }
        if event.isDirectory && event.kind != .removed { continue }
        changes.append(
          Change(path: PathText.relative(event.path, to: context.root), kind: event.kind, appearedInBatch: event.isNew))
      }
      flush(&changes)
    case .rescanNeeded(let folder, let reason):
      context.emit(.warning, "\(reason): treating everything under \(PathText.relative(folder, to: context.root)) as changed")
      // Events were lost, the git dir's maybe too.
      refreshGitDirectory(rewatch: true)
      if let git { machine.observe(git.snapshot(), at: clock.now) }
      receive(Batch(isRescan: true))
    case .warning(let message):
      context.emit(.warning, message)
    case .shallowFolder(let folder, let isWatched):
      guard folder == git?.path else { return }  // A git dir followed before: no longer of use.
      let wasWatched = gitEvents
      gitEvents = isWatched
      if isWatched, let git {
        // From here on its events come in order; this reads what happened before.
        machine.observe(git.snapshot(), at: clock.now)
      } else {
        // Deleted or moved (or never watchable): find where git is now. A watch that worked
        // and ended is tried again for a git dir made anew at the same place.
        refreshGitDirectory(rewatch: wasWatched)
      }
    }
  }

  /// Looks for the git dir again and follows the one found (none: nothing holds any more).
  ///
  /// - Parameter rewatch: Ask for an inotify watch even when the git dir found is the one
  ///   followed, if its events do not come now.
  private mutating func refreshGitDirectory(rewatch: Bool) {
    guard stage.configuration.holdsDuringGit else { return }
    let found = GitDirectory.find(above: context.root)
    if found == git {
      if rewatch, let git, !gitEvents { watchEntries(of: git) }
      return
    }
    git = found
    gitEvents = false
    reportsGit = found.map(stage.reports) ?? false
    // Replaces what was known: a lock of a git dir that is gone holds nothing.
    machine.observe(found?.snapshot() ?? GitSnapshot(), at: clock.now)
    if let found { watchEntries(of: found) }
    if machine.held != nil { checkHold() }
  }

  private func watchEntries(of git: GitDirectory) {
    guard let watcher, WatchStage.canWatch(git, mountTable: stage.mountTable) else { return }
    watcher.watchShallowFolder(git.path)
  }

  private mutating func flush(_ changes: inout [Change]) {
    guard !changes.isEmpty else { return }
    var batch = Batch(changes)
    batch.detectedAt = ContinuousClock.now  // the start of "change → app ready"
    receive(batch)
    changes = []
  }

  private mutating func receive(_ batch: Batch) {
    if git == nil || (!gitEvents && !DirectoryWalker.isDirectory(git!.path)) {
      // Where no event says that a `.git` came or went (a polled tree, a repository above the
      // watched folders), this is when it is noticed: a few `stat` calls per batch.
      refreshGitDirectory(rewatch: false)
    }
    guard let git else {
      // Nothing can be held without a git dir, but changes held before it went go on first.
      if machine.held != nil { return perform(machine.receive(batch, at: clock.now)) }
      return send(batch)
    }
    if !gitEvents && machine.held == nil { machine.observe(git.snapshot(), at: clock.now) }
    perform(machine.receive(batch, at: clock.now))
  }

  mutating func checkHold() {
    timerDue = nil
    if let git, !gitEvents { machine.observe(git.snapshot(), at: clock.now) }
    perform(machine.check(at: clock.now))
  }

  private mutating func perform(_ actions: [GitHoldStateMachine.Action]) {
    for action in actions {
      switch action {
      case .send(let batch):
        send(batch)
      case .startedHolding(let reason):
        context.emit(.changesHeld, WatchMessage.holding(reason))
      case .release(let batch, let release):
        let count = batch.changes.count
        if release == .staleLock {
          context.emit(.warning, WatchMessage.staleLock(in: stage.displayed(git?.path ?? ".git"), count: count))
        } else {
          var runsExec = false
          if case .waiting(let reason) = release, reason.evidence == "rebase-merge" {
            runsExec = git?.lastRebaseStepIsExec() ?? false
          }
          context.emit(
            .changesReleased, WatchMessage.released(release, count: count, runsExec: runsExec),
            metadata: ["count": String(count)])
        }
        send(batch)
      case .checkAgain(let instant):
        schedule(at: instant)
      }
    }
  }

  private func send(_ batch: Batch) {
    // `pipeline run` reloads when the pipeline's own file changes.
    let definitionFiles = context.ownWrites.definitionFiles(in: batch)
    if !definitionFiles.isEmpty {
      context.emit(.pipelineFileChanged, definitionFiles.joined(separator: ", "), paths: definitionFiles)
    }
    // The events log may lie in the tree: each line written to it would be a change, whose
    // event is another line, forever. The pipeline's file is no change of the app's either.
    let batch = context.ownWrites.withoutPipelineFiles(batch)
    guard !batch.isEmpty else { return }
    context.emit(.changesDetected, batch.description, paths: batch.paths)
    output.send(batch)
  }

  private mutating func schedule(at instant: ContinuousClock.Instant) {
    if let timerDue, timerDue <= instant { return }  // It fires first and checks again.
    timer?.cancel()
    timerDue = instant
    let continuation = self.continuation
    // Made on the reading thread too, which need not be the engine's: the engine's, explicitly.
    timer = Task(executorPreference: EngineExecutor.shared) {
      try? await EngineExecutor.sleep(until: instant)
      if !Task.isCancelled { continuation.yield(.due) }
    }
  }

  func stopTimer() { timer?.cancel() }

  /// The name of `path` when it is an entry of the folder `folder` itself.
  static func entryName(_ path: String, in folder: String) -> String? {
    guard path.hasPrefix(folder), path.utf8.count > folder.utf8.count + 1 else { return nil }
    let rest = path.utf8.dropFirst(folder.utf8.count)
    guard rest.first == UInt8(ascii: "/"), !rest.dropFirst().contains(UInt8(ascii: "/")) else { return nil }
    return String(rest.dropFirst())
  }
}
