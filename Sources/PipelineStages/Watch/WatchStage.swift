import PipelineCore
@preconcurrency import Glibc

/// Watches folders and emits a batch for every change it sees; at start it emits one
/// startup batch, so the app is built and started at once.
///
/// ```yaml
/// - stage: watch
///   paths: [src, templates]   # relative to the pipeline's folder
///   poll: 500ms               # for mounts that deliver no events (Docker on macOS/Windows)
/// ```
///
/// Folders named in `exclude_dirs` (and the defaults: `.git`, `node_modules`, `.build`, `tmp`,
/// `vendor`…) are never watched at all.
struct WatchStage: Stage {
  /// Folders that are never worth watching: version control, dependencies, build output.
  static let defaultExcludedDirectories = [
    ".git", ".hg", ".svn", ".build", ".swiftpm", "node_modules", "tmp", "vendor", "__pycache__",
    ".pytest_cache", ".mypy_cache", ".venv", ".idea", ".gradle",
  ]

  struct Configuration: StageConfiguration {
    var paths: [String]
    var pathsLocation: SourceLocation?
    var polling: WatchPolling
    var excludedDirectories: [String]
    var emitsStartupBatch: Bool

    init(options: StageOptions) throws {
      paths = try options.value(
        "paths", default: ["."], help: "Folders to watch, relative to the pipeline's folder.")
      pathsLocation = options.location(of: "paths") ?? options.location
      polling = try options.value(
        "poll", default: .off,
        help: "true or an interval (500ms) scans the tree instead of using native events: for Docker bind mounts on macOS/Windows.")
      let extra = try options.value(
        "exclude_dirs", default: [String](),
        help: "More folder names or paths (relative to the pipeline's folder) never to watch.")
      let useDefaults = try options.value(
        "default_excludes", default: true,
        help: "Also exclude \(WatchStage.defaultExcludedDirectories.joined(separator: ", ")).")
      excludedDirectories = (useDefaults ? WatchStage.defaultExcludedDirectories : []) + extra
      emitsStartupBatch = try options.value(
        "initial", default: true, help: "Emit a startup batch, so the app is built and started at once.")
      if paths.isEmpty {
        throw options.invalid("paths", "'paths' is empty", help: "list at least one folder, like [.]")
      }
    }
  }

  static let role = StageRole.source
  static let summary = "Watches folders (inotify, or polling) and emits the changes; starts with a startup batch."
  static let example = "- stage: watch\n  paths: [.]"

  let configuration: Configuration
  let context: StageContext
  let roots: [String]
  let exclusion: WatchExclusion

  init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
    roots = configuration.paths.map { context.absolutePath($0) }
    for (path, root) in zip(configuration.paths, roots) {
      var info = stat()
      guard stat(root, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
        throw Diagnostic(
          at: configuration.pathsLocation, "watch path '\(path)' is not a folder (\(root))",
          help: "create it, or fix 'paths' (paths are relative to the pipeline file's folder)")
      }
    }
    var names = Set<String>()
    var paths = Set<String>()
    for entry in configuration.excludedDirectories {
      if entry.contains("/") { paths.insert(context.absolutePath(entry)) } else { names.insert(entry) }
    }
    exclusion = WatchExclusion(directoryNames: names, directoryPaths: paths)
  }

  func run(input: StageInput, output: StageOutput) async throws {
    let watcher: any FileWatcher
    let backend: String
    switch configuration.polling {
    case .off:
      watcher = InotifyWatcher(roots: roots, exclusion: exclusion)
      backend = "inotify"
    case .every(let interval):
      watcher = PollingWatcher(roots: roots, exclusion: exclusion, interval: interval)
      backend = "polling every \(interval.pipelineText)"
    }

    let (batches, continuation) = AsyncStream<Batch>.makeStream()
    let root = context.root
    let context = self.context
    try watcher.start { notice in
      switch notice {
      case .changed(let events):
        let changes = events.compactMap { event -> Change? in
          if event.isDirectory && event.kind != .removed { return nil }
          return Change(path: PathText.relative(event.path, to: root), kind: event.kind)
        }
        if !changes.isEmpty {
          var batch = Batch(changes)
          batch.detectedAt = ContinuousClock.now
          continuation.yield(batch)
        }
      case .rescanNeeded(let folder, let reason):
        context.emit(.warning, "\(reason): treating everything under \(PathText.relative(folder, to: root)) as changed")
        continuation.yield(Batch(isRescan: true))
      case .warning(let message):
        context.emit(.warning, message)
      }
    }
    defer { watcher.stop() }

    let shown = configuration.paths.joined(separator: ", ")
    context.emit(
      .watchReady, "watching \(shown) (\(backend))",
      metadata: ["watched": configuration.paths.joined(separator: ","), "backend": backend])
    if configuration.emitsStartupBatch { output.send(.startup) }

    await withTaskGroup(of: Void.self) { group in
      group.addTask {
        // A source's input yields nothing; it ends when the pipeline stops.
        for await _ in input {}
        watcher.stop()
        continuation.finish()
      }
      group.addTask {
        for await batch in batches {
          context.emit(.changesDetected, batch.description, paths: batch.paths)
          output.send(batch)
        }
      }
    }
  }
}
