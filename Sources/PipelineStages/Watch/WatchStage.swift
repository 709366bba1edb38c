import PipelineCore
@preconcurrency import Glibc

/// Watches folders and emits a batch for every change it sees; at start it emits one
/// startup batch, so the app is built and started at once.
///
/// ```yaml
/// - stage: watch
///   paths: [src, templates]   # relative to the pipeline's folder
///   poll: auto                # inotify, but folders on mounts without events are polled
///   poll_cpu: 5%              # the share of a core polling may use
///   hold_during_git: true     # a checkout or rebase becomes one batch
/// ```
///
/// Folders named in `exclude_dirs` (and the defaults: `.git`, `node_modules`, `.build`, `tmp`,
/// `vendor`…) are never watched at all.
///
/// ```
///  InotifyWatcher ─┬─ tree: one watch per folder; mounts without events ─▶ fallback poller
///  (or Polling…)   └─ git dir: its entries only (index.lock, MERGE_HEAD…)
///        │ notices, in the kernel's order
///        ▼
///  WatchBatcher ── changes ──▶ GitHoldStateMachine ── send / hold / release ──▶ output
/// ```
struct WatchStage: Stage {
  /// Folders that are never worth watching: version control, dependencies, build output.
  static let defaultExcludedDirectories = [
    ".git", ".hg", ".svn", ".build", ".swiftpm", "node_modules", "tmp", "vendor", "__pycache__",
    ".pytest_cache", ".mypy_cache", ".venv", ".idea", ".gradle",
  ]

  struct Configuration: StageConfiguration {
    var paths: [String]
    var pathsLocation: SourceLocation?

    var watchedFolders: [String]? { paths }
    var polling: WatchPolling
    var pollingCPU: PollingCPUBudget
    var excludedDirectories: [String]
    var emitsStartupBatch: Bool
    var holdsDuringGit: Bool

    init(options: StageOptions) throws {
      paths = try options.value(
        "paths", default: ["."], help: "Folders to watch, relative to the pipeline's folder.")
      pathsLocation = options.location(of: "paths") ?? options.location
      polling = try options.value(
        "poll", default: .auto,
        help: "auto: inotify, and folders on mounts that deliver no inotify events (9p, virtiofs, NFS, SMB, sshfs, Docker Desktop and VirtualBox shares…) are scanned every 500ms. "
          + "true or an interval (1s): scan the whole tree instead of using inotify. false: inotify everywhere.")
      pollingCPU = try options.value(
        "poll_cpu", default: .default,
        help: "The share of one core polling may use. Every round finds created, removed and renamed files (atomic saves among them); "
          + "edits in place are found by stat'ing files, every round where something changed in the last minute, elsewhere in rotation within this share "
          + "(on 50,000 files at 500ms and 5%, within a few seconds). 100%: stat every file every round.")
      let extra = try options.value(
        "exclude_dirs", default: [String](),
        help: "More folder names or paths (relative to the pipeline's folder) never to watch.")
      for (index, glob) in extra.enumerated() where glob.isMeantAsAGlob {
        try options.reject(
          "exclude_dirs", "'\(glob)' is a glob, and folder names are taken as written in 'exclude_dirs'",
          at: options.item(index, of: "exclude_dirs"),
          help: "write folder names (generated) or paths relative to the pipeline's folder (build/out); to drop paths by glob, use the filter's exclude, like exclude: [\"**/gen/**\"]")
      }
      let useDefaults = try options.value(
        "default_excludes", default: true,
        help: "Also exclude \(WatchStage.defaultExcludedDirectories.joined(separator: ", ")).")
      excludedDirectories = (useDefaults ? WatchStage.defaultExcludedDirectories : []) + extra
      emitsStartupBatch = try options.value(
        "initial", default: true,
        help: "Emit a startup batch, so the app is built and started at once. After a reload of the pipeline file it is emitted anyway.")
      holdsDuringGit = try options.value(
        "hold_during_git", default: true,
        help: "While git rewrites the work tree (index.lock exists, or a rebase, merge, cherry-pick, revert or bisect is under way and git is active), "
          + "hold the changes and send them as one batch when git is done. A stopped rebase or merge does not hold your edits.")
      if paths.isEmpty {
        try options.reject("paths", "'paths' is empty", help: "list at least one folder, like [.]")
      }
    }
  }

