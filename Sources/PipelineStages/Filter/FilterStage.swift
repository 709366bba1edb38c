import Glibc
import PipelineCore

/// Keeps the changes worth a rebuild and drops the rest: paths outside `include` and
/// `extensions`, paths in `exclude` or `exclude_dirs`, editors' swap and backup files, paths
/// git ignores, and files whose content did not change. A batch left empty goes no further.
///
/// ```yaml
/// - stage: filter
///   include: ["**/*.go", "**/*.tmpl"]   # or the short form: extensions: [go, tmpl]
///   exclude: ["**/*_test.go"]
///   exclude_dirs: [tmp, build/out]       # a bare name at any depth; with a / from here
///   gitignore: true                      # honour .gitignore files and .git/info/exclude
///   editor_noise: ignore                 # drop *.swp, *~, .#*, 4913…
///   unchanged: skip                      # drop a touch or a save without edits
/// ```
///
/// Paths are relative to the pipeline's folder. Per change, in order:
///
/// ```
///  change ─▶ exclude_dirs ─▶ include / extensions ─▶ exclude ─▶ editor files ─▶ .gitignore
///                                                                                  │
///          kept ◀─ content changed? (created/modified; removed and renamed pass) ◀──┘
/// ```
///
/// Content (`unchanged: skip`): the filter keeps a fingerprint of every file it lets
/// through (``FileFingerprint``), and of the tree as it was when the stage started
/// (``FingerprintBaseline``, in the background, with or without a startup batch). A
/// `modified` file with the fingerprint it had is dropped (unless the last cycle failed and
/// the file was saved after that: a save then retries the cycle); one with no fingerprint
/// passes. A `created` file whose previous content
/// the filter knows is reported as `modified`: that is how an atomic save (write a temporary
/// file, rename it over the real one) looks. `removed` forgets the fingerprint.
///
/// The startup batch and a rescan batch always pass, holding only the paths the rules keep;
/// they also reread every `.gitignore`, and a rescan batch starts the baseline over.
///
/// A file that passes after being written during two command runs, and never while
/// the pipeline was idle, is most likely written by a command of the pipeline: the filter warns
/// once (``OwnOutputSuspicion``) and drops nothing for it. Written at the same moment of three
/// runs, it is recognised as a command's: the filter warns again and from then on drops its
/// changes made while a command runs, which ends the loops such a file causes.
///
/// - Important: git never ignores a tracked file, but the filter does not read git's
///   index: a tracked file that a `.gitignore` pattern matches is dropped too. See
///   ``GitignoreMatcher``.
struct FilterStage: Stage {
  struct Configuration: StageConfiguration {
    var include: [GlobPattern]
    var extensions: [String]
    var exclude: [GlobPattern]
    var excludedFolders: ExcludedFolders
    var honoursGitignore: Bool
    var editorNoise: EditorNoisePolicy
    var unchanged: UnchangedPolicy

    init(options: StageOptions) throws {
      include = try options.value(
        "include", default: [],
        help: "Globs of paths to keep. A path is kept when it matches an include glob or has one of the extensions; when both lists are empty, every path is.")
      extensions = try ExtensionsOption.read(
        options,
        help: "File extensions to keep, with or without the dot (`go`, `.tmpl`), case-sensitive: short for include globs like `**/*.go`, combined with include as an or.")
      exclude = try options.value(
        "exclude", default: [],
        help: "Globs of paths to drop, even when they match include or extensions.")
      excludedFolders = try ExcludedFolders.option(
        options, default: [], example: "tmp",
        help: "Folders whose contents are dropped: a bare name (`tmp`) at any depth, a name with a `/` (`build/out`) relative to the pipeline's folder.")
      honoursGitignore = try options.value(
        "gitignore", default: true,
        help: "Drop what git would ignore: `.gitignore` files at every level and `.git/info/exclude` (not core.excludesFile). A changed `.gitignore` is reread and passes itself. Git's index is not read, so a tracked file that a pattern matches is dropped too.")
      editorNoise = try options.value(
        "editor_noise", default: .ignore,
        help: "`ignore` drops editors' swap, backup and temporary files: \(EditorNoise.patterns.map { "`\($0)`" }.joined(separator: ", ")).")
      unchanged = try options.value(
        "unchanged", default: .skip,
        help: "`skip` drops a change to a file whose content and permission bits are what the filter last let through (a touch, a save without edits; after a failed cycle, a file saved since the failure passes anyway, so a save retries; above \(FileFingerprint.contentLimit >> 20) MiB, size and modification time are compared) and a file made and removed again within the batch (`sed -i`'s temporary file), and reports an atomic save as modified; when the stage starts, the tree is fingerprinted in the background (at most \(FingerprintBaseline.fileLimit) files or \(FingerprintBaseline.timeBudget.pipelineText)). `keep` reads no content.")
    }
  }