  static let role = StageRole.source
  static let prefersEngineThread = true
  static let summary = "Watches folders (inotify, or polling) and emits the changes; starts with a startup batch."
  static let example = "- stage: watch\n  paths: [.]"

  let configuration: Configuration
  let context: StageContext
  let roots: [String]
  let exclusion: WatchExclusion
  /// The folders `poll: auto` polls (mounts without events).
  let polledMounts: [PolledMount]
  /// Where git keeps its state, when `hold_during_git` is on and there is a repository at the
  /// start. A git dir that appears or goes later is followed while running (`WatchBatcher`).
  let gitDirectory: GitDirectory?
  /// Whether the git dir can be watched with inotify (it is not on a mount without events).
  let watchesGitDirectory: Bool
  /// The mounts consulted to decide whether a git dir can be watched with inotify.
  let mountTable: MountTable
  /// Where `git init` or `git clone` would make the `.git` that ``GitDirectory/find(above:)``
  /// finds first: its creation and removal are watched for, though `.git` is excluded.
  var dotGitPath: String { DirectoryWalker.join(DirectoryWalker.absolutePath(context.root), ".git") }

  init(configuration: Configuration, context: StageContext) throws {
    try self.init(
      configuration: configuration, context: context,
      mountTable: configuration.polling == .auto ? .current() : MountTable(mounts: []))
  }

  /// - Parameter mountTable: The mounts `poll: auto` consults; tests pass a made-up one.
  init(configuration: Configuration, context: StageContext, mountTable: MountTable) throws {
    self.configuration = configuration
    self.context = context
    roots = configuration.paths.map { context.absolutePath($0) }
    // Every path that is not a folder, in one error: a fix of the first does not reveal the next.
    let missing = zip(configuration.paths, roots).filter { _, root in !DirectoryWalker.isDirectory(root) }
    if !missing.isEmpty {
      let named = missing.map { path, root in "'\(path)' (\(root))" }
      throw Diagnostic(
        at: configuration.pathsLocation,
        missing.count == 1
          ? "watch path '\(missing[0].0)' is not a folder (\(missing[0].1))"
          : "watch paths \(named.joined(separator: ", ")) are not folders",
        help: "create \(missing.count == 1 ? "it" : "them"), or fix 'paths' (paths are relative to the pipeline file's folder)")
    }
    var names = Set<String>()
    var paths = Set<String>()
    for entry in configuration.excludedDirectories {
      if entry.contains("/") { paths.insert(context.absolutePath(entry)) } else { names.insert(entry) }
    }
    exclusion = WatchExclusion(directoryNames: names, directoryPaths: paths)
    polledMounts = configuration.polling == .auto
      ? mountTable.subtreesWithoutEvents(under: roots, exclusion: exclusion) : []
    self.mountTable = mountTable
    gitDirectory = configuration.holdsDuringGit ? GitDirectory.find(above: context.root) : nil
    watchesGitDirectory = gitDirectory.map { [mountTable] in Self.canWatch($0, mountTable: mountTable) } ?? false
  }

  /// Whether inotify sees the changes of `git`'s entries: not on a mount without events, where
  /// the lock is stat'ed instead.
  static func canWatch(_ git: GitDirectory, mountTable: MountTable) -> Bool {
    let real = MountTable.realPath(git.path) ?? git.path
    let type = mountTable.mount(containing: real)?.fileSystemType ?? ""
    return !MountTable.fileSystemsWithoutEvents.contains(type)
  }

  /// Whether `git` is part of the watched tree (`default_excludes: false`): then its entries are
  /// reported as changes too.
  func reports(_ git: GitDirectory) -> Bool {
    roots.contains { root in
      DirectoryWalker.isPath(git.path, atOrUnder: root)
        && !exclusion.excludes(anyFolderOf: git.path.dropFirst(root.count), under: root)
    }
  }

  enum Message: Sendable {
    case notice(WatchNotice)
    /// A check of a git hold is due.
    case due
  }

  /// `initial`, or a reload: changes made while the pipeline reloaded were seen by no watch.
  var emitsStartupBatch: Bool { configuration.emitsStartupBatch || context.isReload }