  static let role = StageRole.transform
  static let prefersEngineThread = true
  static let summary =
    "Keeps the changes worth a rebuild, by path (globs, extensions, folders, .gitignore, editor files) and by content."
  static let example = "- stage: filter\n  extensions: [go, tmpl]\n  exclude_dirs: [tmp]"

  let configuration: Configuration
  let context: StageContext
  let rules: FilterRules

  init(configuration: Configuration, context: StageContext) throws {
    self.configuration = configuration
    self.context = context
    rules = FilterRules(
      include: configuration.include, extensions: configuration.extensions, exclude: configuration.exclude,
      excludedFolders: configuration.excludedFolders, ignoresEditorNoise: configuration.editorNoise == .ignore,
      gitignore: configuration.honoursGitignore ? GitignoreMatcher(pipelineRoot: context.root) : nil)
  }

  func run(input: StageInput, output: StageOutput) async throws {
    var rules = self.rules
    let store = configuration.unchanged == .skip ? FingerprintStore() : nil
    // Started with the stage, so that with `initial: false` (no startup batch) the first touch
    // after the start is known as one too.
    var baseline = store.map { startBaseline(rules: rules, store: $0) }
    // A file a stage of the pipeline rewrote (a formatter) holds what the filter knows now:
    // an edit that puts back the text it last let through is an edit.
    let root = context.root
    let observation = store.map { store in
      context.ownWrites.observeWrites { paths in
        for path in paths { store.record(FileFingerprint.read(PathText.join(root, path))?.fingerprint, for: path) }
      }
    }
    defer { if let observation { context.ownWrites.stopObserving(observation) } }
    var ownOutput = OwnOutputSuspicion()
    for await batch in input {
      let isMarked = batch.isStartup || batch.isRescan
      if isMarked { rules.gitignore?.reset() } else { rules.gitignore?.refreshExcludeFile() }
      for change in batch.changes { rules.gitignore?.noteChange(change) }

      var kept: [Change] = []
      // The modification time read with a kept file's content, by its index in `kept`.
      var keptTimes: [Int: Int] = [:]
      var drops: [(reason: FilterDropReason, path: String)] = []
      for change in batch.changes {
        let absolute = context.absolutePath(change.path)
        let kind = change.kind == .removed ? nil : FileKind.at(absolute)
        let isDirectory = kind.map { $0 == .folder }
        if kind == .special {
          // Data through a FIFO, a socket's or a device's times: nothing a build reads.
          drops.append((.notAFile, change.path))
        } else if let reason = rules.dropReason(for: change.path, isDirectory: isDirectory) {
          drops.append((reason, change.path))
        } else if isDirectory != false, store?.fingerprint(for: change.path) == nil,
          let reason = rules.contentsDropReason(ofFolder: change.path)
        {
          // An excluded folder's own change: a build that recreates its excluded output
          // folder (`rm -rf out && mkdir out`) would otherwise start the next build, forever.
          drops.append((reason, change.path))
        } else if store != nil, change.isTransient {
          // A temporary file (`sed -i`'s, an atomic save's): no change to build for.
          drops.append((.transient, change.path))
        } else if let store, !isMarked, isDirectory == false {
          var modified: Int?
          if let change = Self.checkContent(
            of: change, at: absolute, store: store, retryingAfter: context.cycles.lastFailure, modified: &modified)
          {
            if let modified { keptTimes[kept.count] = modified }
            kept.append(change)
          } else {
            drops.append((.unchanged, change.path))
          }
        } else {
          if change.kind == .removed || change.kind == .renamed { Self.forget(change, in: store) }
          kept.append(change)
        }
      }

      // The startup batch finds the baseline started with the stage; a rescan (the watcher
      // lost track) starts it over.
      if let store, batch.isRescan {
        baseline?.cancel()
        baseline = startBaseline(rules: rules, store: store)
      }
      if !isMarked { dropCommandOutput(from: &kept, times: &keptTimes, drops: &drops, recognisedBy: ownOutput) }
      // The time the change was seen goes on: the restart stage reports change → ready.
      let result = Batch(kept, isStartup: batch.isStartup, isRescan: batch.isRescan, detectedAt: batch.detectedAt)
      if result.isEmpty {
        context.emit(.batchDropped, FilterDropReason.message(for: drops), paths: batch.paths)
      } else {
        output.send(result)
      }
      // After the batch went on, off the way of a save: what it teaches counts from the next.
      if !isMarked { noteOwnOutput(kept, modified: keptTimes, in: &ownOutput) }
    }
    baseline?.cancel()
    await baseline?.value
  }

  /// The change as it should go on, or `nil` when the file's content is what the filter
  /// last let through. Records the file's new fingerprint.
  ///
  /// - Parameters:
  ///   - failure: when the last cycle failed, when it ended (nanoseconds since 1970): a file
  ///     saved after that passes even unchanged, so a save retries the failed cycle. What
  ///     the failed commands wrote themselves is older and does not.
  ///   - modified: set to the file's modification time (nanoseconds since 1970) when its
  ///     content was read.
  private static func checkContent(
    of change: Change, at path: String, store: FingerprintStore, retryingAfter failure: Int?, modified: inout Int?
  ) -> Change? {
    switch change.kind {
    case .removed, .renamed:
      forget(change, in: store)
      if change.kind == .renamed { store.record(FileFingerprint.read(path)?.fingerprint, for: change.path) }
      return change
    case .created, .modified:
      let known = store.fingerprint(for: change.path)
      let reading = FileFingerprint.read(path)
      modified = reading?.modificationTime
      let current = reading?.fingerprint
      store.record(current, for: change.path)
      if let known, current == known {
        guard let failure, let reading, reading.modificationTime > failure else { return nil }
      }
      var result = change
      // A file created where the filter knew content: an atomic save replaced it.
      if known != nil { result.kind = .modified }
      return result
    }
  }

  /// Drops the changes of files recognised as a command's output (``OwnOutputSuspicion``)
  /// that were made while a command ran: they are the command's own.
  private func dropCommandOutput(
    from kept: inout [Change], times: inout [Int: Int], drops: inout [(reason: FilterDropReason, path: String)],
    recognisedBy suspicion: OwnOutputSuspicion
  ) {
    guard suspicion.hasRecognised else { return }
    var remaining: [Change] = []
    var remainingTimes: [Int: Int] = [:]
    for (index, change) in kept.enumerated() {
      let time = times[index]
      if suspicion.isRecognised(change.path), let written = time ?? modificationTime(of: change),
        context.cycles.writer(of: written).isDuringARun
      {
        drops.append((.writtenByCommand, change.path))
        continue
      }
      if let time { remainingTimes[remaining.count] = time }
      remaining.append(change)
    }
    kept = remaining
    times = remainingTimes
  }

  /// Warns about files that look written by the pipeline's own commands (see
  /// ``OwnOutputSuspicion``). A batch of more than 256 files is not looked at: a `stat` each,
  /// but for the files whose content the filter just read (`modified`, by index in `kept`).
  private func noteOwnOutput(_ kept: [Change], modified: [Int: Int], in suspicion: inout OwnOutputSuspicion) {
    guard kept.count <= 256 else { return }
    var files: [(path: String, modified: Int)] = []
    for (index, change) in kept.enumerated() {
      if let time = modified[index] ?? modificationTime(of: change) { files.append((change.path, time)) }
    }
    let cycles = context.cycles
    for finding in suspicion.observe(files, writer: cycles.writer(of:)) {
      context.emit(.warning, OwnOutputSuspicion.warning(for: finding), paths: finding.paths)
    }
  }

  /// When a created or modified regular file was last written (nanoseconds since 1970), read
  /// with a `stat`: for the files whose content the filter did not read (`unchanged: keep`).
  private func modificationTime(of change: Change) -> Int? {
    guard change.kind == .created || change.kind == .modified else { return nil }
    var info = stat()
    guard stat(context.absolutePath(change.path), &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    return info.st_mtim.tv_sec * 1_000_000_000 + info.st_mtim.tv_nsec
  }

  /// Forgets the fingerprint of a removed path, or of the old path of a rename. A path not
  /// known as a file may have been a folder: what was recorded inside it is forgotten too.
  private static func forget(_ change: Change, in store: FingerprintStore?) {
    guard let store else { return }
    func forget(_ path: String) {
      if store.fingerprint(for: path) != nil { store.record(nil, for: path) } else { store.forgetTree(at: path) }
    }
    if change.kind == .removed { forget(change.path) }
    if let previous = change.previousPath { forget(previous) }
  }

  /// Starts fingerprinting the tree in the background, replacing what the store knew.
  private func startBaseline(rules: FilterRules, store: FingerprintStore) -> Task<Void, Never> {
    let generation = store.startBaseline()
    let context = self.context
    return Task.detached(executorPreference: EngineExecutor.background, priority: .background) {
      let clock = ContinuousClock()
      let started = clock.now
      var baseline = FingerprintBaseline(root: context.root, rules: rules, store: store, generation: generation)
      let (files, ending) = await baseline.run()
      context.emit(
        .filterBaseline,
        metadata: ["files": String(files), "ending": ending.rawValue, "duration": String((clock.now - started).seconds)])
    }
  }
}