  func run(input: StageInput, output: StageOutput) async throws {
    let watcher: any FileWatcher
    let backend: String
    // With inotify alone, the first build need not wait for the walk: it starts now, and the
    // walk reports what changed meanwhile (StartupCatchUp). A poller's first snapshot cannot
    // tell, so with polling the startup batch waits for it.
    var startsBeforeWalk = false
    switch configuration.polling {
    case .off, .auto:
      startsBeforeWalk = emitsStartupBatch && polledMounts.isEmpty
      watcher = InotifyWatcher(
        roots: roots, exclusion: exclusion, fallbackInterval: WatchPolling.defaultInterval,
        fallbackCPUBudget: configuration.pollingCPU.watcherBudget,
        polledSubtrees: polledMounts.map(\.path),
        shallowFolders: watchesGitDirectory ? gitDirectory.map { [$0.path] } ?? [] : [],
        reportedExcludedFolders: configuration.holdsDuringGit ? [dotGitPath] : [],
        catchUp: startsBeforeWalk ? StartupCatchUp.now(roots: DirectoryWalker.outermostRoots(roots)) : nil)
      backend = "inotify"
    case .every(let interval):
      watcher = PollingWatcher(
        roots: roots, exclusion: exclusion, interval: interval, cpuBudget: configuration.pollingCPU.watcherBudget)
      backend = "polling every \(interval.pipelineText)"
    }

    let (messages, continuation) = AsyncStream<Message>.makeStream()
    if startsBeforeWalk { output.send(context.startupBatch) }
    try await Self.startOffThePool(watcher) { notice in continuation.yield(.notice(notice)) }
    defer { watcher.stop() }

    var shown = "watching \(configuration.paths.joined(separator: ", ")) (\(backend)"
    var metadata = ["watched": configuration.paths.joined(separator: ","), "backend": backend]
    if !polledMounts.isEmpty {
      let mounts = polledMounts.map { (path: displayed($0.path), type: $0.fileSystemType) }
      shown += "; " + WatchMessage.mountsPolled(mounts, interval: WatchPolling.defaultInterval)
      metadata["polled"] = mounts.map { "\($0.path)=\($0.type)" }.joined(separator: ",")
    }
    if let gitDirectory { metadata["git_dir"] = gitDirectory.path }
    context.emit(.watchReady, shown + ")", metadata: metadata)
    if emitsStartupBatch && !startsBeforeWalk { output.send(context.startupBatch) }

    // Whether the git dir's entries come as events, in order with the tree's (otherwise each
    // decision stats them).
    let gitEvents = gitDirectory.map { (watcher as? InotifyWatcher)?.status.shallowFolders.contains($0.path) == true } ?? false
    let reader = Task(executorPreference: EngineExecutor.here) {
      // A source's input yields nothing; it ends when the pipeline stops.
      for await _ in input {}
      watcher.stop()
      continuation.finish()
    }
    defer { reader.cancel() }

    var batcher = WatchBatcher(
      stage: self, output: output, watcher: watcher as? InotifyWatcher, gitEvents: gitEvents, continuation: continuation)
    for await message in messages {
      switch message {
      case .notice(let notice): batcher.handle(notice)
      case .due: batcher.checkHold()
      }
    }
    batcher.stopTimer()
  }

  /// Starts `watcher` on a thread of its own and waits for it. Its walk, which adds the watches,
  /// blocks for as long as the tree is big (about 80 ms for 5,000 folders, far more on a busy
  /// machine); on the cooperative pool it would hold one of its few threads (one per core) while
  /// the startup batch's build needs them.
  private static func startOffThePool(
    _ watcher: any FileWatcher, sink: @escaping @Sendable (WatchNotice) -> Void
  ) async throws {
    try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
      do {
        let thread = try WatcherThread(name: "pipeline-walk") {
          do {
            try watcher.start(sink)
            started.resume()
          } catch {
            started.resume(throwing: error)
          }
        }
        thread.detach()
      } catch {
        started.resume(throwing: error)
      }
    }
  }

  /// A watched folder as the messages show it: relative to the root, with a `/`.
  func displayed(_ path: String) -> String {
    let relative = PathText.relative(path, to: context.root)
    return relative == "." ? "./" : relative + "/"
  }
}

extension Event.Kind {
  /// The watch stage began to hold changes while git rewrites the work tree. `message`: why.
  static let changesHeld: Self = "changes-held"
  /// The watch stage sends the changes it held as one batch. Metadata: `count`.
  static let changesReleased: Self = "changes-released"
}
